// Tests of ChildProcesses and ProcessTree against real children of this test process.
#include "base/process_tree.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace ggs {
namespace {

// A child that waits for a signal; killed and reaped by the destructor.
class Child {
 public:
  Child() : pid_(fork()) {
    if (pid_ == 0) {
      for (;;) pause();
    }
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_;
};

bool Contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

TEST(ProcessTree, ListsTheChildrenOfThisProcess) {
  Child a, b;
  ASSERT_GT(a.pid(), 0);
  ASSERT_GT(b.pid(), 0);
  const std::vector<pid_t> children = ChildProcesses(getpid());
  EXPECT_TRUE(Contains(children, a.pid()));
  EXPECT_TRUE(Contains(children, b.pid()));
  EXPECT_TRUE(std::is_sorted(children.begin(), children.end()));
  EXPECT_TRUE(ChildProcesses(a.pid()).empty());
}

TEST(ProcessTree, StartsAtTheRootAndHoldsItsChildren) {
  Child a;
  ASSERT_GT(a.pid(), 0);
  const std::vector<pid_t> tree = ProcessTree(getpid());
  ASSERT_FALSE(tree.empty());
  EXPECT_EQ(tree.front(), getpid());
  EXPECT_TRUE(Contains(tree, a.pid()));
  EXPECT_EQ(ProcessTree(a.pid()), std::vector<pid_t>{a.pid()});
}

TEST(ProcessTree, AReapedChildIsNoLongerListed) {
  pid_t gone = 0;
  {
    Child a;
    gone = a.pid();
  }
  EXPECT_FALSE(Contains(ChildProcesses(getpid()), gone));
}

TEST(ProcessTree, ANonexistentProcessHasNoTree) {
  EXPECT_TRUE(ProcessTree(999999999).empty());
  EXPECT_TRUE(ChildProcesses(999999999).empty());
}

}  // namespace
}  // namespace ggs
