// Shard: a loop thread's bots, its 1 Hz publisher, and an orderly end.
#include "bots/shard.h"

#include <memory>

namespace ggs::bots {
namespace {

constexpr uint64_t kSecondUs = 1000000;

}  // namespace

Shard::Shard(const BotSettings* settings, const RunClock* clock, ShardPlan plan)
    : settings_(settings), clock_(clock), plan_(std::move(plan)), meter_(clock) {}

Shard::~Shard() = default;

Status Shard::Run() {
  const Status ran = RunOnLoop();
  finished_ = true;
  return ran;
}

Status Shard::RunOnLoop() {
  Result<std::unique_ptr<Scheduler>> scheduler = Scheduler::Create();
  if (!scheduler.ok()) return scheduler.status();
  scheduler_ = std::move(scheduler.value());
  std::vector<std::unique_ptr<Bot>> bots;
  for (size_t i = 0; i < plan_.bots.size(); ++i) {
    Result<std::unique_ptr<Strategy>> strategy =
        MakeStrategy(settings_->game, {plan_.bots[i].index, plan_.seeds[i], clock_});
    if (!strategy.ok()) {
      // Checked before any bot starts, so the bots hold no handle; their sockets let go of
      // the scheduler before it ends the loop.
      bots.clear();
      scheduler_.reset();
      return strategy.status();
    }
    bots.push_back(std::make_unique<Bot>(scheduler_.get(), settings_, plan_.bots[i], &meter_,
                                         std::move(strategy.value())));
  }
  if (bots.empty()) {
    scheduler_->Close();
  } else {
    ArmTicker();
  }
  std::vector<Task<>> tasks;
  for (auto& bot : bots) {
    tasks.push_back(RunBot(bot.get()));
    tasks.back().Start();  // Runs to the bot's first wait: its place in the ramp.
  }
  scheduler_->Run();  // Returns once every bot has closed its handles.
  tasks.clear();
  bots.clear();
  const Status ended = scheduler_->End();
  scheduler_.reset();
  return ended;
}

Task<> Shard::RunBot(Bot* bot) {
  co_await bot->Run();
  if (++bots_done_ < plan_.bots.size()) co_return;
  // The last bot is done: publish the second in progress and let the loop end (closing
  // the scheduler drops the publisher's wake-up).
  Publish();
  scheduler_->Close();
}

void Shard::ArmTicker() {
  scheduler_->WakeAt(this, clock_->start_us + static_cast<uint64_t>(second_ + 1) * kSecondUs);
}

void Shard::OnWake() {
  Publish();
  ++second_;
  ArmTicker();
}

void Shard::Publish() {
  IntervalStats s = meter_.TakeInterval();
  std::lock_guard<std::mutex> lock(mu_);
  published_.emplace_back(second_, std::move(s));
  last_published_ = second_;
}

std::vector<std::pair<int64_t, IntervalStats>> Shard::TakePublished() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<int64_t, IntervalStats>> out;
  out.swap(published_);
  return out;
}

}  // namespace ggs::bots
