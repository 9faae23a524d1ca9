// Test support: a libuv loop with a Scheduler that runs one coroutine to completion and
// then proves the loop closes cleanly (every handle closed). Test-only.
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <memory>

#include "bots/run_clock.h"
#include "bots/scheduler.h"
#include "bots/task.h"

namespace ggs::bots::test {

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    Result<std::unique_ptr<Scheduler>> s = Scheduler::Create(&loop_);
    ASSERT_TRUE(s.ok());
    scheduler_ = std::move(s.value());
  }

  void TearDown() override {
    scheduler_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }

  // Runs `task` on the loop until it finishes (at most 20 s).
  void RunToCompletion(Task<> task) {
    task.Start();
    const uint64_t give_up = NowUs() + 20000000;
    while (!task.done() && NowUs() < give_up) uv_run(&loop_, UV_RUN_ONCE);
    ASSERT_TRUE(task.done()) << "the coroutine never finished";
  }

  uv_loop_t loop_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace ggs::bots::test
