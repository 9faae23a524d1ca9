// Micro benchmarks of the write-behind flush: rows per second written at several batch
// sizes (the writes one flush interval gathers) to SQLite, on a database file and in
// memory, and to Redis (`--cluster`), on a redis-server child the benchmark starts, with
// and without the cluster's fencing (core/cluster_directory.h).
#include <benchmark/benchmark.h>

#include <string>

#include "core/redis_storage.h"
#include "core/sqlite_storage.h"
#include "core/storage.h"
#include "core/write_behind.h"
#include "testing/redis_process.h"
#include "testing/temp_dir.h"

namespace ggs::bench {
namespace {

constexpr int kTables = 100;

std::string TableToken(int i) { return "bench-table-" + std::to_string(i); }

// One iteration queues `batch` distinct world writes spread over kTables tables (not
// timed) and flushes them in one transaction (timed).
// With `fenced`, every table is fenced as a cluster node's own (each flush then checks the
// tables' owners first).
void RunFlush(benchmark::State& state, Result<std::unique_ptr<Storage>> storage,
              bool fenced = false) {
  if (!storage.ok()) {
    state.SkipWithError(storage.status().ToString().c_str());
    return;
  }
  if (fenced) {
    auto* directory = dynamic_cast<ClusterDirectory*>(storage->get());
    for (int t = 0; t < kTables && directory != nullptr; ++t) {
      directory->Fence(TableToken(t), TableOwner{"bench:1", 1}, true);
    }
  }
  WriteBehind wb(storage->get());
  for (int t = 0; t < kTables; ++t) {
    TableRow row;
    row.token = TableToken(t);
    wb.PutTable(row);
  }
  if (!wb.Flush().ok()) state.SkipWithError("cannot create the tables");
  const int64_t batch = state.range(0);
  int64_t sequence = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int64_t i = 0; i < batch; ++i, ++sequence) {
      KvWrite write;
      write.key = "k" + std::to_string(sequence % 100000);
      write.value = std::to_string(sequence);
      wb.Write(TableToken(static_cast<int>(sequence % kTables)), write);
    }
    state.ResumeTiming();
    Status s = wb.Flush();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * batch);
}

void BM_FlushRowsFile(benchmark::State& state) {
  TempDir dir("ggs-bench");
  RunFlush(state, SqliteStorage::Open(dir.ok() ? dir.File("bench.db") : ""));
}
BENCHMARK(BM_FlushRowsFile)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime();

void BM_FlushRowsMemory(benchmark::State& state) {
  RunFlush(state, SqliteStorage::Open(":memory:"));
}
BENCHMARK(BM_FlushRowsMemory)->Arg(1)->Arg(100)->Arg(10000)->UseRealTime();

// Redis keeps nothing on disk here (as the tests' servers): the figure is the client's and
// the server's work per row, not a disk's.
void RunRedisFlush(benchmark::State& state, bool fenced) {
  Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
  if (!redis.ok()) {
    state.SkipWithError(redis.status().ToString().c_str());
    return;
  }
  RunFlush(state, RedisStorage::Open((*redis)->url()), fenced);
}

void BM_FlushRowsRedis(benchmark::State& state) { RunRedisFlush(state, false); }
BENCHMARK(BM_FlushRowsRedis)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime();

void BM_FlushRowsRedisFenced(benchmark::State& state) { RunRedisFlush(state, true); }
BENCHMARK(BM_FlushRowsRedisFenced)->Arg(1)->Arg(100)->Arg(10000)->UseRealTime();

}  // namespace
}  // namespace ggs::bench
