// E2eRun: the end-to-end half of `ggs bench`. It runs the scenarios (bench/scenarios.h,
// bench/worker_scenarios.h) that a filter selects, at the sizes a run asks for, each
// throughput row beside the echo ceiling measured at the same connection count in the same
// run, and adds rows, durability, recovery and worker figures and failures to a BenchReport.
//
// Thread: blocking; call from one thread. Every server it starts it also stops.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "bench/scenarios.h"

namespace ggs::bench {

// The sizes one run uses.
struct E2eSizes {
  std::vector<size_t> bots;    // Pong bot counts, one run each.
  size_t durability_bots = 0;  // The pong durability run: the middle bot count.
  size_t writers = 200;        // Players of the world-writing counter game.
  size_t recovery_tables = 5000;
  // Worker recovery: one run per table count, each table's worker killed.
  std::vector<size_t> worker_recovery_tables = {10, 500};
  size_t neighbours = 50;  // Neighbours of the runaway table.
  // The writes load at each of these --workers: the worker boundary's cost.
  std::vector<int> boundary_workers = {0, 1, 2};
  double duration_s = 10;  // Each load's measurement window.
  double warmup_s = 1;
};

// The sizes for `bots` and `duration_s`; `quick` shrinks every one of them to a smoke run.
E2eSizes E2eSizesFor(bool quick, const std::vector<size_t>& bots, double duration_s);

struct E2eOptions {
  std::string binary;        // The ggs executable that runs `serve` and the echo server.
  std::string filter = ".";  // A scenario runs when this regex matches one of its names.
  E2eSizes sizes;
  std::function<void(const std::string&)> progress;  // One line per step; may be empty.
};

class E2eRun {
 public:
  // REQUIRES: options.filter is a valid ECMAScript regex. `report` must outlive the run.
  E2eRun(E2eOptions options, BenchReport* report);
  // Runs every selected scenario: pong (one per bot count), pong_file_db (durability),
  // writes, recovery, writes_workers (one per boundary_workers), worker_recovery (one per
  // table count), neighbour. A scenario that fails adds a line to report->failures; the
  // others run.
  void Run();

 private:
  bool Selected(std::initializer_list<const char*> names) const;
  void Fail(const std::string& what, const Status& s);
  const E2eRow& Ceiling(size_t connections);
  void Add(const std::string& what, Result<E2eRow> row);
  const E2eRow* Find(const std::string& scenario, size_t connections) const;
  void Durability(const std::string& name, const E2eRow* memory, const E2eRow* file);
  void RunPong();
  void RunDurabilityPong();
  void RunWrites();
  void RunRecovery();
  void RunWorkerBoundary();
  void RunWorkerRecovery();
  void RunNeighbour();

  E2eOptions options_;
  BenchReport* report_;
  ScenarioContext context_;
  std::map<size_t, E2eRow> ceilings_;
};

}  // namespace ggs::bench
