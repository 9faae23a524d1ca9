// `ggs bench`: the micro benchmarks (bench/*.cc) and the end-to-end scenarios
// (bench/scenarios.h), each end-to-end figure beside the echo ceiling measured in the same
// run; one table on the terminal, every figure in --json. See docs/performance.md.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "bench/bench_report.h"
#include "bench/echo_server.h"
#include "bench/micro.h"
#include "bench/scenarios.h"
#include "bots/swarm_report.h"
#include "cli/commands.h"

namespace ggs::cli {
namespace {

struct BenchFlags {
  bool quick = false;
  std::string json;
  std::string filter = ".";
  std::vector<size_t> bots = {500, 1000, 2000, 5000};
  double duration_s = 10;
  bool micro_only = false;
  bool e2e_only = false;
  int echo_server_port = 0;  // Internal: run only the echo ceiling's server.
};

// The sizes one run uses; --quick shrinks every one of them.
struct Sizes {
  std::vector<size_t> bots;
  size_t durability_bots = 0;
  size_t writers = 200;
  size_t recovery_tables = 5000;
  double duration_s = 10;
  double warmup_s = 1;
};

Sizes SizesFor(const BenchFlags& f) {
  Sizes s;
  if (f.quick) {
    s.bots = {20};
    s.writers = 8;
    s.recovery_tables = 50;
    s.duration_s = 1;
    s.warmup_s = 0.3;
  } else {
    s.bots = f.bots;
    s.duration_s = f.duration_s;
  }
  // The durability run uses the middle bot count: loaded, but not past saturation.
  std::vector<size_t> sorted = s.bots;
  std::sort(sorted.begin(), sorted.end());
  s.durability_bots = sorted.empty() ? 0 : sorted[sorted.size() / 2];
  return s;
}

std::string SelfPath() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "ggs";
}

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return out;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string CommandLine(const BenchFlags& f) {
  std::ostringstream out;
  out << "ggs bench";
  if (f.quick) out << " --quick";
  if (f.micro_only) out << " --micro-only";
  if (f.e2e_only) out << " --e2e-only";
  if (f.filter != ".") out << " --filter '" << f.filter << "'";
  if (!f.quick) {
    out << " --bots ";
    for (size_t i = 0; i < f.bots.size(); ++i) out << (i ? "," : "") << f.bots[i];
    out << " --duration " << f.duration_s;
  }
  if (!f.json.empty()) out << " --json " << f.json;
  return out.str();
}

// Runs the end-to-end scenarios the filter selects, in a scratch directory.
class E2eRun {
 public:
  E2eRun(const BenchFlags& flags, bench::BenchReport* report)
      : filter_(flags.filter), sizes_(SizesFor(flags)), report_(report) {}

  void Run() {
    Result<bench::ScenarioContext> c = bench::MakeContext(SelfPath());
    if (!c.ok()) return Fail("setup", c.status());
    context_ = *c;
    context_.duration_s = sizes_.duration_s;
    context_.warmup_s = sizes_.warmup_s;
    context_.progress = [](const std::string& line) { std::cerr << "[bench] " << line << "\n"; };
    RunPong();
    RunDurabilityPong();
    RunWrites();
    RunRecovery();
    bench::RemoveContext(context_);
  }

 private:
  // A scenario runs when the filter matches one of its names.
  bool Selected(std::initializer_list<const char*> names) const {
    std::regex re(filter_);
    for (const char* name : names) {
      if (std::regex_search(name, re)) return true;
    }
    return false;
  }

  void Fail(const std::string& what, const Status& s) {
    report_->failures.push_back(what + ": " + s.ToString());
  }

  // The echo ceiling at `n` connections, measured once per run and reported once.
  const bench::E2eRow& Ceiling(size_t n) {
    auto it = ceilings_.find(n);
    if (it != ceilings_.end()) return it->second;
    Result<bench::E2eRow> row = bench::RunEchoCeiling(context_, n);
    if (!row.ok()) {
      Fail("echo " + std::to_string(n), row.status());
      return ceilings_[n] = bench::E2eRow{};
    }
    report_->e2e.push_back(*row);
    return ceilings_[n] = *row;
  }

  void Add(const std::string& what, Result<bench::E2eRow> row) {
    if (!row.ok()) return Fail(what, row.status());
    if (row->failed == row->connections) {
      return Fail(what, Status::Error("no_connections", "no connection became ready"));
    }
    const bench::E2eRow& ceiling = Ceiling(row->connections);
    row->ceiling_msgs_per_s = ceiling.ceiling_msgs_per_s;
    row->ceiling_msgs_per_cpu_s = ceiling.ceiling_msgs_per_cpu_s;
    report_->e2e.push_back(*row);
  }

  const bench::E2eRow* Find(const std::string& scenario, size_t connections) const {
    for (const bench::E2eRow& r : report_->e2e) {
      if (r.scenario == scenario && r.connections == connections) return &r;
    }
    return nullptr;
  }

  void RunPong() {
    if (!Selected({"pong"})) return;
    for (size_t n : sizes_.bots) {
      Ceiling(n);
      Add("pong " + std::to_string(n), bench::RunPong(context_, n, bench::Db::kMemory));
    }
  }

  void RunDurabilityPong() {
    size_t n = sizes_.durability_bots;
    if (n == 0 || !Selected({"pong_file_db", "durability"})) return;
    if (Find("pong", n) == nullptr) Add("pong", bench::RunPong(context_, n, bench::Db::kMemory));
    Add("pong_file_db", bench::RunPong(context_, n, bench::Db::kFile));
    Durability("pong", Find("pong", n), Find("pong_file_db", n));
  }

  void RunWrites() {
    if (!Selected({"writes", "durability"})) return;
    size_t n = sizes_.writers;
    Ceiling(n);
    Add("writes_memory", bench::RunWrites(context_, n, bench::Db::kMemory));
    Add("writes_file_db", bench::RunWrites(context_, n, bench::Db::kFile));
    Durability("writes", Find("writes_memory", n), Find("writes_file_db", n));
  }

  void Durability(const std::string& name, const bench::E2eRow* memory, const bench::E2eRow* file) {
    if (memory == nullptr || file == nullptr) return;
    bench::DurabilityFigures d;
    d.scenario = name;
    d.connections = memory->connections;
    d.memory_msgs_per_s = memory->msgs_per_s();
    d.file_msgs_per_s = file->msgs_per_s();
    d.memory_server_cpu_cores = memory->server_cpu_cores;
    d.file_server_cpu_cores = file->server_cpu_cores;
    report_->durability.push_back(d);
  }

  void RunRecovery() {
    if (!Selected({"recovery"})) return;
    Result<bench::RecoveryFigures> r = bench::RunRecovery(context_, sizes_.recovery_tables);
    if (!r.ok()) return Fail("recovery", r.status());
    if (r->answered != r->tables) {
      Fail("recovery", Status::Error("not_resumed", std::to_string(r->tables - r->answered) +
                                                        " tables did not answer"));
    }
    report_->recovery = *r;
  }

  std::string filter_;
  Sizes sizes_;
  bench::BenchReport* report_;
  bench::ScenarioContext context_;
  std::map<size_t, bench::E2eRow> ceilings_;
};

int RunBench(const BenchFlags& f) {
  if (f.echo_server_port > 0) {
    Status s = bench::ServeEcho(f.echo_server_port);
    if (!s.ok()) std::cerr << "ggs bench: " << s.ToString() << "\n";
    return s.ok() ? 0 : 1;
  }
  try {
    std::regex check(f.filter);
  } catch (const std::regex_error&) {
    std::cerr << "ggs bench: --filter is not a regular expression\n";
    return 2;
  }
  bench::BenchReport report;
  report.command = CommandLine(f);
  report.started = NowUtc();
  report.quick = f.quick;
  report.cores = std::thread::hardware_concurrency();
  report.load = LoadAverage();
  if (!f.e2e_only) {
    std::cerr << "[bench] micro benchmarks\n";
    Result<std::vector<bench::MicroResult>> micro =
        bench::RunMicro({.filter = f.filter, .min_time_s = f.quick ? 0 : 0.3});
    if (!micro.ok()) {
      std::cerr << "ggs bench: " << micro.status().ToString() << "\n";
      return 2;
    }
    report.micro = *micro;
    for (const bench::MicroResult& m : report.micro) {
      if (!m.error.empty()) report.failures.push_back(m.name + ": " + m.error);
    }
  }
  if (!f.micro_only) E2eRun(f, &report).Run();
  std::cout << bench::RenderTable(report) << std::flush;
  if (!f.json.empty()) {
    Status s = bots::WriteTextFile(f.json, bench::RenderJson(report));
    if (!s.ok()) {
      std::cerr << "ggs bench: " << s.ToString() << "\n";
      return 1;
    }
  }
  return report.failures.empty() ? 0 : 1;
}

}  // namespace

void AddBench(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Micro and end-to-end benchmarks, each end-to-end figure beside the echo ceiling "
      "measured in the same run (docs/performance.md)");
  cmd->add_flag("--quick", flags->quick, "Smoke run: every benchmark once, at tiny sizes");
  cmd->add_option("--json", flags->json, "Write every figure to this file");
  cmd->add_option("--filter", flags->filter,
                  "Regex over benchmark names (BM_...) and scenarios (pong, pong_file_db, writes, "
                  "durability, recovery)");
  cmd->add_option("--bots", flags->bots, "Pong bot counts, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--duration", flags->duration_s, "Seconds each end-to-end load is measured")
      ->capture_default_str();
  cmd->add_flag("--micro-only", flags->micro_only, "Only the micro benchmarks");
  cmd->add_flag("--e2e-only", flags->e2e_only, "Only the end-to-end scenarios");
  cmd->add_option("--echo-server", flags->echo_server_port)->group("");  // Internal.
  cmd->callback([flags, exit_code] {
    if (flags->micro_only && flags->e2e_only) {
      std::cerr << "ggs bench: --micro-only and --e2e-only exclude each other\n";
      *exit_code = 2;
      return;
    }
    *exit_code = RunBench(*flags);
  });
}

}  // namespace ggs::cli
