// Tests of the kill-9 tolerance: which stored facts a kill may leave, and the model rebuilt
// from what the database holds.
#include "props/durability.h"

#include <gtest/gtest.h>

namespace ggs::props {
namespace {

Step HelloGame(int client, const std::string& game) {
  Step s = MakeStep(Op::kHello, client);
  s.mode = HelloMode::kGame;
  s.game = game;
  return s;
}

Step Command(int client, const std::string& command, const std::string& text) {
  Step s = MakeStep(Op::kGame, client);
  s.command = command;
  s.text = text;
  return s;
}

void Play(Model& m, const Step& s) { m = Predict(m, s).next; }

// Two players at a chat table; the first renames itself.
Model ChatTable() {
  Model m = InitialModel(ModelConfig{});
  Play(m, MakeStep(Op::kConnect, 0));
  Play(m, HelloGame(0, "chat"));
  Play(m, MakeStep(Op::kConnect, 1));
  Play(m, HelloGame(1, "chat"));
  Play(m, Command(0, "nick", "ann"));
  return m;
}

TEST(Durability, FactsNameTablesPlayersAndStoredKeys) {
  const Facts facts = DurableFacts(ChatTable());
  EXPECT_EQ(facts, (Facts{{"table#0", "defined"},
                          {"table#0 next_id", "3"},
                          {"table#0 nick:1", "ann"},
                          {"player#0", "table#0 id 1"},
                          {"player#1", "table#0 id 2"}}));
}

TEST(Durability, AKillMayKeepAnyStateFromTheLastCertainOneOn) {
  const std::vector<FactsRecord> records = {{0, {}},
                                            {10, {{"player#0", "table#0 id 1"}}},
                                            {20, {{"player#0", "table#0 id 1"}, {"k", "a"}}},
                                            {30, {{"player#0", "table#0 id 1"}, {"k", "b"}}}};
  // Everything up to 10 is certain: the player must be there, `k` may be anything written.
  EXPECT_TRUE(CheckDurable(records, 15, {{"player#0", "table#0 id 1"}}).ok());
  EXPECT_TRUE(CheckDurable(records, 15, {{"player#0", "table#0 id 1"}, {"k", "a"}}).ok());
  EXPECT_TRUE(CheckDurable(records, 15, {{"player#0", "table#0 id 1"}, {"k", "b"}}).ok());
  EXPECT_FALSE(CheckDurable(records, 15, {}).ok());  // The certain player is lost.
  // Invented: a value nobody wrote, or a fact no step made.
  EXPECT_FALSE(CheckDurable(records, 15, {{"player#0", "table#0 id 1"}, {"k", "c"}}).ok());
  EXPECT_FALSE(CheckDurable(records, 15, {{"player#0", "table#0 id 1"}, {"x", "a"}}).ok());
  // Once `b` is certain, `a` is too old.
  EXPECT_FALSE(CheckDurable(records, 35, {{"player#0", "table#0 id 1"}, {"k", "a"}}).ok());
  // Nothing certain but the start: even nothing is allowed.
  EXPECT_TRUE(CheckDurable(records, -5, {}).ok());
  const Status s = CheckDurable(records, 35, {{"player#0", "table#0 id 1"}});
  EXPECT_NE(s.message().find("k is '(absent)'"), std::string::npos) << s.message();
}

TEST(Durability, ReconcileTakesWhatTheDatabaseKept) {
  const Model before = ChatTable();
  const std::vector<std::string> players = {"p0", "p1"}, tables = {"t0"};
  StoredTable table;
  table.row.token = "t0";
  table.row.game_name = "chat";
  table.row.next_player_id = 2;  // The second player's seat was lost, and the nick.
  table.players = {{"p0", "t0", 1}};
  Result<Model> m = Reconcile(before, {table}, {players, tables});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_FALSE(m->players[0].gone);
  EXPECT_TRUE(m->players[1].gone);
  EXPECT_EQ(m->tables[0].seated, std::vector<int>{0});
  EXPECT_EQ(m->tables[0].next_id, 2);
  EXPECT_TRUE(m->tables[0].state.nicks.empty());
  for (const ClientModel& c : m->clients) EXPECT_FALSE(c.open);

  EXPECT_TRUE(Reconcile(before, {}, {players, tables})->tables[0].ended);
  table.players = {{"p9", "t0", 1}};
  EXPECT_FALSE(Reconcile(before, {table}, {players, tables}).ok());  // Nobody made p9.
  table.players = {{"p1", "t0", 1}};
  EXPECT_FALSE(Reconcile(before, {table}, {players, tables}).ok());  // p1 has id 2.
}

}  // namespace
}  // namespace ggs::props
