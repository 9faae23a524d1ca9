// Server: one ggs server process — the event loop, storage, the write-behind flush, the
// coordinator, the dispatcher and the network, wired together, with clean shutdown.
//
// Thread: construct, Start and Run on one thread; Stop from the loop (signals do).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/coordinator.h"
#include "core/dispatcher.h"
#include "core/loop.h"
#include "core/network.h"
#include "core/status.h"
#include "core/storage.h"
#include "core/worker_vm_link.h"
#include "core/write_behind.h"

namespace ggs {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 9000;  // 0 picks a free port.
  std::string db_path = "ggs.db";
  // When set (redis://HOST:PORT), storage lives in that Redis server (RedisStorage) and
  // db_path is not used.
  std::string cluster_url;
  NetworkOptions network;
  CoordinatorOptions coordinator;
  uint64_t flush_ms = 50;
  std::string games_dir;  // When set, installs DIR/NAME/NAME.js for each NAME at start.
  // 0: every table's VM runs in this process. N: in N supervised worker processes, started
  // from worker_pool.binary (`ggs worker`).
  size_t workers = 0;
  WorkerPoolOptions worker_pool;
};

class Server final : public ConnectionHandler {
 public:
  explicit Server(ServerOptions options);
  ~Server() override;

  // Opens storage, restores every table, installs the games directory, listens.
  Status Start();
  // Serves until SIGINT/SIGTERM or Stop(), then flushes storage and closes everything.
  void Run();
  // Begins a clean shutdown.
  void Stop();

  int port() const { return network_ ? network_->port() : 0; }
  Coordinator& coordinator() { return *coordinator_; }

 private:
  void OnPacket(Connection& connection, Packet packet) override;
  void OnFramingError(Connection& connection, const Status& error) override;
  void OnRefused(Connection& connection, const Status& error) override;
  void OnClose(Connection& connection) override;
  Status InstallGamesDir();
  void Flush();

  ServerOptions options_;
  Loop loop_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteBehind> store_;
  std::unique_ptr<WorkerVmLink> workers_;  // With --workers; outlives the coordinator.
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Network> network_;
  Timers::Id flush_timer_ = 0;
  Timers::Id shutdown_timer_ = 0;
  bool stopping_ = false;
  size_t failed_flushes_ = 0;  // Consecutive failed flushes; logged on the first and on recovery.
};

}  // namespace ggs
