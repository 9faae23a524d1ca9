// Shard: one libuv loop, on one thread, with its share of a swarm's bots. It runs the bots
// to completion and publishes what they measured once a second of the run (for the live
// line and the time series), then its run-long figures.
//
// Thread: Run() on the shard's own thread; TakePublished(), last_published() and finished()
// from any thread; stats() once Run() has returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "bots/bot.h"
#include "bots/meter.h"
#include "bots/run_clock.h"
#include "bots/scheduler.h"
#include "bots/swarm_plan.h"
#include "bots/swarm_stats.h"
#include "core/status.h"

namespace ggs::bots {

class Shard {
 public:
  // The pointers must outlive the shard.
  Shard(const BotSettings* settings, const RunClock* clock, ShardPlan plan);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Runs every bot to its end. Fails (code "internal") only when the strategy table or
  // libuv does; the bots' own failures are figures, not errors.
  Status Run();

  // The seconds published since the last call, as (second of the run, figures).
  std::vector<std::pair<int64_t, IntervalStats>> TakePublished();
  // The latest second published, or -1.
  int64_t last_published() const { return last_published_.load(); }
  bool finished() const { return finished_.load(); }
  // REQUIRES: Run() has returned.
  const ShardStats& stats() const { return meter_.stats(); }

  // The timer record of the 1 Hz publisher, defined in shard.cc.
  struct Ticker;

 private:
  Task<> RunBot(Bot* bot);
  void ArmTicker();
  void Publish();

  const BotSettings* settings_;
  const RunClock* clock_;
  ShardPlan plan_;
  Meter meter_;
  struct uv_loop_s* loop_ = nullptr;
  std::unique_ptr<Scheduler> scheduler_;
  Ticker* ticker_ = nullptr;
  int64_t second_ = 0;  // The second being gathered.
  size_t bots_done_ = 0;

  std::mutex mu_;
  std::vector<std::pair<int64_t, IntervalStats>> published_;  // Guarded by mu_.
  std::atomic<int64_t> last_published_{-1};
  std::atomic<bool> finished_{false};
};

}  // namespace ggs::bots
