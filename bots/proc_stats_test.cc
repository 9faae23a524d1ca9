#include "bots/proc_stats.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
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

// Spins until this process has used `s` seconds of CPU (not of wall time, so that a busy
// machine only makes it take longer).
void SpinCpu(double s) {
  volatile unsigned long spin = 0;
  timespec now{};
  do {
    for (int i = 0; i < 100000; ++i) spin = spin + 1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  } while (static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9 < s);
}

TEST(ProcStatsTest, TheTreeAddsALiveChildsMemory) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // 64 MB, touched so that it is resident; then wait to be killed.
    constexpr size_t kSize = size_t{64} << 20;
    // Volatile writes, one per page, so that the compiler cannot drop them.
    volatile char* block = new char[kSize];
    for (size_t i = 0; i < kSize; i += 4096) block[i] = 1;
    (void)!write(ready[1], "x", 1);
    for (;;) pause();
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  Result<ProcessSample> self = SampleProcess(getpid());
  Result<ProcessSample> tree = SampleProcessTree(getpid());
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
  ASSERT_TRUE(self.ok() && tree.ok());
  EXPECT_GE(tree->rss_mb, self->rss_mb + 60);
  EXPECT_GE(tree->hwm_mb, tree->rss_mb);
}

TEST(ProcStatsTest, TheTreeKeepsTheCpuOfAReapedChild) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    SpinCpu(0.2);
    _exit(0);
  }
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  // The child's CPU now counts in this process's cutime: in the tree, not in the process.
  Result<ProcessSample> self = SampleProcess(getpid());
  Result<ProcessSample> tree = SampleProcessTree(getpid());
  ASSERT_TRUE(self.ok() && tree.ok());
  EXPECT_GE(tree->cpu_s, self->cpu_s + 0.1);
}

TEST(ProcStatsTest, ANonexistentTreeIsAnIoError) {
  EXPECT_TRUE(SampleProcessTree(999999999).status().IsIo());
}

}  // namespace
}  // namespace ggs::bots
