// RunClock: NowUs() is the Scheduler's clock, and a run's end only ever moves earlier.
#include "bots/run_clock.h"

#include <gtest/gtest.h>
#include <time.h>

namespace ggs::bots {
namespace {

uint64_t MonotonicUs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000 + static_cast<uint64_t>(t.tv_nsec) / 1000;
}

// The Scheduler arms its timerfd on CLOCK_MONOTONIC at NowUs() deadlines, so the two must
// be one clock.
TEST(RunClockTest, NowUsIsClockMonotonic) {
  const uint64_t before = MonotonicUs();
  const uint64_t now = NowUs();
  const uint64_t after = MonotonicUs();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

TEST(RunClockTest, EndAtOnlyMovesTheEndEarlier) {
  RunClock clock;
  clock.end_us = 100;
  clock.EndAt(200);
  EXPECT_EQ(clock.end(), 100u);
  clock.EndAt(50);
  EXPECT_EQ(clock.end(), 50u);
  EXPECT_FALSE(clock.InWindow(50));
}

}  // namespace
}  // namespace ggs::bots
