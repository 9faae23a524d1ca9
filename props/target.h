// Target: the server a fuzz session talks to. Either a `ggs serve` child process that the
// fuzzer owns (restartable on its database, and watched for crashes), or a server someone
// else runs at HOST:PORT (no restarts; a crash shows only as silence).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/protocol.h"
#include "core/status.h"
#include "testing/server_process.h"
#include "testing/temp_dir.h"

namespace ggs::props {

// The started server's --flush-ms: short, so that a kill loses little and plenty of what a
// session did is certainly durable (props/durability.h).
inline constexpr int kFlushMs = 20;

enum class StopMode {
  kClean,  // SIGTERM; the server must exit with status 0.
  kKill,   // SIGKILL: whatever was not flushed is lost.
};

// Runs while the server is down, given its database's path.
using WhileDown = std::function<Status(const std::string& database)>;

class Target {
 public:
  virtual ~Target() = default;
  virtual std::string host() const = 0;
  virtual int port() const = 0;
  virtual bool can_restart() const = 0;
  // Stops the server as `mode` says, calls `while_down` (when given; its error is returned
  // after the server started again) and starts it again on the same database. The port may
  // change.
  virtual Status Restart(StopMode mode, const WhileDown& while_down) = 0;
  Status Restart() { return Restart(StopMode::kClean, nullptr); }
  // Ok while the server runs; otherwise an error saying how it died.
  virtual Status Health() = 0;
  // Brings a server whose state is unknown (after a failed session) back to a fresh one,
  // when the target can.
  virtual Status Reset() = 0;
  // Where the server's log is, or "".
  virtual std::string log_path() const = 0;
  // The server's --admin-token, or "" when the fuzzer does not know it (no uploads then).
  virtual std::string admin_token() const { return ""; }
};

struct ChildOptions {
  std::string binary;     // The ggs executable.
  std::string games_dir;  // Passed as --games.
  ParserLimits limits;    // Passed as --max-header and --max-payload.
  std::string log_level = "warn";
  int grace_ms = 0;  // --reconnect-grace in milliseconds; 0: an hour.
};

// A `ggs serve` child on a loopback port with a database in a fresh temporary directory,
// which the destructor removes (the log stays when keep_files() was asked for).
class ChildServer final : public Target {
 public:
  static Result<std::unique_ptr<ChildServer>> Start(const ChildOptions& options);
  ~ChildServer() override;

  std::string host() const override { return "127.0.0.1"; }
  int port() const override { return process_ ? process_->port() : 0; }
  bool can_restart() const override { return true; }
  using Target::Restart;
  Status Restart(StopMode mode, const WhileDown& while_down) override;
  Status Health() override;
  Status Reset() override;
  std::string log_path() const override { return dir_->File("server.log"); }
  std::string admin_token() const override;
  // The running server's process id, or 0.
  pid_t pid() const { return process_ ? process_->pid() : 0; }
  // Keeps the temporary directory (its database and log) for a post-mortem.
  void keep_files() { dir_->Keep(); }

 private:
  ChildServer(ChildOptions options, std::unique_ptr<TempDir> dir);
  Status Launch();
  std::string DatabasePath() const;

  ChildOptions options_;
  std::unique_ptr<TempDir> dir_;
  int generation_ = 0;  // Each Reset() starts on a new database file.
  std::unique_ptr<ServerProcess> process_;
};

class RemoteServer final : public Target {
 public:
  // `admin_token`: the server's --admin-token, or "" when unknown (no uploads then).
  RemoteServer(std::string host, int port, std::string admin_token = "")
      : host_(std::move(host)), port_(port), admin_token_(std::move(admin_token)) {}
  std::string host() const override { return host_; }
  int port() const override { return port_; }
  bool can_restart() const override { return false; }
  using Target::Restart;
  Status Restart(StopMode mode, const WhileDown& while_down) override;
  Status Health() override;
  Status Reset() override { return Status::Ok(); }
  std::string log_path() const override { return ""; }
  std::string admin_token() const override { return admin_token_; }

 private:
  std::string host_;
  int port_;
  std::string admin_token_;
};

}  // namespace ggs::props
