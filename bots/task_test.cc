#include "bots/task.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ggs::bots {
namespace {

// An awaitable that parks the awaiting coroutine until the test resumes it, standing in
// for a libuv callback.
struct Gate {
  std::coroutine_handle<> waiter;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiter = h; }
  void await_resume() const noexcept {}
  void Open() { std::exchange(waiter, {}).resume(); }
};

Task<int> Add(int a, int b) { co_return a + b; }

Task<std::string> Waits(Gate& gate, std::vector<std::string>& log) {
  log.push_back("before");
  co_await gate;
  log.push_back("after");
  co_return "done";
}

Task<> Outer(Gate& gate, std::vector<std::string>& log, int& sum) {
  sum = co_await Add(2, 3);
  log.push_back(co_await Waits(gate, log));
  sum += co_await Add(10, 0);
}

TEST(TaskTest, IsLazyUntilStarted) {
  Gate gate;
  std::vector<std::string> log;
  int sum = 0;
  Task<> task = Outer(gate, log, sum);
  EXPECT_TRUE(log.empty());
  EXPECT_FALSE(task.done());
  task.Start();
  EXPECT_EQ(sum, 5);
  EXPECT_EQ(log, std::vector<std::string>{"before"});
  EXPECT_FALSE(task.done());
}

TEST(TaskTest, ResumesTheAwaiterWithTheValue) {
  Gate gate;
  std::vector<std::string> log;
  int sum = 0;
  Task<> task = Outer(gate, log, sum);
  task.Start();
  gate.Open();
  EXPECT_TRUE(task.done());
  EXPECT_EQ(log, (std::vector<std::string>{"before", "after", "done"}));
  EXPECT_EQ(sum, 15);
}

TEST(TaskTest, DestroyingASuspendedTaskFreesItsFrames) {
  // Run under ASan, this checks that the nested frames are freed without leaks.
  Gate gate;
  std::vector<std::string> log;
  int sum = 0;
  {
    Task<> task = Outer(gate, log, sum);
    task.Start();
  }
  EXPECT_EQ(log, std::vector<std::string>{"before"});
}

Task<long long> Count(int n) {
  long long total = 0;
  for (int i = 0; i < n; ++i) total += co_await Add(i, 0);
  co_return total;
}

TEST(TaskTest, LongChainsOfSynchronousAwaitsDoNotGrowTheStack) {
  long long result = 0;
  auto run = [&]() -> Task<> { result = co_await Count(1000000); };
  Task<> task = run();
  task.Start();
  EXPECT_TRUE(task.done());
  EXPECT_EQ(result, 499999500000LL);
}

}  // namespace
}  // namespace ggs::bots
