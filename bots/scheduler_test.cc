#include "bots/scheduler.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <vector>

#include "bots/loop_test_support.h"

namespace ggs::bots {
namespace {

struct Probe final : Scheduler::Sleeper {
  Probe(std::vector<int>* wake_log, int probe_id) : log(wake_log), id(probe_id) {}
  void OnWake() override {
    log->push_back(id);
    woke_at = NowUs();
  }
  std::vector<int>* log;
  int id;
  uint64_t woke_at = 0;
};

class SchedulerTest : public test::LoopTest {
 protected:
  // Runs the loop until `n` wake-ups have happened.
  void RunUntil(const std::vector<int>& log, size_t n) {
    while (log.size() < n) scheduler_->RunOnce();
  }
};

TEST_F(SchedulerTest, WakesInDeadlineOrderAndNeverEarly) {
  std::vector<int> log;
  Probe a(&log, 1), b(&log, 2), c(&log, 3);
  const uint64_t now = NowUs();
  scheduler_->WakeAt(&c, now + 30000);
  scheduler_->WakeAt(&a, now + 10000);
  scheduler_->WakeAt(&b, now + 20000);
  RunUntil(log, 3);
  EXPECT_EQ(log, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(a.woke_at, now + 10000);
  EXPECT_GE(b.woke_at, now + 20000);
  EXPECT_GE(c.woke_at, now + 30000);
}

TEST_F(SchedulerTest, ASecondWakeUpReplacesTheFirst) {
  std::vector<int> log;
  Probe a(&log, 1), b(&log, 2);
  const uint64_t now = NowUs();
  scheduler_->WakeAt(&a, now + 5000);
  scheduler_->WakeAt(&b, now + 15000);
  scheduler_->WakeAt(&a, now + 25000);  // Moves a after b.
  RunUntil(log, 2);
  EXPECT_EQ(log, (std::vector<int>{2, 1}));
  EXPECT_GE(a.woke_at, now + 25000);
}

TEST_F(SchedulerTest, CancelledSleepersAreNotWoken) {
  std::vector<int> log;
  Probe a(&log, 1), b(&log, 2);
  const uint64_t now = NowUs();
  scheduler_->WakeAt(&a, now + 5000);
  scheduler_->WakeAt(&b, now + 10000);
  scheduler_->Cancel(&a);
  RunUntil(log, 1);
  EXPECT_EQ(log, std::vector<int>{2});
}

TEST_F(SchedulerTest, APastDeadlineWakesOnTheNextTurn) {
  std::vector<int> log;
  Probe a(&log, 1);
  scheduler_->WakeAt(&a, NowUs() - 1000);
  RunUntil(log, 1);
  EXPECT_EQ(log, std::vector<int>{1});
}

TEST_F(SchedulerTest, CloseDropsPendingWakeUpsSoTheLoopEnds) {
  std::vector<int> log;
  Probe a(&log, 1);
  scheduler_->WakeAt(&a, NowUs() + 60000000);
  scheduler_->Close();
  EXPECT_EQ(scheduler_->pending(), 0u);
  scheduler_->Run();  // Returns at once: nothing is left to wait for.
  EXPECT_TRUE(log.empty());
}

TEST_F(SchedulerTest, EndReportsAHandleLeftOpenAndCanBeRetried) {
  uv_timer_t timer;
  ASSERT_EQ(uv_timer_init(scheduler_->loop(), &timer), 0);
  EXPECT_EQ(scheduler_->End().code(), "internal");
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  EXPECT_TRUE(scheduler_->End().ok());
}

TEST_F(SchedulerTest, RunReturnsOnceTheSchedulerIsClosedFromAWakeUp) {
  struct Closer final : Scheduler::Sleeper {
    void OnWake() override { scheduler->Close(); }
    Scheduler* scheduler = nullptr;
  } closer;
  closer.scheduler = scheduler_.get();
  const uint64_t deadline = NowUs() + 5000;
  scheduler_->WakeAt(&closer, deadline);
  scheduler_->Run();
  EXPECT_GE(NowUs(), deadline);
}

}  // namespace
}  // namespace ggs::bots
