#include "bots/proc_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

namespace ggs::bots {
namespace {

TEST(ProcStatsTest, SamplesThisProcess) {
  // Burn a little CPU so that the clock-tick resolution of /proc shows some.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  volatile unsigned long spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;
  Result<ProcessSample> s = SampleProcess(getpid());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_GT(s->rss_mb, 0);
  EXPECT_GE(s->hwm_mb, s->rss_mb);
  EXPECT_GE(s->cpu_s, 0);
  EXPECT_GT(SelfCpuSeconds(), 0);
}

TEST(ProcStatsTest, SamplesTheMachine) {
  Result<MachineSample> m = SampleMachine();
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_GT(m->cpus, 0);
  EXPECT_GT(m->user + m->system + m->idle, 0);
}

TEST(ProcStatsTest, ANonexistentProcessIsAnIoError) {
  Result<ProcessSample> s = SampleProcess(999999999);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsIo());
}

}  // namespace
}  // namespace ggs::bots
