// TickMeter: states received against states sent and against the wall clock.
#include "bots/tick_meter.h"

#include <algorithm>

namespace ggs::bots {

void TickMeter::OnState(int64_t tick, uint64_t now_us) {
  if (!clock_->InWindow(now_us)) return;
  ++states_;
  if (!in_segment_) {
    in_segment_ = true;
    first_tick_ = last_tick_ = tick;
    segment_start_us_ = now_us;
    return;
  }
  last_tick_ = std::max(last_tick_, tick);
}

void TickMeter::EndSegment(uint64_t now_us) {
  if (!in_segment_) return;
  in_segment_ = false;
  expected_ += static_cast<uint64_t>(last_tick_ - first_tick_ + 1);
  const uint64_t end = std::min(now_us, clock_->end());
  if (end > segment_start_us_) play_us_ += end - segment_start_us_;
}

void TickMeter::AddTo(TickFigures& figures) {
  EndSegment(clock_->end());
  if (states_ == 0) return;
  figures.states_received += states_;
  figures.expected_by_tick_numbers += expected_;
  figures.play_us += play_us_;
  ++figures.bots;
  if (expected_ > 0) {
    figures.worst_bot_ratio = std::min(
        figures.worst_bot_ratio, static_cast<double>(states_) / static_cast<double>(expected_));
  }
  TickFigures mine;
  mine.states_received = states_;
  mine.play_us = play_us_;
  if (play_us_ > 0) {
    figures.worst_bot_wall_clock_ratio =
        std::min(figures.worst_bot_wall_clock_ratio, mine.RatioVsWallClock());
  }
}

}  // namespace ggs::bots
