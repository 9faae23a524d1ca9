// The worker scenarios against real servers with real worker processes, at tiny sizes:
// every table of a killed worker answers again and no connection drops; a runaway table
// gets its worker killed while its neighbours keep their round trips; the writes load runs
// at every --workers. They check what happened, never how fast.
#include "bench/worker_scenarios.h"

#include <gtest/gtest.h>

#include "bench/scenario_test_support.h"
#include "bench/scenarios.h"

namespace ggs::bench {
namespace {

class WorkerScenariosTest : public TinyScenarioTest {};

TEST_F(WorkerScenariosTest, EveryTableOfAKilledWorkerAnswersAndNoConnectionDrops) {
  Result<WorkerRecoveryFigures> r = RunWorkerRecovery(context_, 6);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tables, 6u);
  EXPECT_EQ(r->ready, 6u);
  EXPECT_EQ(r->recovered, 6u);
  EXPECT_EQ(r->errors, 0u);
  EXPECT_EQ(r->dropped, 0u);
  EXPECT_TRUE(r->all_recovered());
  EXPECT_GE(r->max_ms, r->p50_ms);
  EXPECT_GE(r->p50_ms, 0);
}

TEST_F(WorkerScenariosTest, ARunawayTableGetsItsWorkerKilledAndItsNeighboursKeepGoing) {
  // Long enough for several budget kills (100 ms each) even on a busy machine.
  context_.duration_s = 2;
  Result<NeighbourFigures> n = RunNeighbour(context_, 3);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->neighbours, 3u);
  EXPECT_EQ(n->ready, 3u);
  EXPECT_EQ(n->workers, 2);
  EXPECT_GE(n->kills, 1u);
  EXPECT_EQ(n->runaway_other_errors, 0u);  // --restart-limit keeps the runaway table open.
  EXPECT_EQ(n->errors, 0u);
  EXPECT_EQ(n->dropped, 0u);
  EXPECT_GT(n->quiet.round_trips, 0u);
  EXPECT_GT(n->looping.round_trips, 0u);
  EXPECT_GT(n->heavy.round_trips, 0u);
  EXPECT_GE(n->heavy_callbacks, 1u);
  EXPECT_GE(n->looping.p99_ms, n->looping.p50_ms);
}

TEST_F(WorkerScenariosTest, WritesRunInProcessAndThroughWorkers) {
  for (int workers : {0, 1}) {
    SCOPED_TRACE(workers);
    const std::string name = "writes_workers_" + std::to_string(workers);
    Result<E2eRow> row = RunWrites(context_, 2, Db::kMemory, workers, name);
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    EXPECT_EQ(row->scenario, name);
    EXPECT_EQ(row->workers, workers);
    EXPECT_EQ(row->failed, 0u);
    EXPECT_EQ(row->errors, 0u);
    EXPECT_GT(row->msgs_in_per_s, 0);
    EXPECT_GE(row->server_cpu_cores, 0);
  }
}

}  // namespace
}  // namespace ggs::bench
