// TablePlayers against a real `ggs serve --workers 0` with the benchmark games: players are
// seated, answer together, loop and keep a pace; a hello the server refuses leaves its
// player out.
#include "bench/table_players.h"

#include <gtest/gtest.h>

#include "bench/scenario_context.h"
#include "bots/run_clock.h"
#include "core/protocol.h"

namespace ggs::bench {
namespace {

class TablePlayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<ScenarioContext> c = MakeContext(GGS_BINARY);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    context_ = *c;
    Result<std::unique_ptr<ServerProcess>> s =
        StartServer(context_, ServeArgs(context_, Db::kMemory, "players", 0));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    Result<std::unique_ptr<TablePlayers>> p = TablePlayers::Create(server_->port());
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    players_ = std::move(*p);
  }
  static std::string Solo() { return HelloBytes(header::kGame, "solo"); }
  static std::string Say() { return Encode(GameCommand("say", "hi")); }

  ScenarioContext context_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<TablePlayers> players_;
};

TEST_F(TablePlayersTest, SeatedPlayersAllAnswer) {
  EXPECT_EQ(players_->Join(4, Solo(), Say()), 4u);
  const uint64_t since = bots::NowUs();
  TablePlayers::Answers a = players_->AskAll(Say(), since, 10000000);
  EXPECT_EQ(a.reply_us.size(), 4u);
  EXPECT_EQ(a.errors, 0u);
  EXPECT_EQ(a.dropped, 0u);
  EXPECT_EQ(players_->ready(), 4u);
}

TEST_F(TablePlayersTest, AHelloTheServerRefusesLeavesThePlayerOut) {
  EXPECT_EQ(players_->Join(2, Solo(), ""), 2u);
  EXPECT_EQ(players_->Join(1, HelloBytes(header::kGame, "no-such-game"), ""), 2u);
  EXPECT_EQ(players_->ready(), 2u);
}

TEST_F(TablePlayersTest, AClosedLoopCountsEveryRoundTrip) {
  ASSERT_EQ(players_->Join(3, Solo(), ""), 3u);
  TablePlayers::LoopFigures f = players_->Loop(Say(), bots::NowUs() + 200000);
  EXPECT_GE(f.rtt.count(), 3u);
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(f.dropped, 0u);
}

TEST_F(TablePlayersTest, APacedLoadAnswersEveryPlayerOnSchedule) {
  ASSERT_EQ(players_->Join(3, Solo(), ""), 3u);
  // A 20 ms period over 200 ms: every player's first command is due within the window.
  TablePlayers::LoopFigures f = players_->Paced(Say(), 20000, bots::NowUs() + 200000);
  EXPECT_GE(f.rtt.count(), 3u);
  EXPECT_TRUE(f.errors.empty());
  EXPECT_EQ(f.dropped, 0u);
  EXPECT_EQ(players_->ready(), 3u);
}

}  // namespace
}  // namespace ggs::bench
