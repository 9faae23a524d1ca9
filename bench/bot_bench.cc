// Micro benchmarks of the bot runtime's cost per bot: the pong strategy's work per `state`
// broadcast (parse, track, predict, decide the next input), a bot's hot path 30 times a
// second, and one co_await of a coroutine Task, the unit every bot step is built from.
// The whole bot, sockets included, is measured end to end: `ggs bench` reports the swarm's
// CPU per bot beside each pong scenario.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "bots/pong_strategy.h"
#include "bots/run_clock.h"
#include "bots/task.h"

namespace ggs::bench {
namespace {

void BM_BotPongState(benchmark::State& state) {
  bots::RunClock clock;
  clock.end_us = UINT64_MAX;
  bots::PongStrategy strategy(bots::StrategyContext{.bot_index = 0, .seed = 7, .clock = &clock});
  strategy.OnGameCommand("side", "left", 0);
  strategy.OnGameCommand("start", "", 0);
  int64_t tick = 0;
  double x = 50, y = 50, vx = -1.2, vy = 0.7;
  char args[96];
  for (auto _ : state) {
    ++tick;
    x += vx;
    y += vy;
    if (x < 3 || x > 97) vx = -vx;
    if (y < 1 || y > 99) vy = -vy;
    int n = std::snprintf(args, sizeof args, "%lld,%.2f,%.2f,50,50", static_cast<long long>(tick),
                          x, y);
    uint64_t now_us = static_cast<uint64_t>(tick) * 33000;
    strategy.OnGameCommand("state", std::string_view(args, static_cast<size_t>(n)), now_us);
    auto input = strategy.NextInput(now_us);
    benchmark::DoNotOptimize(input);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BotPongState);

bots::Task<int> Leaf(int v) { co_return v + 1; }

bots::Task<int> Parent(int v) { co_return co_await Leaf(v); }

// Creating, running and destroying two nested tasks that complete without suspending.
void BM_BotTaskAwait(benchmark::State& state) {
  int sum = 0;
  for (auto _ : state) {
    auto run = [&]() -> bots::Task<> { sum += co_await Parent(sum); };
    bots::Task<> task = run();
    task.Start();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BotTaskAwait);

}  // namespace
}  // namespace ggs::bench
