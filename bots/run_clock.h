// RunClock: a swarm run's timeline on the monotonic clock every thread shares. Bots start
// connecting at start_us; the ramp ends and measuring starts at window_start_us; measuring
// ends at end_us, after which bots collect their last pongs and say goodbye.
//
// Thread: shared by every loop thread; only end_us changes during a run (a cancel moves it
// earlier), so it is atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace ggs::bots {

// Microseconds on the monotonic clock (std::chrono::steady_clock, which on Linux reads
// CLOCK_MONOTONIC, the clock the Scheduler's timerfd counts), comparable across threads.
uint64_t NowUs();

struct RunClock {
  uint64_t start_us = 0;
  uint64_t window_start_us = 0;
  std::atomic<uint64_t> end_us{0};

  uint64_t end() const { return end_us.load(std::memory_order_relaxed); }
  bool InWindow(uint64_t t) const { return t >= window_start_us && t < end(); }
  // The end of the run moves earlier (never later), to `t` or now if that is later.
  void EndAt(uint64_t t) {
    uint64_t current = end();
    while (t < current && !end_us.compare_exchange_weak(current, t)) {
    }
  }
};

}  // namespace ggs::bots
