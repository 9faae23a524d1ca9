// Micro benchmarks of the game VM call: one playerCommand round trip (event in, effects
// out), for pong's `move` and for a command that writes the world; pong's `move` spread over
// many tables (each event finds its VM cold in the cache); and what single operations cost
// inside a game, the figures of docs/game-performance.md.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bench/bench_games.h"
#include "bench/pong_source.h"
#include "bench/vm_tables.h"
#include "bots/proc_stats.h"

namespace ggs::bench {
namespace {

void RunCommands(benchmark::State& state, const char* source, int players, std::string_view command,
                 std::string_view args) {
  Result<std::unique_ptr<VmTable>> table = VmTable::Create(source, players);
  if (!table.ok()) {
    state.SkipWithError(table.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    VmResult r = (*table)->vm().PlayerCommand(1, command, args);
    benchmark::DoNotOptimize(r.effects.sends.data());
    if (!r.status.ok()) {
      state.SkipWithError(r.status.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Pong's only input: a paddle target, stored for the next tick; no reply.
void BM_VmPongMove(benchmark::State& state) { RunCommands(state, kPongSource, 2, "move", "42.5"); }
BENCHMARK(BM_VmPongMove);

// GGS.world.setItem on every call: the undo log, the write record and a world_set send.
void BM_VmCounterWorldWrite(benchmark::State& state) {
  RunCommands(state, kCounterSource, 1, "add", "");
}
BENCHMARK(BM_VmCounterWorldWrite);

// Pong's `move` sent to each of N tables in turn: at 1,000 tables every event finds its VM's
// memory cold in the cache, which is what a busy server sees.
void BM_PongMoves(benchmark::State& state) {
  std::vector<std::unique_ptr<VmTable>> tables;
  for (int64_t i = 0; i < state.range(0); ++i) {
    Result<std::unique_ptr<VmTable>> t = VmTable::Create(kPongSource, 2);
    if (!t.ok()) {
      state.SkipWithError(t.status().ToString().c_str());
      return;
    }
    tables.push_back(std::move(*t));
  }
  for (auto _ : state) {
    for (auto& t : tables) {
      VmResult r = t->vm().PlayerCommand(1, "move", "42.5");
      benchmark::DoNotOptimize(r.effects.sends.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PongMoves)->Arg(1000)->Unit(benchmark::kMicrosecond);

// Memory per pong table: what this process holds more after N tables are made, seated and
// played for 10 s of their clock (300 ticks, 200 moves each), divided by N (the mem/item
// column): the VM's heap with its garbage between collections, the pages that hold it, and
// what the host keeps beside the state; no connections (a server's tables also hold two
// each). It is the growth of resident memory with malloc's heap counted by the bytes in use
// rather than by the pages it holds, so that memory an earlier benchmark freed and malloc
// kept does not hide what the tables take. One iteration.
void BM_PongTableMemory(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    const struct mallinfo2 heap_before = mallinfo2();
    Result<bots::ProcessSample> before = bots::SampleProcess(getpid());
    std::vector<std::unique_ptr<VmTable>> tables;
    for (int64_t i = 0; i < n; ++i) {
      Result<std::unique_ptr<VmTable>> t = VmTable::Create(kPongSource, 2);
      if (!t.ok()) {
        state.SkipWithError(t.status().ToString().c_str());
        return;
      }
      tables.push_back(std::move(*t));
    }
    for (int tick = 0; tick < 300; ++tick) {
      const std::string target = std::to_string(20 + (tick * 7) % 60) + ".5";
      for (auto& t : tables) {
        benchmark::DoNotOptimize(t->vm().FireTimer(t->interval_id()).effects.sends.data());
        if (tick % 3 != 2) t->vm().PlayerCommand(1 + tick % 2, "move", target);
      }
    }
    Result<bots::ProcessSample> after = bots::SampleProcess(getpid());
    const struct mallinfo2 heap_after = mallinfo2();
    if (!before.ok() || !after.ok()) {
      state.SkipWithError("cannot read /proc/self/status");
      return;
    }
    // The heap's growth in bytes obtained from the system (arena) is replaced by its growth
    // in bytes handed out (uordblks); mmapped chunks (hblkhd) count in both alike.
    const double heap_held =
        static_cast<double>(heap_after.arena) - static_cast<double>(heap_before.arena);
    const double heap_used =
        static_cast<double>(heap_after.uordblks) - static_cast<double>(heap_before.uordblks);
    const double rss = (after->rss_mb - before->rss_mb) * 1024 * 1024;
    state.counters["memory_per_item"] = (rss - heap_held + heap_used) / static_cast<double>(n);
    state.PauseTiming();
    tables.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_PongTableMemory)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

// One kind of operation a game performs, as a statement run 100 times in a loop inside a
// closure (so that `i`, `x`, `s` and the other locals are stack slots, as in a well-written
// hot path). `loop` is the empty loop, the baseline to subtract.
struct VmOperation {
  const char* name;
  const char* statement;
};
constexpr VmOperation kVmOperations[] = {
    {"loop", "x = i;"},
    {"local", "x = a;"},
    {"closure", "x = c;"},
    {"global", "x = G;"},
    {"property", "x = o.q;"},
    {"global_function_call", "x = helper(i);"},
    {"math_round", "x = Math.round(f);"},
    {"bitwise_round", "x = (f + 0.5) | 0;"},
    {"number_to_string", "s = '' + f;"},
    {"string_concat", "s = a1 + a2;"},
    {"regexp_test", "x = re.test('42.5');"},
    {"regexp_exec", "x = re.exec('42.5');"},
    {"send_captured", "send('s', 'x');"},
    {"send_via_GGS", "GGS.sendCommandToAll('s', 'x');"},
    {"world_get", "s = GGS.world.getItem('k');"},
    {"world_set", "GGS.world.setItem('k', 'v');"},
};
constexpr int kOperationsPerEvent = 100;

std::string OperationSource(const char* statement) {
  return std::string(R"(var seats = 1;
var G = 1;
var RE = /^\s*-?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$/;
function helper(i) { return i; }
function make(c) {
  return function (n) {
    var a = 1, o = { p: 1, q: 2, r: 3, s: 4, t: 5, u: 6, v: 7, w: 8 }, f = 51.37;
    var a1 = 'ab', a2 = 'cd', x, s, re = RE, send = GGS.sendCommandToAll;
    for (var i = 0; i < n; i++) { )") +
         statement + R"( }
  };
}
var run = make(1);
function playerCommand() { run()" +
         std::to_string(kOperationsPerEvent) + "); }\n";
}

void BM_VmOperation(benchmark::State& state, const char* statement) {
  const std::string source = OperationSource(statement);
  Result<std::unique_ptr<VmTable>> table = VmTable::Create(source, 1);
  if (!table.ok()) {
    state.SkipWithError(table.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    VmResult r = (*table)->vm().PlayerCommand(1, "run", "");
    benchmark::DoNotOptimize(r.effects.sends.data());
    if (!r.status.ok()) {
      state.SkipWithError(r.status.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kOperationsPerEvent);
}

[[maybe_unused]] const bool kOperationsRegistered = [] {
  for (const VmOperation& op : kVmOperations) {
    benchmark::RegisterBenchmark((std::string("BM_VmOperation/") + op.name).c_str(), BM_VmOperation,
                                 op.statement);
  }
  return true;
}();

}  // namespace
}  // namespace ggs::bench
