// SwarmPlan: the ramp, the threads, the phases and the churn, from one seed.
#include "bots/swarm_plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace ggs::bots {
namespace {

// Which bots drop their connection: exactly round(churn x bots) of them, chosen by the seed.
std::vector<bool> PickChurners(const PlanRequest& r) {
  std::vector<size_t> order(r.bots);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(BotSeed(r.seed, UINT32_MAX));
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> churns(r.bots, false);
  const auto n = static_cast<size_t>(std::llround(r.churn * static_cast<double>(r.bots)));
  for (size_t i = 0; i < n && i < r.bots; ++i) churns[order[i]] = true;
  return churns;
}

}  // namespace

uint64_t BotSeed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Us(double seconds) { return static_cast<uint64_t>(std::llround(seconds * 1e6)); }

std::vector<ShardPlan> PlanSwarm(const PlanRequest& r, const RunClock& clock) {
  std::vector<ShardPlan> plans(static_cast<size_t>(r.threads));
  const std::vector<bool> churns = PickChurners(r);
  std::uniform_real_distribution<double> unit(0, 1);
  for (size_t i = 0; i < r.bots; ++i) {
    const uint64_t seed = BotSeed(r.seed, i);
    std::mt19937_64 rng(seed);
    BotPlan p;
    p.index = i;
    p.start_us =
        clock.start_us + Us(r.ramp_s * static_cast<double>(i) / static_cast<double>(r.bots));
    p.ping_phase_us = static_cast<uint64_t>(unit(rng) * static_cast<double>(r.ping_period_us));
    p.input_phase_us = static_cast<uint64_t>(unit(rng) * static_cast<double>(r.input_period_us));
    if (churns[i]) {
      p.churn_at_us = clock.window_start_us + Us(r.duration_s * (0.2 + 0.6 * unit(rng)));
      p.churn_pause_us = Us(0.1 + 0.4 * unit(rng));
    }
    ShardPlan& shard = plans[i % plans.size()];
    shard.bots.push_back(p);
    shard.seeds.push_back(seed);
  }
  return plans;
}

}  // namespace ggs::bots
