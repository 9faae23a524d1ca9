// Deadlines: the time limits a client connection lives under (--packet-timeout,
// --hello-timeout, --idle-timeout) and the pure rule that says when one has passed. The
// network checks every connection against them with one repeating timer, so a connection
// costs a few timestamps, not a timer of its own.
//
// Thread: pure functions; no state.
#pragma once

#include <cstdint>
#include <optional>

#include "core/status.h"

namespace ggs {

// Each limit is in milliseconds; 0 turns it off.
struct DeadlineOptions {
  uint64_t packet_timeout_ms = 10000;  // A started packet must be complete within it.
  uint64_t hello_timeout_ms = 10000;   // A new connection must say hello within it.
  uint64_t idle_timeout_ms = 0;        // A connection that sends nothing that long is closed.
};

// What a connection's deadlines depend on, as the network tracks it. Times are on the
// loop's monotonic clock (ms).
struct ConnectionTimes {
  uint64_t accepted_ms = 0;
  uint64_t last_read_ms = 0;        // The last bytes it sent (accepted_ms before any).
  uint64_t packet_started_ms = 0;   // When its unfinished packet began; 0 when none.
  bool said_hello = false;          // It has had a player since.
  bool waiting_for_server = false;  // It is paused by the per-turn budget: not its fault.
};

// The deadline `times` has passed at `now_ms`, as a `timeout` error whose message names it,
// or nullopt while every deadline holds.
std::optional<Status> Overdue(const DeadlineOptions& options, const ConnectionTimes& times,
                              uint64_t now_ms);

// How often the deadlines are checked: a quarter of the shortest one that is on (between
// 10 ms and 1 s), so a deadline is enforced at most that much late; 0 when all are off.
uint64_t DeadlineCheckIntervalMs(const DeadlineOptions& options);

}  // namespace ggs
