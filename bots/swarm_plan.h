// SwarmPlan: who does what, when. Every bot gets its place in the ramp, its thread, the
// phases of its pings and inputs, whether and when it drops its connection, and its own
// seed; all of it follows from the swarm's --seed, so a run can be repeated.
#pragma once

#include <cstdint>
#include <vector>

#include "bots/bot.h"
#include "bots/run_clock.h"

namespace ggs::bots {

struct PlanRequest {
  size_t bots = 0;
  int threads = 1;
  uint64_t seed = 0;
  double ramp_s = 0;
  double duration_s = 0;
  double churn = 0;  // The share of bots that drop their connection once.
  uint64_t ping_period_us = 0;
  uint64_t input_period_us = 0;
};

// The bots of one loop thread.
struct ShardPlan {
  std::vector<BotPlan> bots;
  std::vector<uint64_t> seeds;  // Each bot's own seed, for its strategy.
};

// Bot i starts at start + ramp x i / bots, on thread i mod threads; its phases are uniform
// within one period; exactly round(churn x bots) bots drop, each at a time in the middle 60%
// of the window, for 0.1 to 0.5 s. REQUIRES: threads >= 1.
std::vector<ShardPlan> PlanSwarm(const PlanRequest& request, const RunClock& clock);

// A well-spread seed for bot `index` from the swarm's seed (splitmix64).
uint64_t BotSeed(uint64_t seed, uint64_t index);

// Seconds as whole microseconds.
uint64_t Us(double seconds);

}  // namespace ggs::bots
