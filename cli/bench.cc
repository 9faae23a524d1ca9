// `ggs bench`: the micro benchmarks (bench/*.cc) and the end-to-end scenarios
// (bench/scenarios.h), each end-to-end figure beside the echo ceiling measured in the same
// run; one table on the terminal, every figure in --json. See docs/performance.md.

#include <ctime>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "bench/bench_report.h"
#include "bench/e2e_run.h"
#include "bench/echo_server.h"
#include "bench/micro.h"
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
};

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

int RunBench(const BenchFlags& f) {
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
  if (!f.micro_only) {
    bench::E2eOptions e2e;
    e2e.binary = ExecutablePath();
    e2e.filter = f.filter;
    e2e.sizes = bench::E2eSizesFor(f.quick, f.bots, f.duration_s);
    e2e.progress = [](const std::string& line) { std::cerr << "[bench] " << line << "\n"; };
    bench::E2eRun(std::move(e2e), &report).Run();
  }
  std::cout << bench::RenderTable(report) << std::flush;
  if (!f.json.empty()) {
    Status s = WriteFile(f.json, bench::RenderJson(report));
    if (!s.ok()) {
      std::cerr << "ggs bench: " << s.ToString() << "\n";
      return 1;
    }
  }
  return report.failures.empty() ? 0 : 1;
}

// `ggs bench echo-server`: the echo ceiling's server on its own, as the end-to-end scenarios
// start it (bench::EchoServerArgs), so that it is measured as a process like `ggs serve`.
const CLI::App* AddEchoServer(CLI::App& bench, int* exit_code) {
  auto port = std::make_shared<int>(0);
  CLI::App* cmd = bench.add_subcommand(
      "echo-server",
      "Serve the echo ceiling on 127.0.0.1:PORT until SIGTERM or SIGINT: a bare libuv server "
      "that writes back every byte it reads. ggs bench starts it by itself; run it by hand to "
      "measure a client against it");
  cmd->add_option("--port", *port, "Loopback port to listen on")
      ->required()
      ->check(CLI::Range(1, 65535));
  cmd->callback([port, exit_code] {
    Status s = bench::ServeEcho(*port);
    if (!s.ok()) std::cerr << "ggs bench echo-server: " << s.ToString() << "\n";
    *exit_code = s.ok() ? 0 : 1;
  });
  return cmd;
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
  cmd->add_option(
      "--filter", flags->filter,
      "Regex over benchmark names (BM_...) and scenarios (pong, pong_file_db, writes, "
      "durability, recovery, writes_workers or workers, worker_recovery, neighbour; worker "
      "selects the last three)");
  cmd->add_option("--bots", flags->bots, "Pong bot counts, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--duration", flags->duration_s, "Seconds each end-to-end load is measured")
      ->capture_default_str();
  cmd->add_flag("--micro-only", flags->micro_only, "Only the micro benchmarks");
  cmd->add_flag("--e2e-only", flags->e2e_only, "Only the end-to-end scenarios");
  const CLI::App* echo = AddEchoServer(*cmd, exit_code);
  cmd->callback([flags, exit_code, echo] {
    if (echo->parsed()) return;  // `ggs bench echo-server` ran instead.
    if (flags->micro_only && flags->e2e_only) {
      std::cerr << "ggs bench: --micro-only and --e2e-only exclude each other\n";
      *exit_code = 2;
      return;
    }
    *exit_code = RunBench(*flags);
  });
}

}  // namespace ggs::cli
