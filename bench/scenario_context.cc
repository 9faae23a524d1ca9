// The scenarios' scratch directory and the `ggs serve` they start.
#include "bench/scenario_context.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "bench/bench_games.h"
#include "core/protocol.h"

namespace ggs::bench {

Result<ScenarioContext> MakeContext(const std::string& binary) {
  auto scratch = std::make_shared<TempDir>("ggs-bench");
  if (!scratch->ok()) return Status::Io(scratch->error());
  ScenarioContext c;
  c.binary = binary;
  c.dir = scratch->path();
  c.scratch = std::move(scratch);
  Status s = WriteBenchGames(c.dir + "/games");
  if (!s.ok()) return s;
  return c;
}

int DefaultWorkers() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void Say(const ScenarioContext& c, const std::string& line) {
  if (c.progress) c.progress(line);
}

std::string FreshDbPath(const ScenarioContext& c, const std::string& name) {
  static std::atomic<int> sequence{0};
  return c.dir + "/" + name + "-" + std::to_string(sequence++) + ".db";
}

std::vector<std::string> ServeArgs(const ScenarioContext& c, Db db, const std::string& name,
                                   int workers) {
  std::vector<std::string> args = {"--games", c.dir + "/games", "--log-level", "warn"};
  args.insert(args.end(), {"--workers", std::to_string(workers)});
  // Every bot and load client connects from loopback, and some pipeline as fast as they can:
  // the per-address and rate limits are for strangers, not for the bench's own clients.
  args.insert(args.end(), {"--max-connections-per-ip", "0", "--max-commands-per-s", "0"});
  if (db == Db::kMemory) {
    args.insert(args.end(), {"--db", ":memory:"});
  } else {
    // Flushing every millisecond puts each world write on disk (in WAL, synchronous=NORMAL)
    // within a loop turn or two: the most durable setting the server offers.
    args.insert(args.end(), {"--db", FreshDbPath(c, name), "--flush-ms", "1"});
  }
  return args;
}

Result<std::unique_ptr<ServerProcess>> StartServer(const ScenarioContext& c,
                                                   const std::vector<std::string>& args) {
  return ServerProcess::StartServe(c.binary, args, c.dir + "/serve.log");
}

std::string HelloBytes(const char* header_name, const std::string& value) {
  return Encode(ServerCommand(command::kHello).Add(header_name, value));
}

const char* DbName(Db db) { return db == Db::kMemory ? ":memory:" : "file, --flush-ms 1"; }

}  // namespace ggs::bench
