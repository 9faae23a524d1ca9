// The worker scenarios: a worker killed under many tables, and a runaway table beside
// working ones, each driven by TablePlayers.
#include "bench/worker_scenarios.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

#include "base/process_tree.h"
#include "bench/table_players.h"
#include "bots/run_clock.h"
#include "core/fd_limit.h"
#include "core/protocol.h"

namespace ggs::bench {
namespace {

constexpr uint64_t kAnswerTimeoutUs = 10000000;  // A table not answering by then is dropped.
constexpr int kNeighbourWorkers = 2;
// Each neighbour's commands per second: a steady load well below saturation, so that the
// round trips measure waiting, not queueing behind the load itself.
constexpr double kNeighbourHz = 50;
// The neighbour scenario's runaway table kills its worker several times a second; the
// default restart intensity (3 in 60 s) would close it within the first second.
constexpr char kRestartLimit[] = "1000";

uint64_t Us(double seconds) { return static_cast<uint64_t>(seconds * 1e6); }

double Ms(uint64_t us) { return static_cast<double>(us) / 1000; }

// The nearest-rank percentile of `sorted` (ascending, not empty), `q` in (0, 1].
uint64_t Percentile(const std::vector<uint64_t>& sorted, double q) {
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string CounterHello() { return HelloBytes(header::kGame, "counter"); }
std::string Add() { return Encode(GameCommand("add")); }

uint64_t Count(const std::map<std::string, uint64_t>& errors) {
  uint64_t n = 0;
  for (const auto& [code, count] : errors) n += count;
  return n;
}

// The runaway's or the heavy table's player in the neighbour scenario, on its own thread
// and loop: it sits at a table of `game` and sends `game` commands back to back until
// `end_us`.
struct Hog {
  size_t seated = 0;
  TablePlayers::LoopFigures figures;
  Status status;

  void Run(int port, const std::string& game, uint64_t end_us) {
    Result<std::unique_ptr<TablePlayers>> players = TablePlayers::Create(port);
    if (!players.ok()) {
      status = players.status();
      return;
    }
    seated = (*players)->Join(1, HelloBytes(header::kGame, game), "");
    if (seated == 1) figures = (*players)->Loop(Encode(GameCommand(game)), end_us);
  }
};

}  // namespace

Result<WorkerRecoveryFigures> RunWorkerRecovery(const ScenarioContext& c, size_t tables) {
  Say(c, "worker recovery, " + std::to_string(tables) + " tables on one worker, SIGKILL");
  RaiseFileLimit();  // One connection per table.
  Result<std::unique_ptr<ServerProcess>> server =
      StartServer(c, ServeArgs(c, Db::kMemory, "worker-recovery", 1));
  if (!server.ok()) return server.status();
  Result<std::unique_ptr<TablePlayers>> players = TablePlayers::Create((*server)->port());
  if (!players.ok()) return players.status();
  WorkerRecoveryFigures r;
  r.tables = tables;
  r.ready = (*players)->Join(tables, CounterHello(), Add());
  if (r.ready == 0) return Status::Io("no table answered before the kill");
  const std::vector<pid_t> workers = ChildProcesses((*server)->pid());
  if (workers.size() != 1) {
    return Status::Error("no_worker", "the server has " + std::to_string(workers.size()) +
                                          " child processes, not its one worker");
  }
  const uint64_t kill_us = bots::NowUs();
  if (kill(workers[0], SIGKILL) != 0) {
    return Status::Io(std::string("cannot kill the worker: ") + std::strerror(errno));
  }
  TablePlayers::Answers answers = (*players)->AskAll(Add(), kill_us, kAnswerTimeoutUs);
  players->reset();
  (*server)->Stop();
  r.recovered = answers.reply_us.size();
  r.errors = answers.errors;
  r.dropped = answers.dropped;
  if (!answers.reply_us.empty()) {
    std::sort(answers.reply_us.begin(), answers.reply_us.end());
    r.p50_ms = Ms(Percentile(answers.reply_us, 0.5));
    r.max_ms = Ms(answers.reply_us.back());
  }
  return r;
}

Result<NeighbourFigures> RunNeighbour(const ScenarioContext& c, size_t neighbours) {
  Say(c, "neighbours of a runaway table, " + std::to_string(neighbours) + " neighbours, " +
             "--workers " + std::to_string(kNeighbourWorkers));
  RaiseFileLimit();
  std::vector<std::string> args = ServeArgs(c, Db::kMemory, "neighbour", kNeighbourWorkers);
  args.insert(args.end(), {"--restart-limit", kRestartLimit});
  Result<std::unique_ptr<ServerProcess>> server = StartServer(c, args);
  if (!server.ok()) return server.status();
  const int port = (*server)->port();
  Result<std::unique_ptr<TablePlayers>> players = TablePlayers::Create(port);
  if (!players.ok()) return players.status();
  NeighbourFigures n;
  n.neighbours = neighbours;
  n.workers = kNeighbourWorkers;
  n.ready = (*players)->Join(neighbours, CounterHello(), Add());
  if (n.ready == 0) return Status::Io("no neighbour could be seated");
  n.window_s = c.duration_s;

  n.rate_hz = kNeighbourHz;
  const uint64_t period = Us(1 / kNeighbourHz);
  (*players)->Paced(Add(), period, bots::NowUs() + Us(c.warmup_s));
  const TablePlayers::LoopFigures quiet =
      (*players)->Paced(Add(), period, bots::NowUs() + Us(c.duration_s));

  // Each hog plays beside the neighbours for one window.
  auto beside = [&](Hog& hog, const std::string& game) {
    const uint64_t end_us = bots::NowUs() + Us(c.duration_s);
    std::thread thread([&hog, &game, port, end_us] { hog.Run(port, game, end_us); });
    TablePlayers::LoopFigures figures = (*players)->Paced(Add(), period, end_us);
    thread.join();
    return figures;
  };
  Hog runaway, heavy;
  const TablePlayers::LoopFigures looping = beside(runaway, "spin");
  const TablePlayers::LoopFigures heavied = beside(heavy, "heavy");
  players->reset();
  (*server)->Stop();
  for (const Hog* hog : {&runaway, &heavy}) {
    if (!hog->status.ok()) return hog->status;
  }
  if (runaway.seated != 1) return Status::Io("the runaway table's player could not be seated");
  if (heavy.seated != 1) return Status::Io("the heavy table's player could not be seated");

  auto fill = [](const TablePlayers::LoopFigures& f, NeighbourWindow& w) {
    w.round_trips = f.rtt.count();
    w.p50_ms = Ms(f.rtt.Percentile(0.5));
    w.p99_ms = Ms(f.rtt.Percentile(0.99));
    w.max_ms = Ms(f.rtt.max());
  };
  fill(quiet, n.quiet);
  fill(looping, n.looping);
  fill(heavied, n.heavy);
  n.heavy_callbacks = heavy.figures.rtt.count() - Count(heavy.figures.errors);
  n.errors = Count(quiet.errors) + Count(looping.errors) + Count(heavied.errors) +
             Count(heavy.figures.errors);
  n.dropped = quiet.dropped + looping.dropped + heavied.dropped + heavy.figures.dropped;
  auto timeouts = runaway.figures.errors.find(error::kScriptTimeout);
  n.kills = timeouts == runaway.figures.errors.end() ? 0 : timeouts->second;
  n.runaway_other_errors = Count(runaway.figures.errors) - n.kills;
  return n;
}

}  // namespace ggs::bench
