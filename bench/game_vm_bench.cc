// Micro benchmarks of the game VM call: one playerCommand round trip (event in, effects
// out), for pong's `move` and for a command that writes the world.
#include <benchmark/benchmark.h>

#include "bench/bench_games.h"
#include "bench/pong_source.h"
#include "bench/vm_tables.h"

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

}  // namespace
}  // namespace ggs::bench
