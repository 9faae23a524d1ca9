// Gatherer: merging the shards' seconds and sampling CPU.
#include "bots/gatherer.h"

#include <algorithm>
#include <climits>

namespace ggs::bots {
namespace {

constexpr uint64_t kSecondUs = 1000000;

SeriesPoint PointOf(int64_t second, const IntervalStats& s) {
  SeriesPoint p;
  p.second = second;
  p.connected = s.connected;
  p.msgs_in = s.counters.msgs_in;
  p.msgs_out = s.counters.msgs_out;
  p.pongs = s.rtt.count();
  p.errors = s.errors;
  p.rtt_p50_ms = static_cast<double>(s.rtt.Percentile(0.5)) / 1000.0;
  p.rtt_p99_ms = static_cast<double>(s.rtt.Percentile(0.99)) / 1000.0;
  p.rtt_max_ms = static_cast<double>(s.rtt.max()) / 1000.0;
  return p;
}

}  // namespace

CpuPoint SampleCpu(pid_t server_pid) {
  CpuPoint p;
  p.at_us = NowUs();
  p.swarm_s = SelfCpuSeconds();
  if (server_pid > 0) {
    if (Result<ProcessSample> s = SampleProcessTree(server_pid); s.ok()) p.server = s.value();
  }
  if (Result<MachineSample> m = SampleMachine(); m.ok()) p.machine = m.value();
  return p;
}

double Cores(double cpu_s, uint64_t from_us, uint64_t to_us) {
  return to_us > from_us ? cpu_s / (static_cast<double>(to_us - from_us) / 1e6) : 0;
}

Gatherer::Gatherer(const std::vector<std::unique_ptr<Shard>>& shards, const RunClock& clock,
                   pid_t server_pid, std::function<void(const SeriesPoint&)> on_second)
    : shards_(shards),
      clock_(clock),
      server_pid_(server_pid),
      on_second_(std::move(on_second)),
      last_cpu_(SampleCpu(server_pid)) {}

void Gatherer::Poll() {
  SampleCpuPerSecond();
  // Which seconds are complete is read before taking the data, so that nothing published
  // in between is missed: a shard publishes a second before it reports it.
  int64_t complete = INT64_MAX;
  for (const auto& shard : shards_) {
    if (!shard->finished()) complete = std::min(complete, shard->last_published());
  }
  Take();
  Emit(complete);
}

void Gatherer::Finish() {
  Take();
  Emit(INT64_MAX);
}

void Gatherer::Take() {
  for (const auto& shard : shards_) {
    for (auto& [second, stats] : shard->TakePublished()) pending_[second].Merge(stats);
  }
}

void Gatherer::Emit(int64_t through) {
  while (!pending_.empty() && pending_.begin()->first <= through) {
    SeriesPoint p = PointOf(pending_.begin()->first, pending_.begin()->second);
    if (const auto it = cpu_.find(p.second); it != cpu_.end()) {
      p.swarm_cpu_cores = it->second.first;
      p.server_cpu_cores = it->second.second;
    }
    series_.push_back(p);
    if (on_second_) on_second_(p);
    pending_.erase(pending_.begin());
  }
}

void Gatherer::SampleCpuPerSecond() {
  const uint64_t now = NowUs();
  if (now < clock_.start_us + kSecondUs) return;
  const auto second = static_cast<int64_t>((now - clock_.start_us) / kSecondUs) - 1;
  if (second <= last_cpu_second_) return;
  const CpuPoint p = SampleCpu(server_pid_);
  double server = -1;
  if (p.server && last_cpu_.server) {
    server = Cores(p.server->cpu_s - last_cpu_.server->cpu_s, last_cpu_.at_us, p.at_us);
  }
  cpu_[second] = {Cores(p.swarm_s - last_cpu_.swarm_s, last_cpu_.at_us, p.at_us), server};
  last_cpu_ = p;
  last_cpu_second_ = second;
}

}  // namespace ggs::bots
