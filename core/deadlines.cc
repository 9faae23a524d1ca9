// Deadlines: which time limit a connection has run past.
#include "core/deadlines.h"

#include <algorithm>
#include <string>

#include "core/protocol.h"

namespace ggs {
namespace {

bool Past(uint64_t limit_ms, uint64_t since_ms, uint64_t now_ms) {
  return limit_ms != 0 && now_ms >= since_ms && now_ms - since_ms >= limit_ms;
}

Status Timeout(const std::string& what, uint64_t limit_ms) {
  return Status::Error(error::kTimeout, what + " within " + std::to_string(limit_ms) + " ms");
}

}  // namespace

std::optional<Status> Overdue(const DeadlineOptions& o, const ConnectionTimes& t, uint64_t now_ms) {
  if (t.waiting_for_server) return std::nullopt;
  if (t.packet_started_ms != 0 && Past(o.packet_timeout_ms, t.packet_started_ms, now_ms)) {
    return Timeout("a packet was not completed", o.packet_timeout_ms);
  }
  if (!t.said_hello && Past(o.hello_timeout_ms, t.accepted_ms, now_ms)) {
    return Timeout("no hello", o.hello_timeout_ms);
  }
  if (Past(o.idle_timeout_ms, t.last_read_ms, now_ms)) {
    return Timeout("nothing was received", o.idle_timeout_ms);
  }
  return std::nullopt;
}

uint64_t DeadlineCheckIntervalMs(const DeadlineOptions& o) {
  uint64_t shortest = 0;
  for (uint64_t ms : {o.packet_timeout_ms, o.hello_timeout_ms, o.idle_timeout_ms}) {
    if (ms != 0 && (shortest == 0 || ms < shortest)) shortest = ms;
  }
  if (shortest == 0) return 0;
  return std::clamp<uint64_t>(shortest / 4, 10, 1000);
}

}  // namespace ggs
