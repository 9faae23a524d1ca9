// The end-to-end scenarios of `ggs bench`, each against a real server on 127.0.0.1 that it
// starts and stops itself: the echo ceiling, pong driven by the bot swarm, the counter
// game driven at saturation, and start-up and recovery of a database full of tables.
// Every load is bounded in connections and time and ends by itself.
//
// Thread: blocking; call from one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bench/bench_report.h"
#include "core/status.h"
#include "testing/temp_dir.h"

namespace ggs::bench {

// Which database a `ggs serve` under test uses.
enum class Db { kMemory, kFile };

struct ScenarioContext {
  std::string binary;                // The ggs binary to run `serve` (and the echo server) from.
  std::string dir;                   // A scratch directory: the games, databases and server logs.
  std::shared_ptr<TempDir> scratch;  // Owns `dir`: removed with the last copy.
  double duration_s = 10;            // Each load's measurement window.
  double warmup_s = 1;
  size_t window = 4;  // Messages in flight per connection of a closed-loop load.
  std::function<void(const std::string&)> progress;  // One line per step; may be empty.
};

// Creates a scratch directory with the benchmark games installed; it is removed with the
// last copy of the context. Fails with code "io".
Result<ScenarioContext> MakeContext(const std::string& binary);

// The echo ceiling at `connections` connections, with pong-state-sized messages.
Result<E2eRow> RunEchoCeiling(const ScenarioContext& c, size_t connections);
// Pong with `bots` swarm bots (one connection each; ramp included, then the window).
Result<E2eRow> RunPong(const ScenarioContext& c, size_t bots, Db db);
// The counter game at saturation: `connections` players, each at its own one-seat table,
// each command a world write.
Result<E2eRow> RunWrites(const ScenarioContext& c, size_t connections, Db db);
// Creates `tables` one-seat tables, restarts the server on the same database, and times
// until every table's player has resumed.
Result<RecoveryFigures> RunRecovery(const ScenarioContext& c, size_t tables);

}  // namespace ggs::bench
