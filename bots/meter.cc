// Meter: recording with the measurement window applied.
#include "bots/meter.h"

#include <string>

namespace ggs::bots {

void Meter::MessageIn(size_t bytes, uint64_t now_us) {
  for (Counters* c : {&stats_.total, &interval_.counters}) {
    ++c->msgs_in;
    c->bytes_in += bytes;
  }
  if (clock_->InWindow(now_us)) {
    ++stats_.window.msgs_in;
    stats_.window.bytes_in += bytes;
  }
}

void Meter::MessageOut(size_t bytes, uint64_t now_us) {
  for (Counters* c : {&stats_.total, &interval_.counters}) {
    ++c->msgs_out;
    c->bytes_out += bytes;
  }
  if (clock_->InWindow(now_us)) {
    ++stats_.window.msgs_out;
    stats_.window.bytes_out += bytes;
  }
}

void Meter::PingSent(uint64_t scheduled_us, uint64_t now_us) {
  ++stats_.total.pings_sent;
  ++interval_.counters.pings_sent;
  if (!clock_->InWindow(scheduled_us)) return;
  ++stats_.window.pings_sent;
  stats_.send_lag.Record(now_us > scheduled_us ? now_us - scheduled_us : 0);
}

void Meter::PongReceived(uint64_t scheduled_us, uint64_t now_us) {
  const uint64_t rtt = now_us > scheduled_us ? now_us - scheduled_us : 0;
  ++stats_.total.pongs_received;
  ++interval_.counters.pongs_received;
  interval_.rtt.Record(rtt);
  if (!clock_->InWindow(scheduled_us)) return;
  ++stats_.window.pongs_received;
  stats_.rtt.Record(rtt);
}

void Meter::PingUnanswered(uint64_t scheduled_us, uint64_t now_us) {
  ++stats_.pings_unanswered;
  if (clock_->InWindow(scheduled_us))
    stats_.rtt.Record(now_us > scheduled_us ? now_us - scheduled_us : 0);
}

void Meter::Error(std::string_view code) {
  ++stats_.errors_by_code[std::string(code)];
  ++interval_.errors;
}

IntervalStats Meter::TakeInterval() {
  IntervalStats out = interval_;
  interval_.Reset();
  return out;
}

}  // namespace ggs::bots
