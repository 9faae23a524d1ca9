// SwarmReport: everything a swarm run measured, and its three renderings for people and
// machines: the JSON document (--json), the summary table printed at the end, and the CI
// gate (which failures make the exit status non-zero). The HTML page is html_report.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bots/swarm_stats.h"
#include "core/status.h"

namespace ggs::bots {

// One second of the run, all threads merged.
struct SeriesPoint {
  int64_t second = 0;     // Covers [second, second + 1) from the run's start.
  int64_t connected = 0;  // Bots connected at its end.
  uint64_t msgs_in = 0;
  uint64_t msgs_out = 0;
  uint64_t pongs = 0;
  uint64_t errors = 0;
  double rtt_p50_ms = 0;  // Of the pongs that arrived in this second.
  double rtt_p99_ms = 0;
  double rtt_max_ms = 0;
  double swarm_cpu_cores = -1;   // -1 when not sampled.
  double server_cpu_cores = -1;  // -1 without --server-pid.
};

// The server's figures over the measurement window (--server-pid): the server process and
// its descendants, its VM workers, summed (bots/proc_stats.h, SampleProcessTree).
struct ServerFigures {
  int pid = 0;
  double cpu_s = 0;
  double cpu_cores = 0;
  double rss_mb = 0;  // At the end of the window.
  double hwm_mb = 0;  // Peak since the server started.
};

// The whole machine's CPU over the measurement window, in cores (from /proc/stat).
struct MachineFigures {
  int cpus = 0;
  double user_cores = 0;
  double system_cores = 0;
  double softirq_cores = 0;
  double steal_cores = 0;
  double idle_cores = 0;
};

struct SwarmReport {
  // What was asked.
  std::string server;
  std::string game;
  size_t bots = 0;
  int threads = 1;
  uint64_t seed = 0;
  double ramp_s = 0;
  double duration_s = 0;
  double input_hz = 0;
  double ping_hz = 0;
  double churn = 0;
  // What happened.
  double window_s = 0;  // The measurement window: from the ramp's end to the end.
  double run_s = 0;     // The whole run, ramp and goodbyes included.
  ShardStats stats;     // All threads merged.
  std::vector<SeriesPoint> series;
  double swarm_cpu_s = 0;   // The swarm's own CPU time within the window.
  double swarm_hwm_mb = 0;  // The swarm's peak resident memory.
  std::optional<ServerFigures> server_process;
  std::optional<MachineFigures> machine;

  double msgs_in_per_s() const;
  double msgs_out_per_s() const;
  double swarm_cpu_cores() const;
  // Errors per message sent, over the whole run.
  double error_rate() const;
};

// The JSON document: every figure, plus the time series and the round-trip histogram.
std::string ReportJson(const SwarmReport& report);
// The table printed at the end of a run.
std::string SummaryTable(const SwarmReport& report);

// A sweep (`ggs bot-swarm --sweep`): runs at growing bot counts against one server, in
// order. The JSON document is {"sweep": [run, ...]}, each run as ReportJson writes it.
std::string SweepJson(const std::vector<SwarmReport>& steps);
// One line per run: bots, ticks delivered (and the worst bot's), ping p50/p99/max, the
// server's and the swarm's CPU, the server's memory.
std::string SweepTable(const std::vector<SwarmReport>& steps);
// The CI gate: fails with code "bots_failed" when any bot failed to connect, or
// "error_rate" when the error rate exceeds `max_error_rate`.
Status CheckGate(const SwarmReport& report, double max_error_rate);

}  // namespace ggs::bots
