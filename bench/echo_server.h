// The echo ceiling's server: a bare libuv TCP server that writes back every byte it reads,
// with no framing, no protocol and no game. It runs as its own process, like `ggs serve`,
// so that both servers are measured the same way (CPU and memory from /proc) and the
// client's sockets and the server's do not share one open-file limit.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/status.h"

namespace ggs::bench {

// Serves echo on 127.0.0.1:`port` until SIGTERM or SIGINT, then closes every handle and
// returns. Fails with code "io" when it cannot listen. Blocks the calling thread.
Status ServeEcho(int port);

// A child process running `binary bench --echo-server PORT` on a free loopback port. The
// destructor stops it (SIGTERM, then SIGKILL) if still running.
class EchoProcess {
 public:
  // Starts the child and waits (up to 10 s) until its port accepts connections.
  // Fails with code "io".
  static Result<std::unique_ptr<EchoProcess>> Start(const std::string& binary);
  ~EchoProcess();
  EchoProcess(const EchoProcess&) = delete;
  EchoProcess& operator=(const EchoProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  EchoProcess(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_;
  int port_;
};

}  // namespace ggs::bench
