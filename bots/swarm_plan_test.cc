#include "bots/swarm_plan.h"

#include <gtest/gtest.h>

#include <set>

namespace ggs::bots {
namespace {

constexpr uint64_t kSecond = 1000000;

class SwarmPlanTest : public ::testing::Test {
 protected:
  SwarmPlanTest() {
    clock_.start_us = 100 * kSecond;
    clock_.window_start_us = 110 * kSecond;  // A 10 s ramp.
    clock_.end_us = 140 * kSecond;           // A 30 s window.
    request_.bots = 1000;
    request_.threads = 3;
    request_.seed = 42;
    request_.ramp_s = 10;
    request_.duration_s = 30;
    request_.ping_period_us = kSecond;
    request_.input_period_us = 50000;
  }
  RunClock clock_;
  PlanRequest request_;
};

TEST_F(SwarmPlanTest, SpreadsTheBotsOverTheRampAndTheThreads) {
  const std::vector<ShardPlan> plans = PlanSwarm(request_, clock_);
  ASSERT_EQ(plans.size(), 3u);
  EXPECT_EQ(plans[0].bots.size(), 334u);
  EXPECT_EQ(plans[1].bots.size(), 333u);
  EXPECT_EQ(plans[2].bots.size(), 333u);
  std::set<size_t> seen;
  for (const ShardPlan& shard : plans) {
    ASSERT_EQ(shard.seeds.size(), shard.bots.size());
    for (const BotPlan& b : shard.bots) {
      seen.insert(b.index);
      EXPECT_EQ(b.start_us, clock_.start_us + b.index * 10 * kSecond / 1000);
      EXPECT_LT(b.ping_phase_us, kSecond);
      EXPECT_LT(b.input_phase_us, 50000u);
      EXPECT_EQ(b.churn_at_us, 0u);  // No churn asked for.
    }
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(SwarmPlanTest, ChurnsExactlyTheAskedShareInsideTheWindow) {
  request_.churn = 0.25;
  size_t churners = 0;
  for (const ShardPlan& shard : PlanSwarm(request_, clock_)) {
    for (const BotPlan& b : shard.bots) {
      if (b.churn_at_us == 0) continue;
      ++churners;
      EXPECT_GE(b.churn_at_us, clock_.window_start_us + 6 * kSecond);
      EXPECT_LE(b.churn_at_us, clock_.window_start_us + 24 * kSecond);
      EXPECT_GE(b.churn_pause_us, 100000u);
      EXPECT_LE(b.churn_pause_us, 500000u);
    }
  }
  EXPECT_EQ(churners, 250u);
}

TEST_F(SwarmPlanTest, TheSameSeedMakesTheSamePlan) {
  request_.churn = 0.5;
  const std::vector<ShardPlan> a = PlanSwarm(request_, clock_);
  const std::vector<ShardPlan> b = PlanSwarm(request_, clock_);
  request_.seed = 43;
  const std::vector<ShardPlan> c = PlanSwarm(request_, clock_);
  bool differs = false;
  for (size_t s = 0; s < a.size(); ++s) {
    EXPECT_EQ(a[s].seeds, b[s].seeds);
    for (size_t i = 0; i < a[s].bots.size(); ++i) {
      EXPECT_EQ(a[s].bots[i].ping_phase_us, b[s].bots[i].ping_phase_us);
      EXPECT_EQ(a[s].bots[i].churn_at_us, b[s].bots[i].churn_at_us);
      differs |= a[s].bots[i].ping_phase_us != c[s].bots[i].ping_phase_us;
    }
  }
  EXPECT_TRUE(differs);
}

TEST(BotSeedTest, NeighbouringBotsGetUnrelatedSeeds) {
  std::set<uint64_t> seeds;
  for (uint64_t i = 0; i < 10000; ++i) seeds.insert(BotSeed(1, i));
  EXPECT_EQ(seeds.size(), 10000u);
  EXPECT_NE(BotSeed(1, 0), BotSeed(2, 0));
}

}  // namespace
}  // namespace ggs::bots
