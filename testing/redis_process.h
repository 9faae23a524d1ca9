// RedisProcess: a throwaway `redis-server` child on a loopback port, for the tests of the
// Redis storage home and of `ggs serve --cluster`. It keeps nothing on disk (no RDB
// snapshots, no append-only file; its directory is a scratch directory of its own) and the
// destructor stops it by its pid.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "testing/server_process.h"
#include "testing/temp_dir.h"

namespace ggs {

class RedisProcess {
 public:
  // Starts redis-server (found on PATH) on 127.0.0.1:`port` (0: a free port) and waits until
  // it answers PING (up to 15 s). Fails with code "io" and a message that says what to
  // install when redis-server is missing.
  static Result<std::unique_ptr<RedisProcess>> Start(int port = 0);
  ~RedisProcess() = default;
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  int port() const { return server_->port(); }
  // "redis://127.0.0.1:PORT".
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port()); }
  // Stops the server (SIGTERM, then SIGKILL); everything it held is gone.
  void Stop() { server_->Stop(); }

 private:
  RedisProcess(std::unique_ptr<TempDir> dir, std::unique_ptr<ServerProcess> server)
      : dir_(std::move(dir)), server_(std::move(server)) {}
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;  // Stopped before dir_ goes.
};

// Sends one inline command (e.g. "PING") to the Redis server on 127.0.0.1:`port` and returns
// the first line of its reply, without the trailing CRLF ("+PONG").
Result<std::string> RedisInline(int port, const std::string& command);

}  // namespace ggs
