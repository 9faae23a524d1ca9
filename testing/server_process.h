// ServerProcess: a server child process on a loopback port — `ggs serve` for end-to-end
// tests, `ggs fuzz` and `ggs bench`, or the echo ceiling's server for `ggs bench`. It owns
// the child: the destructor kills it if it still runs.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace ggs {

class ServerProcess {
 public:
  // The arguments after the program name, for the free port the child is to listen on.
  using ArgsForPort = std::function<std::vector<std::string>(int port)>;

  // Starts `binary` with `args(port)` for a free loopback port (or `port`, when not 0), its
  // stderr appended to `log_path` (when not empty), and waits until the port accepts
  // connections (up to 15 s). Fails with code "io", saying how the child ended when it
  // exited early.
  static Result<std::unique_ptr<ServerProcess>> Start(const std::string& binary,
                                                      const ArgsForPort& args,
                                                      const std::string& log_path = "",
                                                      int port = 0);
  // Starts `binary serve --listen 127.0.0.1:PORT <args...>`, as Start does. Without an
  // `--http` among `args` it adds `--http off`, so that no test depends on the default HTTP
  // port being free; a test of the HTTP listener passes `--http 127.0.0.1:0` and a log path,
  // and reads the port with HttpPortFromLog. A `port` that is not 0 is used instead of a
  // free one (to start a server again where it was).
  static Result<std::unique_ptr<ServerProcess>> StartServe(const std::string& binary,
                                                           const std::vector<std::string>& args,
                                                           const std::string& log_path = "",
                                                           int port = 0);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends SIGTERM and waits for the exit (SIGKILL after `timeout_ms`); returns the exit
  // status as waitpid gives it, or -1 when the child had to be killed.
  int Stop(int timeout_ms = 10000);
  // Sends SIGKILL and reaps the child.
  void Kill();
  bool running() const { return pid_ > 0; }

 private:
  ServerProcess(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_;
  int port_;
};

// The HTTP port a `ggs serve` logged (`http listening on HOST:PORT`) in `log_path`. Fails
// with code "io" when the log holds no such line.
Result<int> HttpPortFromLog(const std::string& log_path);

// A TCP port on 127.0.0.1 that was free a moment ago.
Result<int> FreeLoopbackPort();

// A TCP socket bound to a free port on 127.0.0.1, listening when `backlog` > 0: its
// descriptor, which the caller closes, and its port. Fails with code "io".
struct LoopbackSocket {
  int fd = -1;
  int port = 0;
};
Result<LoopbackSocket> BindLoopback(int backlog = 0);

}  // namespace ggs
