// Micro benchmarks of the clock many tables run on: pong's 30 Hz tick fired on N tables
// (the game's work per tick), and N repeating libuv timers on the server's Loop (the
// event loop's work per timer).
#include <benchmark/benchmark.h>

#include "bench/pong_source.h"
#include "bench/vm_tables.h"
#include "core/loop.h"

namespace ggs::bench {
namespace {

// One iteration fires the tick of every one of N pong tables, each with both players.
void BM_PongTicks(benchmark::State& state) {
  std::vector<std::unique_ptr<VmTable>> tables;
  for (int64_t i = 0; i < state.range(0); ++i) {
    Result<std::unique_ptr<VmTable>> t = VmTable::Create(kPongSource, 2);
    if (!t.ok() || (*t)->interval_id() == 0) {
      state.SkipWithError(t.ok() ? "pong set no interval" : t.status().ToString().c_str());
      return;
    }
    tables.push_back(std::move(*t));
  }
  for (auto _ : state) {
    for (auto& t : tables) {
      VmResult r = t->vm().FireTimer(t->interval_id());
      benchmark::DoNotOptimize(r.effects.sends.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PongTicks)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

// N repeating 1 ms timers on a Loop; one iteration runs the loop until each has fired once
// more. Items per CPU second is the loop's cost per timer firing (waiting costs no CPU).
void BM_LoopTimers(benchmark::State& state) {
  Loop loop;
  const int64_t n = state.range(0);
  int64_t fired = 0;
  int64_t goal = 0;
  std::vector<Timers::Id> ids;
  for (int64_t i = 0; i < n; ++i) {
    ids.push_back(loop.Start(1, true, [&] {
      if (++fired >= goal) loop.Quit();
    }));
  }
  for (auto _ : state) {
    goal = fired + n;
    loop.Run();
  }
  for (Timers::Id id : ids) loop.Stop(id);
  state.SetItemsProcessed(fired);
}
BENCHMARK(BM_LoopTimers)->Arg(100)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ggs::bench
