// BenchReport: every figure one `ggs bench` run measured, and its two renderings: the
// table printed on the terminal and the JSON document (--json). Pure: no I/O.
//
// Every end-to-end row carries its own throughput, the echo ceiling's at the same
// connection count from the same run, and their ratio, because absolute figures drift on
// shared machines and the ratio is what compares across runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/micro.h"

namespace ggs::bench {

// One end-to-end measurement: the echo ceiling, pong, or the world-writing counter.
// Figures a scenario does not measure are -1.
struct E2eRow {
  std::string scenario;  // "echo", "pong", "pong_file_db", "writes_memory", "writes_file_db".
  std::string db;        // "", ":memory:" or "file, --flush-ms 1".
  size_t connections = 0;
  size_t failed = 0;  // Connections (bots) that never became ready.
  double window_s = 0;
  double msgs_in_per_s = 0;       // Received by the clients.
  double msgs_out_per_s = 0;      // Sent by the clients.
  double ceiling_msgs_per_s = 0;  // The echo ceiling's in+out at `connections`.
  // The echo ceiling's messages per second of its server's CPU. On a shared machine a
  // server may not get a whole core; per CPU second, the comparison survives that.
  double ceiling_msgs_per_cpu_s = 0;
  double rtt_p50_ms = -1;
  double rtt_p99_ms = -1;
  double ticks_delivered = -1;  // Pong: share of the 30 Hz ticks delivered.
  double server_cpu_cores = -1;
  double server_rss_mb = -1;
  double client_cpu_cores = -1;  // The swarm's (or load client's) CPU.
  uint64_t errors = 0;

  double msgs_per_s() const { return msgs_in_per_s + msgs_out_per_s; }
  // The client's CPU per connection: microseconds per connection per second (for pong, the
  // bot runtime's whole cost per bot, sockets included); -1 when not measured.
  double client_cpu_us_per_connection() const;
  // msgs_per_s() / ceiling_msgs_per_s; 0 without a ceiling.
  double ratio() const;
  // Messages per second of server CPU; 0 when the server's CPU was not measured.
  double msgs_per_cpu_s() const;
  // msgs_per_cpu_s() / ceiling_msgs_per_cpu_s; 0 when either is unknown.
  double cpu_ratio() const;
};

// The durability cost: the same load on a database file flushed every millisecond versus an
// in-memory database.
struct DurabilityFigures {
  std::string scenario;  // "pong" or "writes".
  size_t connections = 0;
  double memory_msgs_per_s = 0;
  double file_msgs_per_s = 0;
  double memory_server_cpu_cores = -1;
  double file_server_cpu_cores = -1;
  // file / memory; 0 when memory measured nothing.
  double ratio() const;
  // 1 - ratio(): the share of throughput durability costs (target: <= 0.15).
  double cost() const { return 1 - ratio(); }
  // The same ratio per second of server CPU (robust to a server that did not get a whole
  // core); 0 when a CPU figure is missing.
  double cpu_ratio() const;
};

// Start-up and recovery: a server restarted on a database holding `tables` tables.
struct RecoveryFigures {
  size_t tables = 0;
  size_t answered = 0;     // Tables whose player resumed after the restart.
  double create_s = 0;     // Creating the tables in the first server.
  double accepting_s = 0;  // From the restart until the port accepted connections.
  double serving_s = 0;    // From the restart until every table answered (target: <= 2).
};

struct BenchReport {
  std::string command;  // The command line that made it.
  std::string started;  // UTC, ISO 8601.
  bool quick = false;
  unsigned cores = 0;
  std::string load;  // /proc/loadavg at the start: the machine's conditions.
  std::vector<MicroResult> micro;
  std::vector<E2eRow> e2e;
  std::vector<DurabilityFigures> durability;
  std::optional<RecoveryFigures> recovery;
  std::vector<std::string> failures;  // Scenarios that could not run, with why.
};

// Issue 5's targets for this machine, reported beside the figures, never asserted.
inline constexpr double kPongTargetRatio = 0.8;        // Pong at saturation / echo ceiling.
inline constexpr double kDurabilityTargetCost = 0.15;  // At most this share lost to a file db.
inline constexpr double kRecoveryTargetS = 2;          // Seconds until every table answers.

// Pong's best ratio to its ceiling over the bot counts measured (the one at saturation),
// and the bot count it came from; nullopt without a pong row.
struct PongBest {
  double ratio = 0;
  size_t bots = 0;
};
std::optional<PongBest> BestPong(const BenchReport& report);

// The table printed at the end of a run.
std::string RenderTable(const BenchReport& report);
// The JSON document with every figure.
std::string RenderJson(const BenchReport& report);

}  // namespace ggs::bench
