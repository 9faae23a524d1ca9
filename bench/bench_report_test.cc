// BenchReport: the ratios, and the JSON document's shape (every scenario carries its own
// throughput, the ceiling's and their ratio).
#include "bench/bench_report.h"

#include <gtest/gtest.h>

namespace ggs::bench {
namespace {

DurabilityFigures Durability(const char* scenario, double memory, double file) {
  DurabilityFigures d;
  d.scenario = scenario;
  d.connections = 8;
  d.memory_msgs_per_s = memory;
  d.file_msgs_per_s = file;
  return d;
}

BenchReport SampleReport() {
  BenchReport report;
  report.command = "ggs bench --quick";
  report.cores = 2;
  report.micro.push_back(MicroResult{.name = "BM_ParseWhole",
                                     .iterations = 10,
                                     .real_ns = 100,
                                     .cpu_ns = 90,
                                     .bytes_per_s = 1e9,
                                     .items_per_s = 1e7,
                                     .error = ""});
  E2eRow echo;
  echo.scenario = "echo";
  echo.connections = 10;
  echo.msgs_in_per_s = echo.msgs_out_per_s = 500;
  echo.ceiling_msgs_per_s = 1000;
  E2eRow pong = echo;
  pong.scenario = "pong";
  pong.msgs_in_per_s = 600;
  pong.msgs_out_per_s = 200;
  report.e2e = {echo, pong};
  report.durability.push_back(Durability("writes", 1000, 900));
  report.recovery = RecoveryFigures{
      .tables = 5, .answered = 5, .create_s = 0.1, .accepting_s = 0.2, .serving_s = 0.3};
  report.worker_recovery.push_back(WorkerRecoveryFigures{
      .tables = 10, .ready = 10, .recovered = 10, .p50_ms = 12, .max_ms = 40});
  report.worker_recovery.push_back(WorkerRecoveryFigures{
      .tables = 500, .ready = 500, .recovered = 500, .p50_ms = 60, .max_ms = 150});
  NeighbourFigures n;
  n.neighbours = n.ready = 50;
  n.workers = 2;
  n.window_s = 1;
  n.quiet = {.round_trips = 1000, .p50_ms = 0.2, .p99_ms = 0.9, .max_ms = 2};
  n.looping = {.round_trips = 800, .p50_ms = 0.3, .p99_ms = 95, .max_ms = 130};
  n.heavy = {.round_trips = 900, .p50_ms = 0.4, .p99_ms = 12.5, .max_ms = 14};
  n.heavy_callbacks = 150;
  n.kills = 7;
  report.neighbour = n;
  return report;
}

TEST(E2eRow, RatioIsThroughputOverCeiling) {
  E2eRow row;
  row.msgs_in_per_s = 600;
  row.msgs_out_per_s = 200;
  row.ceiling_msgs_per_s = 1000;
  EXPECT_DOUBLE_EQ(row.ratio(), 0.8);
}

TEST(E2eRow, RatioWithoutCeilingIsZero) {
  E2eRow row;
  row.msgs_in_per_s = 600;
  EXPECT_EQ(row.ratio(), 0);
}

TEST(DurabilityFigures, CostIsOneMinusFileOverMemory) {
  DurabilityFigures d = Durability("pong", 1000, 850);
  EXPECT_DOUBLE_EQ(d.ratio(), 0.85);
  EXPECT_NEAR(d.cost(), 0.15, 1e-12);
  EXPECT_EQ(d.cpu_ratio(), 0);  // No CPU figures.
}

TEST(DurabilityFigures, CpuRatioComparesMessagesPerServerCpuSecond) {
  DurabilityFigures d = Durability("writes", 1000, 600);
  d.memory_server_cpu_cores = 1.0;
  d.file_server_cpu_cores = 0.5;
  EXPECT_DOUBLE_EQ(d.cpu_ratio(), 1.2);
}

TEST(E2eRow, CpuRatioComparesMessagesPerServerCpuSecond) {
  E2eRow row;
  row.msgs_in_per_s = 100;
  row.server_cpu_cores = 0.5;
  row.ceiling_msgs_per_cpu_s = 1000;
  EXPECT_DOUBLE_EQ(row.msgs_per_cpu_s(), 200);
  EXPECT_DOUBLE_EQ(row.cpu_ratio(), 0.2);
  row.server_cpu_cores = -1;
  EXPECT_EQ(row.cpu_ratio(), 0);
}

TEST(E2eRow, ServerCpuPerMessageIsCoresOverMessages) {
  E2eRow row;
  row.msgs_in_per_s = 1000;
  row.msgs_out_per_s = 1000;
  row.server_cpu_cores = 0.5;
  EXPECT_DOUBLE_EQ(row.server_cpu_us_per_msg(), 250);
  row.server_cpu_cores = -1;
  EXPECT_EQ(row.server_cpu_us_per_msg(), -1);
}

TEST(WorkerRecoveryFigures, AllRecoveredNeedsEveryTableAnsweredWithoutLoss) {
  WorkerRecoveryFigures r{.tables = 3, .ready = 3, .recovered = 3};
  EXPECT_TRUE(r.all_recovered());
  r.dropped = 1;
  r.recovered = 2;
  EXPECT_FALSE(r.all_recovered());
  EXPECT_FALSE((WorkerRecoveryFigures{.tables = 3, .ready = 2, .recovered = 2}).all_recovered());
}

TEST(RenderJson, HasTheWorkerScenarios) {
  std::string json = RenderJson(SampleReport());
  for (const char* key : {"\"worker_recovery\"", "\"recovered\": 500", "\"max_ms\": 150",
                          "\"neighbour\"", "\"quiet\"", "\"looping\"", "\"p99_ms\": 95",
                          "\"kills\": 7", "\"heavy\"", "\"heavy_callbacks\": 150", "\"workers\"",
                          "\"server_cpu_us_per_msg\"", "\"target_ms\": 100"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " missing from\n" << json;
  }
}

TEST(RenderTable, TheWorkerRecoveryTargetIsJudgedAtTheMostTables) {
  // 150 ms at 500 tables misses the target although 10 tables made it in 40 ms.
  std::string table = RenderTable(SampleReport());
  EXPECT_NE(table.find("150.00 ms at 500 tables, 500/500 recovered  NOT met"), std::string::npos)
      << table;
}

TEST(RenderJson, EveryScenarioCarriesThroughputCeilingAndRatio) {
  std::string json = RenderJson(SampleReport());
  for (const char* key :
       {"\"micro\"", "\"e2e\"", "\"durability\"", "\"recovery\"", "\"failures\"", "\"msgs_per_s\"",
        "\"ceiling_msgs_per_s\"", "\"ratio_to_ceiling\": 0.8", "\"ratio_per_server_cpu\"",
        "\"serving_s\"", "\"cost\"", "\"items_per_s\"", "\"BM_ParseWhole\"", "\"targets\"",
        "\"best_ratio\": 0.8", "\"ratio_per_server_cpu\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " missing from\n" << json;
  }
}

TEST(BestPong, IsTheHighestPongRatio) {
  BenchReport report = SampleReport();
  E2eRow more = report.e2e[1];
  more.connections = 20;
  more.msgs_in_per_s = 850;
  report.e2e.push_back(more);
  std::optional<PongBest> best = BestPong(report);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->bots, 20u);
  EXPECT_DOUBLE_EQ(best->ratio, 1.05);
}

TEST(RenderTable, ShowsEverySection) {
  std::string table = RenderTable(SampleReport());
  for (const char* part :
       {"Micro benchmarks", "End to end", "Durability cost", "Start-up and recovery", "Targets",
        "BM_ParseWhole", "pong", "0.80", "Worker recovery", "Neighbours of a runaway table",
        "beside runaway", "7 budget kills", "beside heavy", "150 heavy callbacks"}) {
    EXPECT_NE(table.find(part), std::string::npos) << part << " missing from\n" << table;
  }
}

}  // namespace
}  // namespace ggs::bench
