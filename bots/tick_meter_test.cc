#include "bots/tick_meter.h"

#include <gtest/gtest.h>

namespace ggs::bots {
namespace {

constexpr uint64_t kSecond = 1000000;

class TickMeterTest : public ::testing::Test {
 protected:
  TickMeterTest() {
    clock_.start_us = 0;
    clock_.window_start_us = 10 * kSecond;
    clock_.end_us = 20 * kSecond;
  }
  RunClock clock_;
};

TEST_F(TickMeterTest, EveryTickReceivedAtThirtyHertzIsAFullShare) {
  TickMeter m(&clock_);
  // Ticks 100..399 over exactly 10 s: one every 1/30 s, from the window's start.
  for (int i = 0; i < 300; ++i) m.OnState(100 + i, 10 * kSecond + i * kSecond / 30);
  TickFigures f;
  m.AddTo(f);
  EXPECT_EQ(f.states_received, 300u);
  EXPECT_EQ(f.expected_by_tick_numbers, 300u);
  EXPECT_DOUBLE_EQ(f.RatioByTickNumbers(), 1.0);
  EXPECT_NEAR(f.RatioVsWallClock(), 1.0, 0.01);
  EXPECT_EQ(f.bots, 1u);
}

TEST_F(TickMeterTest, MissingTickNumbersLowerTheShare) {
  TickMeter m(&clock_);
  for (int tick = 1; tick <= 100; ++tick) {
    if (tick % 4 != 0) m.OnState(tick, 11 * kSecond + tick * 1000);
  }
  TickFigures f;
  m.AddTo(f);
  EXPECT_EQ(f.states_received, 75u);
  EXPECT_EQ(f.expected_by_tick_numbers, 99u);  // Ticks 1..99 were seen; 100 never came.
  EXPECT_DOUBLE_EQ(f.worst_bot_ratio, 75.0 / 99.0);
}

TEST_F(TickMeterTest, ASlowTableShowsOnlyAgainstTheWallClock) {
  TickMeter m(&clock_);
  // Contiguous tick numbers, but only 15 a second for 10 s: the server fell behind.
  for (int i = 0; i < 150; ++i) m.OnState(i, 10 * kSecond + i * kSecond / 15);
  TickFigures f;
  m.AddTo(f);
  EXPECT_DOUBLE_EQ(f.RatioByTickNumbers(), 1.0);
  EXPECT_NEAR(f.RatioVsWallClock(), 0.5, 0.01);
  EXPECT_NEAR(f.worst_bot_wall_clock_ratio, 0.5, 0.01);
  // A second, well-served bot raises the mean but not the worst.
  TickMeter well(&clock_);
  for (int i = 0; i < 300; ++i) well.OnState(i, 10 * kSecond + i * kSecond / 30);
  well.AddTo(f);
  EXPECT_GT(f.RatioVsWallClock(), 0.6);
  EXPECT_NEAR(f.worst_bot_wall_clock_ratio, 0.5, 0.01);
}

TEST_F(TickMeterTest, StatesOutsideTheWindowAreIgnored) {
  TickMeter m(&clock_);
  m.OnState(1, 5 * kSecond);
  m.OnState(2, 25 * kSecond);
  TickFigures f;
  m.AddTo(f);
  EXPECT_EQ(f.states_received, 0u);
  EXPECT_EQ(f.bots, 0u);
}

TEST_F(TickMeterTest, SegmentsSplitAtDisconnectsAndCountTheirOwnTicks) {
  TickMeter m(&clock_);
  m.OnState(10, 11 * kSecond);
  m.OnState(11, 11 * kSecond + 33000);
  m.EndSegment(12 * kSecond);  // Dropped the connection: ticks 12..49 went to nobody.
  m.OnState(50, 13 * kSecond);
  m.OnState(51, 13 * kSecond + 33000);
  TickFigures f;
  m.AddTo(f);
  EXPECT_EQ(f.states_received, 4u);
  EXPECT_EQ(f.expected_by_tick_numbers, 4u);
  EXPECT_EQ(f.play_us, 1 * kSecond + 7 * kSecond);  // 11s..12s, then 13s..20s (window end).
}

TEST_F(TickMeterTest, MergingKeepsTheWorstBot) {
  TickFigures a, b;
  a.states_received = 10;
  a.expected_by_tick_numbers = 10;
  b.states_received = 5;
  b.expected_by_tick_numbers = 10;
  b.worst_bot_ratio = 0.5;
  b.worst_bot_wall_clock_ratio = 0.25;
  a.Add(b);
  EXPECT_DOUBLE_EQ(a.worst_bot_wall_clock_ratio, 0.25);
  EXPECT_EQ(a.states_received, 15u);
  EXPECT_DOUBLE_EQ(a.worst_bot_ratio, 0.5);
  EXPECT_DOUBLE_EQ(a.RatioByTickNumbers(), 0.75);
}

}  // namespace
}  // namespace ggs::bots
