// Shard: a loop thread's bots, its 1 Hz publisher, and an orderly end.
#include "bots/shard.h"

#include <uv.h>

#include <cstdio>
#include <memory>

namespace ggs::bots {

struct Shard::Ticker {
  uv_timer_t timer;
  Shard* shard;
};

namespace {

constexpr uint64_t kSecondUs = 1000000;

// Milliseconds of loop time until `deadline_us`, rounded up so a timer never fires early.
uint64_t MsUntil(uv_loop_t* loop, uint64_t deadline_us) {
  const uint64_t fire_ms = (deadline_us + 999) / 1000;
  const uint64_t now_ms = uv_now(loop);
  return fire_ms > now_ms ? fire_ms - now_ms : 0;
}

}  // namespace

Shard::Shard(const BotSettings* settings, const RunClock* clock, ShardPlan plan)
    : settings_(settings), clock_(clock), plan_(std::move(plan)), meter_(clock) {}

Shard::~Shard() = default;

Status Shard::Run() {
  uv_loop_t loop;
  if (int rc = uv_loop_init(&loop); rc != 0) {
    finished_ = true;
    return Status::Error("internal", std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  loop_ = &loop;
  Result<std::unique_ptr<Scheduler>> scheduler = Scheduler::Create(&loop);
  if (!scheduler.ok()) {
    uv_loop_close(&loop);
    finished_ = true;
    return scheduler.status();
  }
  scheduler_ = std::move(scheduler.value());
  std::vector<std::unique_ptr<Bot>> bots;
  std::vector<Task<>> tasks;
  for (size_t i = 0; i < plan_.bots.size(); ++i) {
    Result<std::unique_ptr<Strategy>> strategy =
        MakeStrategy(settings_->game, {plan_.bots[i].index, plan_.seeds[i], clock_});
    if (!strategy.ok()) {
      // Checked before any bot starts, so only the scheduler's handles need closing.
      scheduler_.reset();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_loop_close(&loop);
      finished_ = true;
      return strategy.status();
    }
    bots.push_back(std::make_unique<Bot>(&loop, scheduler_.get(), settings_, plan_.bots[i], &meter_,
                                         std::move(strategy.value())));
  }
  if (bots.empty()) {
    scheduler_->Close();
  } else {
    ticker_ = new Ticker{{}, this};
    uv_timer_init(&loop, &ticker_->timer);
    ticker_->timer.data = ticker_;
    ArmTicker();
  }
  for (auto& bot : bots) {
    tasks.push_back(RunBot(bot.get()));
    tasks.back().Start();  // Runs to the bot's first wait: its place in the ramp.
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // Returns once every bot has closed its handles.
  tasks.clear();
  bots.clear();
  scheduler_.reset();
  uv_run(&loop, UV_RUN_DEFAULT);
  const int rc = uv_loop_close(&loop);
  loop_ = nullptr;
  finished_ = true;
  if (rc != 0) return Status::Error("internal", "a bot left a libuv handle open");
  return Status::Ok();
}

Task<> Shard::RunBot(Bot* bot) {
  co_await bot->Run();
  if (++bots_done_ < plan_.bots.size()) co_return;
  // The last bot is done: publish the second in progress and let the loop end.
  Publish();
  scheduler_->Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&ticker_->timer),
           [](uv_handle_t* h) { delete static_cast<Ticker*>(h->data); });
  ticker_ = nullptr;
}

void Shard::ArmTicker() {
  const uint64_t next = clock_->start_us + static_cast<uint64_t>(second_ + 1) * kSecondUs;
  uv_timer_start(
      &ticker_->timer,
      [](uv_timer_t* t) {
        Shard* shard = static_cast<Ticker*>(t->data)->shard;
        shard->Publish();
        ++shard->second_;
        shard->ArmTicker();
      },
      MsUntil(loop_, next), 0);
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
