// Server: wiring, the flush interval, and clean shutdown.
#include "core/server.h"

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "base/file.h"
#include "core/log.h"
#include "core/redis_storage.h"
#include "core/sqlite_storage.h"

namespace ggs {
namespace {

constexpr uint64_t kShutdownGraceMs = 2000;  // Time for queued replies to drain.

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  network_.reset();  // Closes connections while the coordinator still exists.
  if (store_) Flush();
  loop_.Stop(flush_timer_);
  loop_.Stop(shutdown_timer_);
  coordinator_.reset();
}

Status Server::Start() {
  Result<std::unique_ptr<Storage>> storage = options_.cluster_url.empty()
                                                 ? SqliteStorage::Open(options_.db_path)
                                                 : RedisStorage::Open(options_.cluster_url);
  if (!storage.ok()) return storage.status();
  storage_ = std::move(storage.value());
  store_ = std::make_unique<WriteBehind>(storage_.get());
  if (options_.workers > 0) {
    WorkerPoolOptions pool = options_.worker_pool;
    pool.workers = options_.workers;
    workers_ = std::make_unique<WorkerVmLink>(&loop_, pool);
    if (Status s = workers_->Start(); !s.ok()) return s;
    options_.coordinator.vm_link = workers_.get();
    Log(LogLevel::kInfo, "game VMs run in " + std::to_string(options_.workers) +
                             " worker processes (event budget " +
                             std::to_string(pool.event_budget_ms) + " ms)");
  }
  coordinator_ =
      std::make_unique<Coordinator>(&loop_, storage_.get(), store_.get(), options_.coordinator);
  dispatcher_ = std::make_unique<Dispatcher>(coordinator_.get());
  if (Status s = coordinator_->Restore(); !s.ok()) return s;
  if (Status s = InstallGamesDir(); !s.ok()) return s;
  Flush();
  network_ = std::make_unique<Network>(&loop_, this, options_.network);
  // Caught before the port opens: a client may connect, and a supervisor signal, the moment
  // it does. The loop delivers a signal caught before it runs on its first turn.
  loop_.OnSignal(SIGINT, [this] { Stop(); });
  loop_.OnSignal(SIGTERM, [this] { Stop(); });
  if (Status s = network_->Listen(options_.host, options_.port); !s.ok()) return s;
  flush_timer_ = loop_.Start(std::max<uint64_t>(1, options_.flush_ms), true, [this] { Flush(); });
  return Status::Ok();
}

// Installs each DIR/NAME/NAME.js whose source differs from the newest stored version.
Status Server::InstallGamesDir() {
  if (options_.games_dir.empty()) return Status::Ok();
  std::error_code ec;
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(options_.games_dir, ec)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  if (ec) return Status::Io("cannot list " + options_.games_dir + ": " + ec.message());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    const std::string name = dir.filename().string();
    const auto file = dir / (name + ".js");
    if (!std::filesystem::exists(file)) continue;
    Result<std::string> source = ReadFile(file.string());
    if (!source.ok()) return source.status();
    if (coordinator_->GameSource(name) == source.value()) continue;
    Result<int> version = coordinator_->InstallGame(name, source.value());
    if (!version.ok())
      return Status::Error(version.status().code(),
                           file.string() + ": " + version.status().message());
  }
  return Status::Ok();
}

void Server::Run() { loop_.Run(); }

void Server::Stop() {
  if (stopping_) return;
  stopping_ = true;
  Log(LogLevel::kInfo, "shutting down: flushing storage and closing connections");
  network_->StopListening();
  network_->CloseAll();
  Flush();
  const uint64_t started = loop_.NowMs();
  shutdown_timer_ = loop_.Start(10, true, [this, started] {
    if (network_->connection_count() == 0 || loop_.NowMs() - started > kShutdownGraceMs)
      loop_.Quit();
  });
}

// A failed flush keeps its writes queued, and every later flush retries them. While the
// store stays unreachable only the first failure, and then every 100th, is logged.
void Server::Flush() {
  const size_t queued = store_->pending();
  if (Status s = store_->Flush(); !s.ok()) {
    if (failed_flushes_++ % 100 == 0) {
      Log(LogLevel::kError, "storage flush failed (" + std::to_string(failed_flushes_) +
                                " in a row; " + std::to_string(queued) +
                                " writes kept queued, retried every flush): " + s.ToString());
    }
    return;
  }
  if (failed_flushes_ > 0) {
    Log(LogLevel::kInfo, "storage flush succeeded again after " + std::to_string(failed_flushes_) +
                             " failed; " + std::to_string(queued) + " queued writes written");
    failed_flushes_ = 0;
  }
}

void Server::OnPacket(Connection& connection, Packet packet) {
  dispatcher_->Handle(&connection, std::move(packet));
}

void Server::OnFramingError(Connection& connection, const Status& error) {
  dispatcher_->FramingError(&connection, error);
}

void Server::OnRefused(Connection& connection, const Status& error) {
  dispatcher_->Refuse(&connection, error);
}

void Server::OnClose(Connection& connection) { coordinator_->Disconnected(&connection); }

}  // namespace ggs
