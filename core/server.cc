// Server: wiring, the flush interval, and clean shutdown.
#include "core/server.h"

#include <algorithm>
#include <chrono>
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

Server::Server(ServerOptions options) : options_(std::move(options)), http_(options_.web_dir) {
  http_.ready = [this] { return ready_; };
  http_.metrics = [this] { return MetricsText(); };
}

Server::~Server() {
  // Closing the network runs the loop once more (~Network, ~WorkerPool): the server's timers
  // must not fire into a network that is being destroyed.
  loop_.Stop(flush_timer_);
  loop_.Stop(shutdown_timer_);
  network_.reset();  // Closes connections while the coordinator still exists.
  if (store_) Flush();
  // After the last flush: the survivors claim this node's tables with everything written.
  if (cluster_ && coordinator_) cluster_->Stop();
  coordinator_.reset();
}

Status Server::Start() {
  Result<std::unique_ptr<Storage>> storage = options_.cluster_url.empty()
                                                 ? SqliteStorage::Open(options_.db_path)
                                                 : RedisStorage::Open(options_.cluster_url);
  if (!storage.ok()) return storage.status();
  storage_ = std::move(storage.value());
  store_ = std::make_unique<WriteBehind>(storage_.get());
  RegisterStorageMetrics();
  if (options_.workers > 0) {
    WorkerPoolOptions pool = options_.worker_pool;
    pool.workers = options_.workers;
    workers_ = std::make_unique<WorkerVmLink>(&loop_, pool);
    if (Status s = workers_->Start(); !s.ok()) return s;
    options_.coordinator.vm_link = workers_.get();
    RegisterWorkerMetrics();
    Log(LogLevel::kInfo, "game VMs run in " + std::to_string(options_.workers) +
                             " worker processes (event budget " +
                             std::to_string(pool.event_budget_ms) + " ms)");
  }
  options_.coordinator.metrics = &metrics_;
  if (auto* directory = dynamic_cast<ClusterDirectory*>(storage_.get())) {
    cluster_ = std::make_unique<Cluster>(&loop_, directory, &metrics_, options_.cluster);
    options_.coordinator.router = cluster_.get();
  }
  coordinator_ =
      std::make_unique<Coordinator>(&loop_, storage_.get(), store_.get(), options_.coordinator);
  dispatcher_ = std::make_unique<Dispatcher>(coordinator_.get());
  if (Status s = coordinator_->Restore(); !s.ok()) return s;
  if (Status s = InstallGamesDir(); !s.ok()) return s;
  Flush();
  network_ = std::make_unique<Network>(&loop_, this, options_.network);
  // Accepted and refused connections are counted for both ports together, under "tcp"; the
  // HTTP port's connections are told apart once open, as "http" or (upgraded) "ws".
  AddTransportMetrics(
      "tcp", [this] { return static_cast<double>(network_->connection_count(Transport::kTcp)); },
      [this] { return static_cast<double>(network_->accepted()); },
      [this] { return static_cast<double>(network_->refused()); },
      &network_->traffic(Transport::kTcp));
  for (auto [name, transport] :
       {std::pair{"http", Transport::kHttp}, {"ws", Transport::kWebSocket}}) {
    AddTransportMetrics(
        name,
        [this, transport] { return static_cast<double>(network_->connection_count(transport)); },
        nullptr, nullptr, &network_->traffic(transport));
  }
  // Caught before the port opens: a client may connect, and a supervisor signal, the moment
  // it does. The loop delivers a signal caught before it runs on its first turn.
  loop_.OnSignal(SIGINT, [this] { Stop(); });
  loop_.OnSignal(SIGTERM, [this] { Stop(); });
  if (Status s = network_->Listen(options_.host, options_.port); !s.ok()) return s;
  if (options_.http_port >= 0) {
    if (Status s = network_->ListenHttp(options_.http_host, options_.http_port); !s.ok()) return s;
  }
  if (cluster_) {
    const std::string id = options_.advertise.empty()
                               ? options_.host + ":" + std::to_string(network_->port())
                               : options_.advertise;
    std::string web = options_.advertise_http;
    if (web.empty() && network_->http_port() > 0) {
      web = options_.http_host + ":" + std::to_string(network_->http_port());
    }
    if (Status s = cluster_->Start(coordinator_.get(), id, web); !s.ok()) return s;
  }
  ready_ = true;
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
  // Without a network (Start failed, or the server is being destroyed) there is nothing to
  // stop: a signal that comes then is ignored.
  if (stopping_ || !network_) return;
  stopping_ = true;
  ready_ = false;
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
  const auto started = std::chrono::steady_clock::now();
  const Status s = store_->Flush();
  if (cluster_) cluster_->AfterFlush();
  // A flush with nothing queued writes nothing: it is not counted, so that the histogram
  // shows the flushes that cost something.
  if (queued > 0) {
    flushes_->Inc();
    flush_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (!s.ok()) {
    flush_failures_->Inc();
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

void Server::AddTransportMetrics(const std::string& transport, std::function<double()> open,
                                 std::function<double()> accepted, std::function<double()> refused,
                                 const Traffic* traffic) {
  using Type = MetricRegistry::Type;
  const Labels labels = {{"transport", transport}};
  metrics_.AddCallback("ggs_connections_open", "Client connections open, by transport.",
                       Type::kGauge, labels, std::move(open));
  if (accepted) {
    metrics_.AddCallback("ggs_connections_accepted_total",
                         "Client connections accepted on either port (refused ones included).",
                         Type::kCounter, labels, std::move(accepted));
  }
  if (refused) {
    metrics_.AddCallback("ggs_connections_refused_total",
                         "Client connections refused at accept (server_full, "
                         "too_many_connections), on either port.",
                         Type::kCounter, labels, std::move(refused));
  }
  const auto read = [](const uint64_t* field) {
    return [field] { return static_cast<double>(*field); };
  };
  metrics_.AddCallback("ggs_packets_received_total",
                       "Complete packets read from clients (rate-limited ones included).",
                       Type::kCounter, labels, read(&traffic->packets_in));
  metrics_.AddCallback("ggs_packets_sent_total", "Packets queued to clients.", Type::kCounter,
                       labels, read(&traffic->packets_out));
  metrics_.AddCallback("ggs_received_bytes_total", "Bytes read from clients.", Type::kCounter,
                       labels, read(&traffic->bytes_in));
  metrics_.AddCallback("ggs_sent_bytes_total", "Bytes written to clients.", Type::kCounter, labels,
                       read(&traffic->bytes_out));
}

void Server::RegisterStorageMetrics() {
  using Type = MetricRegistry::Type;
  flushes_ = metrics_.GetCounter("ggs_storage_flushes_total",
                                 "Write-behind flushes that had something to write.");
  flush_failures_ = metrics_.GetCounter("ggs_storage_flush_failures_total",
                                        "Write-behind flushes that failed (retried later).");
  flush_seconds_ = metrics_.GetHistogram("ggs_storage_flush_duration_seconds",
                                         "Time one write-behind flush took, in one transaction.",
                                         DurationBuckets());
  metrics_.AddCallback("ggs_storage_rows_written_total",
                       "Rows (coalesced operations) written to storage by the flushes.",
                       Type::kCounter, {},
                       [this] { return static_cast<double>(store_->flushed()); });
  metrics_.AddCallback("ggs_storage_pending_rows",
                       "Operations queued in the write-behind cache, not yet flushed.",
                       Type::kGauge, {}, [this] { return static_cast<double>(store_->pending()); });
}

void Server::RegisterWorkerMetrics() {
  using Type = MetricRegistry::Type;
  metrics_.AddCallback("ggs_worker_restarts_total",
                       "Worker processes lost and replaced, by reason: budget (an event overran "
                       "the time budget and the worker was killed) or crash.",
                       Type::kCounter, {{"reason", "budget"}},
                       [this] { return static_cast<double>(workers_->budget_kills()); });
  metrics_.AddCallback("ggs_worker_restarts_total", "", Type::kCounter, {{"reason", "crash"}},
                       [this] { return static_cast<double>(workers_->crashes()); });
  for (size_t i = 0; i < workers_->workers(); ++i) {
    const Labels labels = {{"worker", std::to_string(i)}};
    metrics_.AddCallback("ggs_worker_tables", "Tables whose game VM lives on the worker.",
                         Type::kGauge, labels,
                         [this, i] { return static_cast<double>(workers_->load(i)); });
    metrics_.AddCallback("ggs_worker_events_total", "Events sent to the worker's VMs.",
                         Type::kCounter, labels,
                         [this, i] { return static_cast<double>(workers_->events(i)); });
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

HttpResponse Server::OnHttpRequest(Connection&, const HttpRequest& request) {
  return http_.Respond(request);
}

}  // namespace ggs
