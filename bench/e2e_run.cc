// E2eRun: scenario selection, the echo ceiling per connection count, and the durability
// pairs.
#include "bench/e2e_run.h"

#include <algorithm>
#include <regex>

#include "bench/worker_scenarios.h"

namespace ggs::bench {

E2eSizes E2eSizesFor(bool quick, const std::vector<size_t>& bots, double duration_s) {
  E2eSizes s;
  if (quick) {
    s.bots = {20};
    s.writers = 8;
    s.recovery_tables = 50;
    s.worker_recovery_tables = {10};
    s.neighbours = 8;
    s.duration_s = 1;
    s.warmup_s = 0.3;
  } else {
    s.bots = bots;
    s.duration_s = duration_s;
  }
  // The durability run uses the middle bot count: loaded, but not past saturation.
  std::vector<size_t> sorted = s.bots;
  std::sort(sorted.begin(), sorted.end());
  s.durability_bots = sorted.empty() ? 0 : sorted[sorted.size() / 2];
  return s;
}

E2eRun::E2eRun(E2eOptions options, BenchReport* report)
    : options_(std::move(options)), report_(report) {}

void E2eRun::Run() {
  Result<ScenarioContext> c = MakeContext(options_.binary);
  if (!c.ok()) return Fail("setup", c.status());
  context_ = *c;
  context_.duration_s = options_.sizes.duration_s;
  context_.warmup_s = options_.sizes.warmup_s;
  context_.progress = options_.progress;
  RunPong();
  RunDurabilityPong();
  RunWrites();
  RunRecovery();
  RunWorkerBoundary();
  RunWorkerRecovery();
  RunNeighbour();
  context_ = ScenarioContext();  // Removes the scratch directory.
}

// A scenario runs when the filter matches one of its names.
bool E2eRun::Selected(std::initializer_list<const char*> names) const {
  const std::regex re(options_.filter);
  return std::any_of(names.begin(), names.end(),
                     [&re](const char* name) { return std::regex_search(name, re); });
}

void E2eRun::Fail(const std::string& what, const Status& s) {
  report_->failures.push_back(what + ": " + s.ToString());
}

// The echo ceiling at `n` connections, measured once per run and reported once.
const E2eRow& E2eRun::Ceiling(size_t n) {
  auto it = ceilings_.find(n);
  if (it != ceilings_.end()) return it->second;
  Result<E2eRow> row = RunEchoCeiling(context_, n);
  if (!row.ok()) {
    Fail("echo " + std::to_string(n), row.status());
    return ceilings_[n] = E2eRow{};
  }
  report_->e2e.push_back(*row);
  return ceilings_[n] = *row;
}

void E2eRun::Add(const std::string& what, Result<E2eRow> row) {
  if (!row.ok()) return Fail(what, row.status());
  if (row->failed == row->connections) {
    return Fail(what, Status::Error("no_connections", "no connection became ready"));
  }
  const E2eRow& ceiling = Ceiling(row->connections);
  row->ceiling_msgs_per_s = ceiling.ceiling_msgs_per_s;
  row->ceiling_msgs_per_cpu_s = ceiling.ceiling_msgs_per_cpu_s;
  report_->e2e.push_back(*row);
}

const E2eRow* E2eRun::Find(const std::string& scenario, size_t connections) const {
  for (const E2eRow& r : report_->e2e) {
    if (r.scenario == scenario && r.connections == connections) return &r;
  }
  return nullptr;
}

void E2eRun::RunPong() {
  const bool pong = Selected({"pong"});
  const bool paced = Selected({"echo_paced"});
  if (!pong && !paced) return;
  for (size_t n : options_.sizes.bots) {
    Ceiling(n);
    if (paced) Add("echo_paced " + std::to_string(n), bench::RunPacedEcho(context_, n));
    if (pong) Add("pong " + std::to_string(n), bench::RunPong(context_, n, Db::kMemory));
  }
}

void E2eRun::RunDurabilityPong() {
  const size_t n = options_.sizes.durability_bots;
  if (n == 0 || !Selected({"pong_file_db", "durability"})) return;
  if (Find("pong", n) == nullptr) Add("pong", bench::RunPong(context_, n, Db::kMemory));
  Add("pong_file_db", bench::RunPong(context_, n, Db::kFile));
  Durability("pong", Find("pong", n), Find("pong_file_db", n));
}

void E2eRun::RunWrites() {
  if (!Selected({"writes", "durability"})) return;
  const size_t n = options_.sizes.writers;
  Ceiling(n);
  Add("writes_memory", bench::RunWrites(context_, n, Db::kMemory));
  Add("writes_file_db", bench::RunWrites(context_, n, Db::kFile));
  Durability("writes", Find("writes_memory", n), Find("writes_file_db", n));
}

void E2eRun::Durability(const std::string& name, const E2eRow* memory, const E2eRow* file) {
  if (memory == nullptr || file == nullptr) return;
  DurabilityFigures d;
  d.scenario = name;
  d.connections = memory->connections;
  d.memory_msgs_per_s = memory->msgs_per_s();
  d.file_msgs_per_s = file->msgs_per_s();
  d.memory_server_cpu_cores = memory->server_cpu_cores;
  d.file_server_cpu_cores = file->server_cpu_cores;
  report_->durability.push_back(d);
}

void E2eRun::RunRecovery() {
  if (!Selected({"recovery"})) return;
  Result<RecoveryFigures> r = bench::RunRecovery(context_, options_.sizes.recovery_tables);
  if (!r.ok()) return Fail("recovery", r.status());
  if (r->answered != r->tables) {
    Fail("recovery", Status::Error("not_resumed", std::to_string(r->tables - r->answered) +
                                                      " tables did not answer"));
  }
  report_->recovery = *r;
}

// The writes load at each --workers count, beside the same ceiling: the rows' us/msg is the
// worker boundary's cost in server CPU per message.
void E2eRun::RunWorkerBoundary() {
  if (!Selected({"writes_workers", "workers"})) return;
  const size_t n = options_.sizes.writers;
  Ceiling(n);
  for (int workers : options_.sizes.boundary_workers) {
    const std::string name = "writes_workers_" + std::to_string(workers);
    Add(name, bench::RunWrites(context_, n, Db::kMemory, workers, name));
  }
}

void E2eRun::RunWorkerRecovery() {
  if (!Selected({"worker_recovery"})) return;
  for (size_t tables : options_.sizes.worker_recovery_tables) {
    const std::string what = "worker_recovery " + std::to_string(tables);
    Result<WorkerRecoveryFigures> r = bench::RunWorkerRecovery(context_, tables);
    if (!r.ok()) {
      Fail(what, r.status());
      continue;
    }
    if (!r->all_recovered()) {
      Fail(what, Status::Error("not_recovered",
                               std::to_string(r->tables - std::min(r->tables, r->recovered)) +
                                   " tables did not answer after the kill"));
    }
    report_->worker_recovery.push_back(*r);
  }
}

void E2eRun::RunNeighbour() {
  // Also named worker_neighbour, so that the filter "worker" selects every worker scenario.
  if (!Selected({"neighbour", "worker_neighbour"})) return;
  Result<NeighbourFigures> n = bench::RunNeighbour(context_, options_.sizes.neighbours);
  if (!n.ok()) return Fail("neighbour", n.status());
  if (n->kills == 0) {
    Fail("neighbour", Status::Error("no_kills", "the runaway table's worker was never killed"));
  }
  report_->neighbour = *n;
}

}  // namespace ggs::bench
