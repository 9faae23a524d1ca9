// ScenarioContext: what every end-to-end scenario of `ggs bench` shares — the ggs binary,
// a scratch directory with the benchmark games, the window sizes — and the one way they
// start a `ggs serve` under test in it (bench/scenarios.h, bench/worker_scenarios.h).
//
// Thread: blocking; call from one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "testing/server_process.h"
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

// `ggs serve`'s default --workers: one per core (at least one).
int DefaultWorkers();

// Hands `line` to the context's progress callback, if it has one.
void Say(const ScenarioContext& c, const std::string& line);

// The flags of a `ggs serve` under test: the benchmark games, warnings only, the database
// (`:memory:`, or a fresh file flushed every millisecond) and `--workers workers`.
std::vector<std::string> ServeArgs(const ScenarioContext& c, Db db, const std::string& name,
                                   int workers);

// Starts `ggs serve --listen 127.0.0.1:PORT <args...>` with its log in the scratch
// directory. Fails as ServerProcess::StartServe does.
Result<std::unique_ptr<ServerProcess>> StartServer(const ScenarioContext& c,
                                                   const std::vector<std::string>& args);

// A fresh database path in the scratch directory, so that no server inherits another's
// tables.
std::string FreshDbPath(const ScenarioContext& c, const std::string& name);

// The bytes of a `hello` with one header (`Game: counter`, `Token: ...`).
std::string HelloBytes(const char* header_name, const std::string& value);

// How a row names the database: ":memory:" or "file, --flush-ms 1".
const char* DbName(Db db);

}  // namespace ggs::bench
