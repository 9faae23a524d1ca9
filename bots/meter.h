// Meter: where the bots of one loop thread record what happens. It keeps the shard's
// run-long figures (ShardStats) and the current second's (IntervalStats), and applies the
// measurement window: rates and the round-trip histogram count only what happened after the ramp
// and before the end, so that a report describes the swarm at full strength.
//
// Thread: a Meter belongs to one loop thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "bots/run_clock.h"
#include "bots/swarm_stats.h"

namespace ggs::bots {

class Meter {
 public:
  // `clock` must outlive the meter.
  explicit Meter(const RunClock* clock) : clock_(clock) {}

  const RunClock& clock() const { return *clock_; }
  ShardStats& stats() { return stats_; }
  const ShardStats& stats() const { return stats_; }

  void MessageIn(size_t bytes, uint64_t now_us);
  void MessageOut(size_t bytes, uint64_t now_us);
  // A ping scheduled for `scheduled_us` went out at `now_us`.
  void PingSent(uint64_t scheduled_us, uint64_t now_us);
  // Its pong arrived at `now_us`: the round trip counts from the schedule, not the send, so
  // a stalled swarm or server cannot hide the stall (no coordinated omission).
  void PongReceived(uint64_t scheduled_us, uint64_t now_us);
  // A ping still unanswered when the bot stopped waiting: its elapsed time is recorded as a
  // lower bound of its round trip, again so that a stall shows.
  void PingUnanswered(uint64_t scheduled_us, uint64_t now_us);
  void Error(std::string_view code);

  // Connection gauges: a bot said hello (or resumed), or lost its connection.
  void Up() { ++interval_.connected; }
  void Down() { --interval_.connected; }

  // Moves this second's figures out; the gauge carries over into the next second.
  IntervalStats TakeInterval();

 private:
  const RunClock* clock_;
  ShardStats stats_;
  IntervalStats interval_;
};

}  // namespace ggs::bots
