// Test support: a Scheduler, with its libuv loop, that runs one coroutine to completion and
// then proves the loop closes cleanly (every handle closed). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "bots/run_clock.h"
#include "bots/scheduler.h"
#include "bots/task.h"

namespace ggs::bots::test {

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Scheduler>> s = Scheduler::Create();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    scheduler_ = std::move(s.value());
  }

  void TearDown() override {
    if (!scheduler_) return;  // SetUp failed.
    const Status ended = scheduler_->End();
    EXPECT_TRUE(ended.ok()) << ended.ToString();
  }

  // Runs `task` on the loop until it finishes (at most 20 s).
  void RunToCompletion(Task<> task) {
    task.Start();
    const uint64_t give_up = NowUs() + 20000000;
    while (!task.done() && NowUs() < give_up) scheduler_->RunOnce();
    ASSERT_TRUE(task.done()) << "the coroutine never finished";
  }

  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace ggs::bots::test
