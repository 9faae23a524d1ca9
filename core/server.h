// Server: one ggs server process — the event loop, storage, the write-behind flush, the
// coordinator, the dispatcher and the network, wired together, with clean shutdown.
//
// Thread: construct, Start and Run on one thread; Stop from the loop (signals do).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/cluster.h"
#include "core/coordinator.h"
#include "core/dispatcher.h"
#include "core/http_service.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/network.h"
#include "core/status.h"
#include "core/storage.h"
#include "core/worker_vm_link.h"
#include "core/write_behind.h"

namespace ggs {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 9000;  // 0 picks a free port.
  // The HTTP listener (health checks, static files, WebSocket players on /ws); a negative
  // port: none. 0 picks a free port.
  std::string http_host = "127.0.0.1";
  int http_port = -1;
  std::string web_dir;  // The static files served over HTTP; "" serves none.
  std::string db_path = "ggs.db";
  // When set (redis://HOST:PORT), storage lives in that Redis server (RedisStorage) and
  // db_path is not used.
  std::string cluster_url;
  // In a cluster: the game address (HOST:PORT) other nodes send this node's players to,
  // which also names the node; "" means host:port as bound. And the HTTP address sent to
  // WebSocket clients; "" means http_host:http_port as bound (none without a listener).
  std::string advertise;
  std::string advertise_http;
  ClusterOptions cluster;
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
  // Begins a clean shutdown; nothing when the server is not serving (Start failed).
  void Stop();

  int port() const { return network_ ? network_->port() : 0; }
  // The HTTP listener's bound port, or 0 when there is none.
  int http_port() const { return network_ ? network_->http_port() : 0; }
  Coordinator& coordinator() { return *coordinator_; }
  // The node's part in its cluster, or nullptr without --cluster.
  Cluster* cluster() { return cluster_.get(); }
  // The loop the server runs on: its timers run on the loop thread, for in-process tests.
  Loop& loop() { return loop_; }

  // Every metric of the server in the Prometheus text exposition format (version 0.0.4);
  // what `GET /metrics` answers. docs/operations.md, "Metrics", lists them. Loop thread
  // only, after Start() succeeded. O(series + players + tables).
  std::string MetricsText() const { return metrics_.Render(); }
  MetricRegistry& metrics() { return metrics_; }
  // Registers the connection figures of one transport under label transport="NAME":
  // connections open (`open`), accepted and refused since start (each skipped when empty),
  // and `traffic`'s packets and bytes. Every argument must stay valid while the server's
  // metrics are rendered.
  void AddTransportMetrics(const std::string& transport, std::function<double()> open,
                           std::function<double()> accepted, std::function<double()> refused,
                           const Traffic* traffic);

 private:
  void OnPacket(Connection& connection, Packet packet) override;
  void OnFramingError(Connection& connection, const Status& error) override;
  void OnRefused(Connection& connection, const Status& error) override;
  void OnClose(Connection& connection) override;
  HttpResponse OnHttpRequest(Connection& connection, const HttpRequest& request) override;
  Status InstallGamesDir();
  void Flush();
  void RegisterStorageMetrics();
  void RegisterWorkerMetrics();

  ServerOptions options_;
  Loop loop_;
  MetricRegistry metrics_;  // Before what it reads at render time, so destroyed after it.
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteBehind> store_;
  std::unique_ptr<WorkerVmLink> workers_;  // With --workers; outlives the coordinator.
  std::unique_ptr<Cluster> cluster_;       // With --cluster; outlives the coordinator.
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Network> network_;
  Counter* flushes_ = nullptr;
  Counter* flush_failures_ = nullptr;
  Histogram* flush_seconds_ = nullptr;
  HttpService http_;
  bool ready_ = false;  // Storage open and restored, the game port listening; not stopping.
  Timers::Id flush_timer_ = 0;
  Timers::Id shutdown_timer_ = 0;
  bool stopping_ = false;
  size_t failed_flushes_ = 0;  // Consecutive failed flushes; logged on the first and on recovery.
};

}  // namespace ggs
