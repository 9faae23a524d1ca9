// TickMeter: one bot's account of a game's periodic `state` broadcasts inside the
// measurement window. A segment is a stretch of continuous play on one connection; it ends
// when the bot loses its connection, the table stops (an opponent left) or the run ends.
// Per segment it counts the states received and the states the table sent (from the tick
// numbers: last - first + 1), and the wall-clock time in play, from which a 30 Hz game's
// expected count follows.
#pragma once

#include <cstdint>

#include "bots/run_clock.h"
#include "bots/swarm_stats.h"

namespace ggs::bots {

class TickMeter {
 public:
  // `clock` must outlive the meter.
  explicit TickMeter(const RunClock* clock) : clock_(clock) {}

  // A state with tick number `tick` arrived at `now_us`.
  void OnState(int64_t tick, uint64_t now_us);
  // Play stopped at `now_us` (disconnect, table waiting, run end).
  void EndSegment(uint64_t now_us);
  // Adds this bot's figures (closing any open segment at the window's end).
  void AddTo(TickFigures& figures);

  uint64_t states() const { return states_; }
  uint64_t expected_by_tick_numbers() const { return expected_; }
  uint64_t play_us() const { return play_us_; }

 private:
  const RunClock* clock_;
  bool in_segment_ = false;
  int64_t first_tick_ = 0;
  int64_t last_tick_ = 0;
  uint64_t segment_start_us_ = 0;
  uint64_t states_ = 0;
  uint64_t expected_ = 0;  // Closed segments only.
  uint64_t play_us_ = 0;   // Closed segments only.
};

}  // namespace ggs::bots
