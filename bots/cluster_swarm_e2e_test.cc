// End to end: pong bots spread over a three-node cluster (`ggs bot-swarm --servers`), one
// node killed with SIGKILL under load. Every table it owned must answer again on a survivor
// with its state, and every bot must resume its seat there.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "bots/swarm.h"
#include "bots/swarm_report.h"
#include "core/redis_storage.h"
#include "testing/redis_process.h"
#include "testing/server_process.h"
#include "testing/temp_dir.h"

namespace ggs::bots {
namespace {

constexpr size_t kNodes = 3;
constexpr int64_t kBots = 12;  // Six pong tables.

class ClusterSwarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("ggs-cluster-swarm");
    ASSERT_TRUE(dir_->ok());
    Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(*redis);
    for (size_t i = 0; i < kNodes; ++i) {
      auto node = ServerProcess::StartServe(
          GGS_BINARY,
          {"--cluster", redis_->url(), "--lease-ms", "600", "--flush-ms", "20", "--games",
           std::string(GGS_SOURCE_DIR) + "/games", "--reconnect-grace", "60", "--event-budget-ms",
           "5000", "--max-table-lag-ms", "0"},
          dir_->File("node" + std::to_string(i) + ".log"));
      ASSERT_TRUE(node.ok()) << node.status().message();
      nodes_.push_back(std::move(*node));
    }
    Result<std::unique_ptr<Storage>> storage = RedisStorage::Open(redis_->url());
    ASSERT_TRUE(storage.ok());
    storage_ = std::move(*storage);
  }
  void TearDown() override {
    nodes_.clear();
    if (HasFailure()) dir_->Keep();
  }
  std::string address(size_t i) const { return "127.0.0.1:" + std::to_string(nodes_[i]->port()); }
  ClusterDirectory& directory() { return *static_cast<RedisStorage*>(storage_.get()); }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<RedisProcess> redis_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
  std::unique_ptr<Storage> storage_;
};

TEST_F(ClusterSwarmTest, PongBotsResumeOnTheSurvivorsWhenANodeIsKilled) {
  SwarmOptions o;
  for (size_t i = 0; i < kNodes; ++i) o.servers.push_back(address(i));
  o.bots = static_cast<size_t>(kBots);
  o.duration_s = 10;
  o.reconnect_timeout_s = 15;
  int64_t killed_at = -1;
  std::map<std::string, StoredTable> victims;  // The killed node's tables, as they were.
  bool checked = false;
  const std::set<std::string> survivors = {address(1), address(2)};
  // Checked while the bots still play (at the end of the run they leave, which ends tables).
  auto check = [&] {
    checked = true;
    // Each of the dead node's tables is owned by a survivor, with its players and its
    // localStorage (the sides) as they were, its world (the score) still there, and its tick
    // count past where it was: the rally went on.
    for (const auto& [token, before] : victims) {
      Result<std::vector<TableOwner>> owner = directory().Owners({token});
      ASSERT_TRUE(owner.ok());
      EXPECT_TRUE(survivors.contains((*owner)[0].node)) << (*owner)[0].node;
      EXPECT_GE((*owner)[0].epoch, 2u);
      Result<StoredTable> after = directory().LoadTable(token);
      ASSERT_TRUE(after.ok()) << after.status().ToString();
      for (const auto& [key, value] : before.local) {
        ASSERT_TRUE(after->local.contains(key)) << key;
        if (key.starts_with("side:")) {
          EXPECT_EQ(after->local.at(key), value) << key;
        }
      }
      // The game went on from where it was, not from the start.
      if (before.local.contains("tick")) {
        EXPECT_GT(std::stoll(after->local.at("tick")), std::stoll(before.local.at("tick")));
      }
      EXPECT_EQ(after->players.size(), before.players.size());
      for (const auto& [key, value] : before.world) EXPECT_TRUE(after->world.contains(key)) << key;
    }
  };
  o.on_second = [&](const SeriesPoint& p) {
    if (killed_at >= 0 && p.second == killed_at + 3) check();
    if (killed_at >= 0 || p.connected < kBots || p.second < 2) return;
    Result<std::vector<std::string>> owned = directory().OwnedBy(address(0));
    if (!owned.ok() || owned->empty()) return;  // Nothing to lose yet: wait a second.
    for (const std::string& token : *owned) {
      Result<StoredTable> table = directory().LoadTable(token);
      if (table.ok()) victims[token] = *table;
    }
    killed_at = p.second;
    nodes_[0]->Kill();
  };
  Result<SwarmReport> report = RunSwarm(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_GE(killed_at, 0) << "node 0 never owned a table while every bot was connected";
  ASSERT_FALSE(victims.empty());

  const ShardStats& s = report->stats;
  EXPECT_EQ(s.bots_connected, static_cast<size_t>(kBots));
  EXPECT_GT(s.reconnects, 0u);
  EXPECT_EQ(s.reconnect_failures, 0u);
  EXPECT_EQ(s.errors(), 0u) << SummaryTable(*report);
  bool carried_on = false;
  for (const SeriesPoint& p : report->series) {
    if (p.second > killed_at + 1 && p.connected == kBots && p.pongs > 0) carried_on = true;
  }
  EXPECT_TRUE(carried_on) << ReportJson(*report);

  EXPECT_TRUE(checked) << "the run ended before the check";
}

}  // namespace
}  // namespace ggs::bots
