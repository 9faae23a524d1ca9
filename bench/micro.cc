// Runs the BM_ functions through Google Benchmark with a reporter that collects them.
#include "bench/micro.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <regex>

#include "core/protocol.h"

namespace ggs::bench {
namespace {

// Collects every non-aggregate run; prints nothing, `ggs bench` prints the table.
class CollectingReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate) continue;
      results_.push_back(Convert(run));
    }
  }
  std::vector<MicroResult> Take() { return std::move(results_); }

 private:
  static double Counter(const Run& run, const char* name) {
    auto it = run.counters.find(name);
    return it == run.counters.end() ? 0 : it->second.value;
  }
  static MicroResult Convert(const Run& run) {
    MicroResult r;
    r.name = run.benchmark_name();
    r.iterations = run.iterations;
    double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
    r.real_ns = run.GetAdjustedRealTime() * to_ns;
    r.cpu_ns = run.GetAdjustedCPUTime() * to_ns;
    r.bytes_per_s = Counter(run, "bytes_per_second");
    r.items_per_s = Counter(run, "items_per_second");
    r.memory_per_item = Counter(run, "memory_per_item");
    if (run.error_occurred) r.error = run.error_message.empty() ? "error" : run.error_message;
    return r;
  }
  std::vector<MicroResult> results_;
};

}  // namespace

Result<std::vector<MicroResult>> RunMicro(const MicroOptions& options) {
  try {
    std::regex check(options.filter);
  } catch (const std::regex_error& e) {
    return Status::Error("bad_options",
                         "--filter is not a regular expression: " + std::string(e.what()));
  }
  // Google Benchmark reads its settings from flags; these are the only ones we set.
  std::string arg0 = "ggs-bench";
  std::string filter = "--benchmark_filter=" + options.filter;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", options.min_time_s);
  std::string min_time = std::string("--benchmark_min_time=") + seconds;
  char* argv[] = {arg0.data(), filter.data(), min_time.data(), nullptr};
  int argc = 3;
  benchmark::Initialize(&argc, argv);
  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  return reporter.Take();
}

const std::string& StatePacketBytes() {
  static const std::string bytes = [] {
    std::string out;
    AppendClientCommand(out, "state", "1234,51.13,49.6,50,50");
    return out;
  }();
  return bytes;
}

}  // namespace ggs::bench
