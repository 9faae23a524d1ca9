// The end-to-end scenarios: servers started and stopped here, loads from the swarm engine
// (pong) or the closed-loop load client (echo, counter), and the restart timing.
#include "bench/scenarios.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "bench/echo_server.h"
#include "bench/load_client.h"
#include "bench/micro.h"
#include "bots/swarm.h"
#include "client/sync_client.h"
#include "core/protocol.h"
#include "testing/server_process.h"

namespace ggs::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Says one hello per index on its own short connection, 8 connections at a time, and
// returns each hello reply's payload (empty when it failed); an index whose hello is empty
// is skipped. Closing a connection leaves its player in its grace period, seated.
std::vector<std::string> ParallelHellos(int port, size_t n,
                                        const std::function<std::string(size_t)>& hello) {
  constexpr int kThreads = 8;
  std::vector<std::string> replies(n);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        std::string bytes = hello(i);
        if (bytes.empty()) continue;
        Result<std::unique_ptr<SyncClient>> client = SyncClient::Connect("127.0.0.1", port);
        if (!client.ok() || !(*client)->SendRaw(bytes).ok()) continue;
        Result<Packet> reply = (*client)->Receive(10000);
        if (reply.ok() && ClientCommandOf(*reply) == command::kHello) replies[i] = reply->payload;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return replies;
}

E2eRow FromLoad(std::string scenario, std::string db, size_t connections, const LoadFigures& f) {
  E2eRow row;
  row.scenario = std::move(scenario);
  row.db = std::move(db);
  row.connections = connections;
  row.failed = f.failed;
  row.window_s = f.window_s;
  row.msgs_in_per_s = f.window_s > 0 ? f.msgs_in / f.window_s : 0;
  row.msgs_out_per_s = f.window_s > 0 ? f.msgs_out / f.window_s : 0;
  row.server_cpu_cores = f.server_cpu_cores();
  row.server_rss_mb = f.server_rss_mb;
  row.client_cpu_cores = f.window_s > 0 ? f.client_cpu_s / f.window_s : -1;
  row.errors = f.errors;
  return row;
}

}  // namespace

// The echo server under the load client: closed loop (rate_hz 0) or paced.
Result<LoadFigures> RunEcho(const ScenarioContext& c, size_t connections, double rate_hz) {
  Result<std::unique_ptr<ServerProcess>> echo = ServerProcess::Start(
      c.binary, [](int port) { return EchoServerArgs(port); }, c.dir + "/echo.log");
  if (!echo.ok()) return echo.status();
  LoadOptions o;
  o.port = (*echo)->port();
  o.connections = connections;
  o.message = StatePacketBytes();
  o.window = c.window;
  o.rate_hz = rate_hz;
  o.warmup_s = c.warmup_s;
  o.duration_s = c.duration_s;
  o.server_pid = (*echo)->pid();
  return RunLoad(o);
}

Result<E2eRow> RunEchoCeiling(const ScenarioContext& c, size_t connections) {
  Say(c, "echo ceiling, " + std::to_string(connections) + " connections");
  Result<LoadFigures> f = RunEcho(c, connections, 0);
  if (!f.ok()) return f.status();
  E2eRow row = FromLoad("echo", "", connections, *f);
  row.ceiling_msgs_per_s = row.msgs_per_s();
  row.ceiling_msgs_per_cpu_s = row.msgs_per_cpu_s();
  return row;
}

Result<E2eRow> RunPacedEcho(const ScenarioContext& c, size_t connections) {
  Say(c, "paced echo, " + std::to_string(connections) + " connections");
  Result<LoadFigures> f = RunEcho(c, connections, kPacedEchoHz);
  if (!f.ok()) return f.status();
  return FromLoad("echo_paced", "", connections, *f);
}

Result<E2eRow> RunPong(const ScenarioContext& c, size_t bots, Db db, int workers) {
  Say(c, std::string("pong, ") + std::to_string(bots) + " bots, " + DbName(db) + ", --workers " +
             std::to_string(workers));
  Result<std::unique_ptr<ServerProcess>> server = StartServer(c, ServeArgs(c, db, "pong", workers));
  if (!server.ok()) return server.status();
  bots::SwarmOptions o;
  o.server = "127.0.0.1:" + std::to_string((*server)->port());
  o.game = "pong";
  o.bots = bots;
  o.ramp_s = static_cast<double>(bots) / 2500;  // Spares the listener a connect storm.
  o.duration_s = c.duration_s;
  o.server_pid = (*server)->pid();
  Result<bots::SwarmReport> report = bots::RunSwarm(o);
  (*server)->Stop();
  if (!report.ok()) return report.status();
  E2eRow row;
  row.scenario = db == Db::kMemory ? "pong" : "pong_file_db";
  row.db = DbName(db);
  row.workers = workers;
  row.connections = bots;
  row.failed = report->stats.bots_failed;
  row.window_s = report->window_s;
  row.msgs_in_per_s = report->msgs_in_per_s();
  row.msgs_out_per_s = report->msgs_out_per_s();
  row.rtt_p50_ms = static_cast<double>(report->stats.rtt.Percentile(0.5)) / 1000;
  row.rtt_p99_ms = static_cast<double>(report->stats.rtt.Percentile(0.99)) / 1000;
  row.ticks_delivered = report->stats.ticks.RatioVsWallClock();
  if (report->server_process) {
    row.server_cpu_cores = report->server_process->cpu_cores;
    row.server_rss_mb = report->server_process->rss_mb;
  }
  row.client_cpu_cores = report->swarm_cpu_cores();
  row.errors = report->stats.errors();
  return row;
}

Result<E2eRow> RunWrites(const ScenarioContext& c, size_t connections, Db db, int workers,
                         const std::string& scenario) {
  Say(c, std::string("world writes, ") + std::to_string(connections) + " players, " + DbName(db) +
             ", --workers " + std::to_string(workers));
  Result<std::unique_ptr<ServerProcess>> server =
      StartServer(c, ServeArgs(c, db, "writes", workers));
  if (!server.ok()) return server.status();
  LoadOptions o;
  o.port = (*server)->port();
  o.connections = connections;
  o.message = Encode(GameCommand("add"));
  o.window = c.window;
  o.hello = HelloBytes(header::kGame, "counter");
  o.warmup_s = c.warmup_s;
  o.duration_s = c.duration_s;
  o.server_pid = (*server)->pid();
  Result<LoadFigures> f = RunLoad(o);
  (*server)->Stop();
  if (!f.ok()) return f.status();
  std::string name = scenario;
  if (name.empty()) name = db == Db::kMemory ? "writes_memory" : "writes_file_db";
  E2eRow row = FromLoad(std::move(name), DbName(db), connections, *f);
  row.workers = workers;
  return row;
}

Result<RecoveryFigures> RunRecovery(const ScenarioContext& c, size_t tables) {
  Say(c, "start-up and recovery, " + std::to_string(tables) + " tables");
  // A long grace keeps every player (and so its table) while its connection is closed.
  std::vector<std::string> args = {"--games",
                                   c.dir + "/games",
                                   "--db",
                                   FreshDbPath(c, "recovery"),
                                   "--reconnect-grace",
                                   "3600",
                                   "--log-level",
                                   "warn",
                                   "--workers",
                                   std::to_string(DefaultWorkers())};
  RecoveryFigures r;
  r.tables = tables;
  Result<std::unique_ptr<ServerProcess>> first = StartServer(c, args);
  if (!first.ok()) return first.status();
  auto start = Clock::now();
  const std::string solo = HelloBytes(header::kGame, "solo");
  std::vector<std::string> replies =
      ParallelHellos((*first)->port(), tables, [&](size_t) { return solo; });
  r.create_s = SecondsSince(start);
  if ((*first)->Stop() != 0) return Status::Io("the first server did not stop cleanly");
  std::vector<std::string> tokens;
  for (const std::string& reply : replies) {
    Result<HelloReply> hello = ParseHelloReply(reply);
    tokens.push_back(hello.ok() ? hello->player : "");
  }

  auto restart = Clock::now();
  Result<std::unique_ptr<ServerProcess>> second = StartServer(c, args);
  if (!second.ok()) return second.status();
  r.accepting_s = SecondsSince(restart);
  std::vector<std::string> resumed = ParallelHellos((*second)->port(), tables, [&](size_t i) {
    return tokens[i].empty() ? std::string() : HelloBytes(header::kToken, tokens[i]);
  });
  r.serving_s = SecondsSince(restart);
  (*second)->Stop();
  for (size_t i = 0; i < tables; ++i) {
    if (!tokens[i].empty() && !resumed[i].empty()) r.answered++;
  }
  return r;
}

}  // namespace ggs::bench
