// Target: the child server's life cycle and its post-mortem.
#include "props/target.h"

#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "client/sync_client.h"

namespace ggs::props {
namespace {

std::string ExitText(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "stopped (status " + std::to_string(status) + ")";
}

// A child on loopback, started for a fuzz run: its token is no secret worth keeping.
constexpr char kAdminToken[] = "ggs-fuzz-admin-token";

// A long grace period by default: a session resumes players long after they dropped, and
// must never race the expiry. Grace mode asks for a short one, which its steps wait past.
std::string GraceSeconds(int grace_ms) {
  if (grace_ms <= 0) return "3600";
  return std::to_string(grace_ms / 1000) + "." + std::to_string(1000 + grace_ms % 1000).substr(1);
}

}  // namespace

std::string ChildServer::admin_token() const { return kAdminToken; }

Result<std::unique_ptr<ChildServer>> ChildServer::Start(const ChildOptions& options) {
  auto dir = std::make_unique<TempDir>("ggs-fuzz");
  if (!dir->ok()) return Status::Io(dir->error());
  auto server = std::unique_ptr<ChildServer>(new ChildServer(options, std::move(dir)));
  if (Status s = server->Launch(); !s.ok()) return s;
  return server;
}

ChildServer::ChildServer(ChildOptions options, std::unique_ptr<TempDir> dir)
    : options_(std::move(options)), dir_(std::move(dir)) {}

ChildServer::~ChildServer() {
  process_.reset();  // Kills a server that still runs; then dir_ goes, unless kept.
}

Status ChildServer::Launch() {
  // clang-format off
  const std::vector<std::string> args = {
      "--db", DatabasePath(),
      "--games", options_.games_dir,
      "--max-header", std::to_string(options_.limits.max_header),
      "--max-payload", std::to_string(options_.limits.max_payload),
      "--reconnect-grace", GraceSeconds(options_.grace_ms),
      "--flush-ms", std::to_string(kFlushMs),
      // No fuzz step runs long; a busy machine must not time a worker out.
      "--event-budget-ms", "5000",
      // The model has no clock: sessions may pipeline any number of commands, and a client
      // may sit idle (without hello) while others act, so rate and deadlines stay out of
      // reach. Junk is refused at once all the same (Corruption::kUnended*).
      "--max-commands-per-s", "0",
      "--hello-timeout", "600000",
      "--packet-timeout", "600000",
      // Nor can it tell when a table is a second behind (a slow worker on a busy machine,
      // the rebuild after a kill), so no command is shed as table_busy.
      "--max-table-lag-ms", "0",
      "--admin-token", kAdminToken,
      "--log-level", options_.log_level};
  // clang-format on
  Result<std::unique_ptr<ServerProcess>> started =
      ServerProcess::StartServe(options_.binary, args, log_path());
  if (!started.ok()) return started.status();
  process_ = std::move(started.value());
  return Status::Ok();
}

Status ChildServer::Restart(StopMode mode, const WhileDown& while_down) {
  if (Status health = Health(); !health.ok()) return health;
  if (mode == StopMode::kKill) {
    process_->Kill();
  } else if (const int status = process_->Stop(10000); status != 0) {
    return Status::Error("restart",
                         "the server did not shut down cleanly on SIGTERM: " +
                             (status < 0 ? std::string("it had to be killed") : ExitText(status)));
  }
  process_.reset();
  const Status inspected = while_down ? while_down(DatabasePath()) : Status::Ok();
  if (Status launched = Launch(); !launched.ok()) return launched;
  return inspected;
}

Status ChildServer::Health() {
  if (!process_ || !process_->running()) return Status::Error("crash", "the server is not running");
  siginfo_t info{};
  // WNOWAIT leaves the child to be reaped by ServerProcess, which owns it.
  if (waitid(P_PID, static_cast<id_t>(process_->pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid != 0) {
    const int status = info.si_code == CLD_EXITED ? (info.si_status << 8) : info.si_status;
    return Status::Error("crash", "the server " + ExitText(status) + "; see " + log_path());
  }
  return Status::Ok();
}

Status ChildServer::Reset() {
  process_.reset();
  // The old database goes (shrinking resets many times); the log keeps every generation's.
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(DatabasePath() + suffix, ignored);
  }
  ++generation_;
  return Launch();
}

std::string ChildServer::DatabasePath() const {
  return dir_->File("fuzz-" + std::to_string(generation_) + ".db");
}

Status RemoteServer::Restart(StopMode, const WhileDown&) {
  return Status::Error("restart", "cannot restart a server the fuzzer did not start");
}

Status RemoteServer::Health() {
  Result<std::unique_ptr<SyncClient>> probe = SyncClient::Connect(host_, port_, 1000);
  if (!probe.ok())
    return Status::Error("crash",
                         "the server does not accept connections: " + probe.status().message());
  return Status::Ok();
}

}  // namespace ggs::props
