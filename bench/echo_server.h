// The echo ceiling's server: a bare libuv TCP server that writes back every byte it reads,
// with no framing, no protocol and no game. It runs as its own process, like `ggs serve`,
// so that both servers are measured the same way (CPU and memory from /proc) and the
// client's sockets and the server's do not share one open-file limit.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace ggs::bench {

// Serves echo on 127.0.0.1:`port` until SIGTERM or SIGINT, then closes every handle and
// returns. Fails with code "io" when it cannot listen. Blocks the calling thread.
Status ServeEcho(int port);

// The arguments after the program name that make `ggs` serve echo on `port`
// (`bench echo-server --port PORT`), for ServerProcess::Start.
std::vector<std::string> EchoServerArgs(int port);

}  // namespace ggs::bench
