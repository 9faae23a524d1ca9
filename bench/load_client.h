// RunLoad: a load generator over N TCP connections on one libuv loop. Closed-loop by
// default: each connection keeps `window` messages in flight: it sends that many, then one
// more for every reply that comes back, so the server is saturated and the figure is the
// most messages per second it can turn around. Open-loop with `rate_hz`: each connection
// sends that many messages a second whatever comes back, one write each, spread evenly
// over time and connections (against the echo server, the traffic of a game server whose
// clients each send and receive a few dozen small packets a second). Used twice: against the echo
// server (the ceiling: replies are counted as bytes, with no parsing) and against `ggs serve` with
// a game that writes the world on every command (replies are framed with core's Parser).
//
// Thread: RunLoad blocks the calling thread and runs its loop on it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/status.h"

namespace ggs::bench {

struct LoadOptions {
  int port = 0;  // On 127.0.0.1.
  size_t connections = 1;
  std::string message;  // The bytes of one message.
  size_t window = 4;    // Messages in flight per connection (closed loop).
  double rate_hz = 0;   // When > 0: open loop, messages per connection per second.
  // Protocol mode (when not empty): each connection first sends these bytes and waits for
  // one whole packet (the hello reply), and every reply is one packet. Otherwise (echo)
  // every message.size() bytes that come back are one reply.
  std::string hello;
  double warmup_s = 1;    // After every connection is ready (or gave up), before measuring.
  double duration_s = 5;  // The measurement window.
  // When not 0, the CPU and memory of this process and its descendants (a `ggs serve` and
  // its VM workers) are sampled.
  pid_t server_pid = 0;
};

struct LoadFigures {
  size_t connections = 0;  // Connections that became ready.
  size_t failed = 0;       // Connections that failed to connect or to say hello.
  double window_s = 0;
  uint64_t msgs_out = 0;  // Messages the clients sent inside the window.
  uint64_t msgs_in = 0;   // Replies the clients received inside the window.
  uint64_t errors = 0;    // Protocol mode: replies that were `error` packets.
  double client_cpu_s = 0;
  double server_cpu_s = -1;  // -1 when not sampled.
  double server_rss_mb = -1;

  double msgs_per_s() const { return window_s > 0 ? (msgs_in + msgs_out) / window_s : 0; }
  double server_cpu_cores() const {
    return window_s > 0 && server_cpu_s >= 0 ? server_cpu_s / window_s : -1;
  }
};

// Runs the load. Fails with code "bad_options" (no connections, empty message) or "io"
// when no connection at all became ready.
Result<LoadFigures> RunLoad(const LoadOptions& options);

}  // namespace ggs::bench
