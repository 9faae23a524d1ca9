// Tests of the progress page: two mappings of one page are the same memory, as the worker's
// and the supervisor's are.
#include "core/worker_progress.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace ggs {
namespace {

TEST(WorkerProgressTest, TwoMappingsOfOnePageShareTheirFields) {
  Result<int> fd = CreateProgressPage();
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  Result<WorkerProgress*> writer = MapProgressPage(*fd);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  Result<WorkerProgress*> reader = MapProgressPage(*fd);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ::close(*fd);
  EXPECT_EQ((*reader)->running_seq.load(), 0u);
  (*writer)->started_ns.store(MonotonicNs());
  (*writer)->running_seq.store(42);
  EXPECT_EQ((*reader)->running_seq.load(), 42u);
  EXPECT_EQ((*reader)->started_ns.load(), (*writer)->started_ns.load());
  UnmapProgressPage(*writer);
  UnmapProgressPage(*reader);
}

TEST(WorkerProgressTest, MappingABadDescriptorFails) {
  Result<WorkerProgress*> page = MapProgressPage(-1);
  EXPECT_FALSE(page.ok());
}

TEST(WorkerProgressTest, TheClockMovesForward) {
  const uint64_t a = MonotonicNs();
  EXPECT_LE(a, MonotonicNs());
}

}  // namespace
}  // namespace ggs
