// Tests of Loop: timers, Quit, signals, and that every test leaves a loop that closes cleanly.
#include "core/loop.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ggs {
namespace {

// Each test's run ends one way when the Loop works and has a second way out when it does
// not, so that a broken Loop fails a test instead of hanging it.
class LoopTest : public ::testing::Test {
 protected:
  // libuv's rule for its own tests: every test ends by proving the loop closed cleanly.
  void TearDown() override { EXPECT_TRUE(loop_.Close()) << "a handle was left open"; }

  Loop loop_;
};

TEST_F(LoopTest, AnIdleLoopClosesCleanly) { loop_.Run(); }

TEST_F(LoopTest, OneShotTimerFiresOnce) {
  int fired = 0;
  const Timers::Id id = loop_.Start(1, false, [&] { ++fired; });
  EXPECT_NE(id, 0u);
  EXPECT_EQ(loop_.active_timers(), 1u);
  loop_.Run();  // Returns once the timer has fired: nothing is left to do.
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(loop_.active_timers(), 0u);
  loop_.Run();
  EXPECT_EQ(fired, 1);
}

TEST_F(LoopTest, TimersGetDistinctIds) {
  const Timers::Id a = loop_.Start(1, false, [] {});
  const Timers::Id b = loop_.Start(1, true, [] {});
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_NE(a, b);
  loop_.Stop(b);
  loop_.Run();
}

TEST_F(LoopTest, RepeatingTimerFiresUntilStopped) {
  int fired = 0;
  Timers::Id id = 0;
  id = loop_.Start(1, true, [&] {
    ++fired;
    if (fired == 5) loop_.Stop(id);
    if (fired > 5) loop_.Quit();  // Stop failed.
  });
  loop_.Run();  // Returns once the timer is stopped: nothing is left to do.
  EXPECT_EQ(fired, 5);
  EXPECT_EQ(loop_.active_timers(), 0u);
}

TEST_F(LoopTest, ATimerCanStopAnother) {
  bool stopped = false;
  bool fired_after_stop = false;
  const Timers::Id repeating = loop_.Start(1, true, [&] {
    if (!stopped) return;
    fired_after_stop = true;
    loop_.Quit();
  });
  loop_.Start(5, false, [&] {
    loop_.Stop(repeating);
    stopped = true;
  });
  loop_.Run();
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(fired_after_stop);
  EXPECT_EQ(loop_.active_timers(), 0u);
}

TEST_F(LoopTest, OneShotTimerStoppingItselfIsHarmless) {
  int fired = 0;
  Timers::Id id = 0;
  id = loop_.Start(1, false, [&] {
    ++fired;
    loop_.Stop(id);  // Already finished: does nothing.
  });
  loop_.Run();
  EXPECT_EQ(fired, 1);
}

TEST_F(LoopTest, StoppingAnUnknownOrFinishedTimerIsHarmless) {
  loop_.Stop(0);
  loop_.Stop(12345);
  const Timers::Id id = loop_.Start(1000, false, [] {});
  loop_.Stop(id);
  loop_.Stop(id);
  EXPECT_EQ(loop_.active_timers(), 0u);
  loop_.Run();
}

TEST_F(LoopTest, StoppedTimerNeverFires) {
  bool fired = false;
  const Timers::Id id = loop_.Start(1, false, [&] { fired = true; });
  loop_.Stop(id);
  loop_.Run();
  EXPECT_FALSE(fired);
}

TEST_F(LoopTest, QuitMakesRunReturnWithTimersStillOpen) {
  int fired = 0;
  Timers::Id id = 0;
  id = loop_.Start(1, true, [&] {
    ++fired;
    if (fired == 2) loop_.Quit();
    if (fired > 2) loop_.Stop(id);  // Quit failed.
  });
  loop_.Run();
  EXPECT_EQ(fired, 2);
  // The repeating timer is still running; Close, in TearDown, closes it.
  EXPECT_EQ(loop_.active_timers(), 1u);
}

TEST_F(LoopTest, RunAfterQuitCarriesOn) {
  int fired = 0;
  Timers::Id id = 0;
  id = loop_.Start(1, true, [&] {
    ++fired;
    if (fired == 2) loop_.Quit();
    if (fired == 4) loop_.Stop(id);
    if (fired > 4) loop_.Quit();  // Stop failed.
  });
  loop_.Run();
  EXPECT_EQ(fired, 2);
  loop_.Run();
  EXPECT_EQ(fired, 4);
}

TEST_F(LoopTest, CloseIsIdempotent) {
  loop_.Start(1000, true, [] {});
  EXPECT_TRUE(loop_.Close());
  EXPECT_TRUE(loop_.Close());
}

// The handler is installed before the signal is raised, and raise() delivers it to this
// thread before returning, so the default action (ending the process) can never run.
TEST_F(LoopTest, SignalHandlerRunsOnSigterm) {
  int handled = 0;
  // An open signal handler keeps the loop running; this ends the run if it never fires.
  const Timers::Id watchdog = loop_.Start(10000, false, [&] { loop_.Quit(); });
  loop_.OnSignal(SIGTERM, [&] {
    ++handled;
    loop_.Stop(watchdog);
    loop_.Quit();
  });
  loop_.Start(0, false, [] { ASSERT_EQ(std::raise(SIGTERM), 0); });
  loop_.Run();
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(loop_.active_timers(), 0u);
}

}  // namespace
}  // namespace ggs
