// Gatherer: the calling thread's side of a swarm run. While the loop threads play, it takes
// the seconds they publish, merges each second once every thread has published it into one
// point of the time series (handing it to the live line), and samples the swarm's and the
// server's CPU once a second.
//
// Thread: the thread that runs the swarm; the shards may run meanwhile.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "bots/proc_stats.h"
#include "bots/run_clock.h"
#include "bots/shard.h"
#include "bots/swarm_report.h"

namespace ggs::bots {

// CPU time of the swarm, the server with its workers (when its pid is known and readable)
// and the machine at one moment.
struct CpuPoint {
  uint64_t at_us = 0;
  double swarm_s = 0;
  std::optional<ProcessSample> server;
  std::optional<MachineSample> machine;
};

CpuPoint SampleCpu(pid_t server_pid);
// CPU seconds over a stretch of wall-clock time, as cores; 0 for an empty stretch.
double Cores(double cpu_s, uint64_t from_us, uint64_t to_us);

class Gatherer {
 public:
  // The references must outlive the gatherer.
  Gatherer(const std::vector<std::unique_ptr<Shard>>& shards, const RunClock& clock,
           pid_t server_pid, std::function<void(const SeriesPoint&)> on_second);

  // Takes what the shards published and emits every second that is now complete.
  void Poll();
  // REQUIRES: every shard has finished. Emits the rest.
  void Finish();

  std::vector<SeriesPoint>& series() { return series_; }

 private:
  void Take();
  void Emit(int64_t through);
  void SampleCpuPerSecond();

  const std::vector<std::unique_ptr<Shard>>& shards_;
  const RunClock& clock_;
  pid_t server_pid_;
  std::function<void(const SeriesPoint&)> on_second_;
  std::vector<SeriesPoint> series_;
  std::map<int64_t, IntervalStats> pending_;          // Seconds not yet complete.
  std::map<int64_t, std::pair<double, double>> cpu_;  // Swarm and server cores per second.
  CpuPoint last_cpu_;
  int64_t last_cpu_second_ = -1;
};

}  // namespace ggs::bots
