// Shard: one bot loop (a Scheduler), on one thread, with its share of a swarm's bots. It
// runs the bots to completion and publishes what they measured once a second of the run
// (for the live line and the time series), then its run-long figures.
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

class Shard final : private Scheduler::Sleeper {
 public:
  // The pointers must outlive the shard.
  Shard(const BotSettings* settings, const RunClock* clock, ShardPlan plan);
  ~Shard() override;
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Runs every bot to its end. Fails (code "internal") only when the strategy table or
  // the loop does; the bots' own failures are figures, not errors.
  Status Run();

  // The seconds published since the last call, as (second of the run, figures).
  std::vector<std::pair<int64_t, IntervalStats>> TakePublished();
  // The latest second published, or -1.
  int64_t last_published() const { return last_published_.load(); }
  bool finished() const { return finished_.load(); }
  // REQUIRES: Run() has returned.
  const ShardStats& stats() const { return meter_.stats(); }

 private:
  Status RunOnLoop();
  Task<> RunBot(Bot* bot);
  // The 1 Hz publisher is the shard's own wake-up, at each whole second of the run.
  void ArmTicker();
  void OnWake() override;
  void Publish();

  const BotSettings* settings_;
  const RunClock* clock_;
  ShardPlan plan_;
  Meter meter_;
  std::unique_ptr<Scheduler> scheduler_;  // While Run() runs.
  int64_t second_ = 0;                    // The second being gathered.
  size_t bots_done_ = 0;

  std::mutex mu_;
  std::vector<std::pair<int64_t, IntervalStats>> published_;  // Guarded by mu_.
  std::atomic<int64_t> last_published_{-1};
  std::atomic<bool> finished_{false};
};

}  // namespace ggs::bots
