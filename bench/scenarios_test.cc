// The end-to-end machinery against real processes, at tiny sizes: the echo ceiling's
// server and load client, the counter game under load, and a restart that resumes every
// table. These check behaviour (counts add up, nothing fails), never speed.
#include "bench/scenarios.h"

#include <gtest/gtest.h>

#include "bench/echo_server.h"
#include "bench/load_client.h"
#include "bench/micro.h"
#include "bench/scenario_test_support.h"
#include "testing/server_process.h"

namespace ggs::bench {
namespace {

class ScenariosTest : public TinyScenarioTest {};

TEST(RunLoad, RefusesALoadWithoutConnections) {
  LoadOptions o;
  o.connections = 0;
  o.message = "x";
  EXPECT_EQ(RunLoad(o).status().code(), "bad_options");
}

TEST(RunLoad, EchoRepliesMatchWhatWasSent) {
  Result<std::unique_ptr<ServerProcess>> echo =
      ServerProcess::Start(GGS_BINARY, [](int port) { return EchoServerArgs(port); });
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  LoadOptions o;
  o.port = (*echo)->port();
  o.connections = 4;
  o.message = StatePacketBytes();
  o.window = 2;
  o.warmup_s = 0.1;
  o.duration_s = 0.3;
  o.server_pid = (*echo)->pid();
  Result<LoadFigures> f = RunLoad(o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->connections, 4u);
  EXPECT_EQ(f->failed, 0u);
  EXPECT_GT(f->msgs_in, 0u);
  // Closed loop: every reply is answered by one more message, so in the window the two
  // counts differ by at most what was in flight at its edges.
  EXPECT_LE(f->msgs_out, f->msgs_in + o.connections * o.window);
  EXPECT_LE(f->msgs_in, f->msgs_out + o.connections * o.window);
  EXPECT_GE(f->server_cpu_s, 0);
}

// Open loop: each connection sends at the rate asked, whatever comes back, and the echo
// server returns every message. The window is 1.5 s so that a late timer on a busy
// machine (the pacer catches up on what is due) does not move the count much.
TEST(RunLoad, PacedLoadSendsAtItsRateAndGetsEveryMessageBack) {
  Result<std::unique_ptr<ServerProcess>> echo =
      ServerProcess::Start(GGS_BINARY, [](int port) { return EchoServerArgs(port); });
  ASSERT_TRUE(echo.ok()) << echo.status().ToString();
  LoadOptions o;
  o.port = (*echo)->port();
  o.connections = 5;
  o.message = StatePacketBytes();
  o.rate_hz = 40;  // 200 messages a second in all.
  o.warmup_s = 0.2;
  o.duration_s = 1.5;
  Result<LoadFigures> f = RunLoad(o);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->connections, 5u);
  const double out_per_s = static_cast<double>(f->msgs_out) / f->window_s;
  EXPECT_GT(out_per_s, 200 * 0.7);
  EXPECT_LT(out_per_s, 200 * 1.3);  // A closed loop would send thousands.
  // What was in flight at the window's edges: a few messages.
  EXPECT_LE(f->msgs_in, f->msgs_out + 10);
  EXPECT_GE(f->msgs_in + 10, f->msgs_out);
}

TEST(RunLoad, NoServerMeansNoConnections) {
  LoadOptions o;
  o.port = 1;  // Nothing listens on port 1 of 127.0.0.1 here.
  o.connections = 2;
  o.message = "x";
  EXPECT_TRUE(RunLoad(o).status().IsIo());
}

TEST_F(ScenariosTest, WritesGetOneWorldSetPerCommandWithoutErrors) {
  Result<E2eRow> row = RunWrites(context_, 3, Db::kFile);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->failed, 0u);
  EXPECT_EQ(row->errors, 0u);
  EXPECT_GT(row->msgs_in_per_s, 0);
  EXPECT_EQ(row->scenario, "writes_file_db");
}

TEST_F(ScenariosTest, PacedEchoRowCarriesItsConnectionsAndServerCpu) {
  Result<E2eRow> row = RunPacedEcho(context_, 3);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->scenario, "echo_paced");
  EXPECT_EQ(row->connections, 3u);
  EXPECT_EQ(row->failed, 0u);
  EXPECT_GT(row->msgs_in_per_s, 0);
  EXPECT_GE(row->server_cpu_cores, 0);
}

TEST_F(ScenariosTest, PongRowHasSwarmFigures) {
  Result<E2eRow> row = RunPong(context_, 4, Db::kMemory);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->failed, 0u);
  EXPECT_GT(row->msgs_in_per_s, 0);
  EXPECT_GE(row->rtt_p50_ms, 0);
  EXPECT_GE(row->server_rss_mb, 0);
}

TEST_F(ScenariosTest, EveryTableAnswersAfterARestart) {
  Result<RecoveryFigures> r = RunRecovery(context_, 12);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tables, 12u);
  EXPECT_EQ(r->answered, 12u);
  EXPECT_GE(r->serving_s, r->accepting_s);
}

}  // namespace
}  // namespace ggs::bench
