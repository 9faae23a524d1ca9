// Tests of E2eRun: the sizes a run asks for, scenario selection, and the echo ceiling beside
// each row, against real servers at the smoke run's sizes. They check what is reported,
// never how fast.
#include "bench/e2e_run.h"

#include <gtest/gtest.h>

namespace ggs::bench {
namespace {

TEST(E2eSizes, QuickShrinksEverythingAndDurabilityUsesTheMiddleBotCount) {
  const E2eSizes quick = E2eSizesFor(true, {500, 1000}, 30);
  const E2eSizes full = E2eSizesFor(false, {2000, 500, 1000}, 30);
  EXPECT_EQ(quick.bots, std::vector<size_t>{20});
  EXPECT_EQ(quick.durability_bots, 20u);
  EXPECT_LT(quick.recovery_tables, 100u);
  EXPECT_EQ(quick.worker_recovery_tables, std::vector<size_t>{10});
  EXPECT_LT(quick.neighbours, 50u);
  EXPECT_EQ(full.worker_recovery_tables, (std::vector<size_t>{10, 500}));
  EXPECT_EQ(full.boundary_workers, (std::vector<int>{0, 1, 2}));
  EXPECT_LE(quick.duration_s, 1);
  EXPECT_EQ(full.bots, (std::vector<size_t>{2000, 500, 1000}));
  EXPECT_EQ(full.durability_bots, 1000u);
  EXPECT_EQ(full.duration_s, 30);
  EXPECT_EQ(E2eSizesFor(false, {}, 30).durability_bots, 0u);
}

E2eOptions Quick(const std::string& filter) {
  E2eOptions o;
  o.binary = GGS_BINARY;
  o.filter = filter;
  o.sizes = E2eSizesFor(true, {}, 0);
  o.sizes.duration_s = 0.3;
  o.sizes.warmup_s = 0.1;
  return o;
}

TEST(E2eRun, AFilterThatSelectsNothingRunsNothing) {
  BenchReport report;
  E2eRun(Quick("^no-such-scenario$"), &report).Run();
  EXPECT_TRUE(report.e2e.empty());
  EXPECT_TRUE(report.failures.empty());
  EXPECT_FALSE(report.recovery.has_value());
}

TEST(E2eRun, WritesGetTheirCeilingAndADurabilityPair) {
  BenchReport report;
  E2eRun(Quick("^writes$"), &report).Run();
  ASSERT_TRUE(report.failures.empty()) << report.failures.front();
  std::vector<std::string> scenarios;
  for (const E2eRow& r : report.e2e) scenarios.push_back(r.scenario);
  // The ceiling is measured once, before the first row at its connection count.
  EXPECT_EQ(scenarios, (std::vector<std::string>{"echo", "writes_memory", "writes_file_db"}));
  const E2eRow& echo = report.e2e[0];
  for (const E2eRow& r : report.e2e) {
    EXPECT_EQ(r.connections, echo.connections);
    EXPECT_EQ(r.ceiling_msgs_per_s, echo.ceiling_msgs_per_s);
    EXPECT_GT(r.msgs_per_s(), 0);
  }
  ASSERT_EQ(report.durability.size(), 1u);
  EXPECT_EQ(report.durability[0].scenario, "writes");
}

TEST(E2eRun, RecoveryResumesEveryTable) {
  BenchReport report;
  E2eRun(Quick("^recovery$"), &report).Run();
  ASSERT_TRUE(report.failures.empty()) << report.failures.front();
  ASSERT_TRUE(report.recovery.has_value());
  EXPECT_GT(report.recovery->tables, 0u);
  EXPECT_EQ(report.recovery->answered, report.recovery->tables);
}

TEST(E2eRun, WorkerRowsRunTheWritesLoadAtEachWorkersCount) {
  BenchReport report;
  E2eRun(Quick("^workers$"), &report).Run();
  ASSERT_TRUE(report.failures.empty()) << report.failures.front();
  std::vector<std::string> scenarios;
  std::vector<int> workers;
  for (const E2eRow& r : report.e2e) {
    scenarios.push_back(r.scenario);
    workers.push_back(r.workers);
  }
  EXPECT_EQ(scenarios, (std::vector<std::string>{"echo", "writes_workers_0", "writes_workers_1",
                                                 "writes_workers_2"}));
  EXPECT_EQ(workers, (std::vector<int>{-1, 0, 1, 2}));
}

TEST(E2eRun, WorkerRecoveryReportsEveryTableRecovered) {
  BenchReport report;
  E2eRun(Quick("worker_recovery"), &report).Run();
  ASSERT_TRUE(report.failures.empty()) << report.failures.front();
  ASSERT_EQ(report.worker_recovery.size(), 1u);
  EXPECT_EQ(report.worker_recovery[0].tables, 10u);
  EXPECT_TRUE(report.worker_recovery[0].all_recovered());
  EXPECT_FALSE(report.recovery.has_value());  // The restart scenario is another one.
}

}  // namespace
}  // namespace ggs::bench
