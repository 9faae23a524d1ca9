// Tests of Table on its VmLink: a link that answers at once (LocalVmLink) and one that
// answers later, as a worker process does, with a manual clock, recording peers and an
// in-memory database.
#include "core/table.h"

#include <gtest/gtest.h>

#include "core/sqlite_storage.h"
#include "testing/deferred_link.h"
#include "testing/manual_timers.h"
#include "testing/recording_peer.h"

namespace ggs {
namespace {

constexpr char kGame[] = R"JS(
var seats = 3;
function playerJoined(id) { GGS.sendCommandToAll('joined', String(id)); }
function playerCommand(id, c, a) {
  if (c === 'set') { GGS.world.setItem('k', a); GGS.localStorage.setItem('l', a); }
  else if (c === 'boom') { GGS.world.setItem('k', 'lost'); throw new Error('boom'); }
  else if (c === 'spin') { GGS.world.setItem('k', 'spun'); for (;;) {} }
  else if (c === 'later') GGS.setTimeout(function () { GGS.sendCommandToAll('rang', a); }, 10);
  else if (c === 'every') GGS.setInterval(function () { GGS.sendCommandToAll('tick', a); }, 10);
  else GGS.sendCommand(id, 'echo', a);
}
)JS";

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::move(SqliteStorage::Open(":memory:").value());
    store_ = std::make_unique<WriteBehind>(storage_.get());
  }
  std::unique_ptr<Table> MakeTable(VmLink* link, int restart_limit = 3, uint64_t max_lag_ms = 0) {
    TableRow row;
    row.token = "t1";
    row.game_name = "g";
    auto table = std::make_unique<Table>(
        1, row,
        Table::Deps{&timers_, store_.get(), link, {}, restart_limit, 60000, max_lag_ms, &metrics_});
    table->Persist();
    return table;
  }
  // Defines the table's game; returns the verdict's code ("pending" until it comes, "" when ok).
  std::shared_ptr<std::string> Define(Table& table, const std::string& source) {
    auto verdict = std::make_shared<std::string>("pending");
    table.Define(source, 1, [verdict](Status s) { *verdict = s.code(); });
    return verdict;
  }
  // Seats a player with `peer`; `player` must outlive the table's use of it.
  void Seat(Table& table, Player& player, RecordingPeer& peer, const std::string& token) {
    player.token = token;
    player.peer = &peer;
    ASSERT_TRUE(table.Join(&player).ok());
  }

  // A defined table on a DeferredLink with player a (and b) seated, every reply delivered and
  // every packet so far taken. The table goes first, before what it points to.
  struct Game {
    DeferredLink link;
    Player a, b;
    RecordingPeer pa, pb;
    std::unique_ptr<Table> table;
  };
  std::unique_ptr<Game> DeferredGame(int players, int restart_limit = 3, uint64_t max_lag_ms = 0) {
    auto g = std::make_unique<Game>();
    g->table = MakeTable(&g->link, restart_limit, max_lag_ms);
    Define(*g->table, kGame);
    Seat(*g->table, g->a, g->pa, "pa");
    if (players > 1) Seat(*g->table, g->b, g->pb, "pb");
    g->link.DeliverAll();
    g->pa.Take();
    g->pb.Take();
    return g;
  }

  // What the tables counted: the series of kind `kind` of family `name`.
  uint64_t Count(const char* name, const char* kind) {
    return registry_.GetCounter(name, "", {{"kind", kind}})->value();
  }
  uint64_t Timed(const char* kind) {
    return registry_
        .GetHistogram("ggs_event_duration_seconds", "", DurationBuckets(), {{"kind", kind}})
        ->count();
  }

  MetricRegistry registry_;
  CounterByLabel errors_{&registry_, "ggs_errors_sent_total", "", "error_code"};
  Table::Metrics metrics_ = Table::Metrics::Register(&registry_, &errors_);
  ManualTimers timers_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteBehind> store_;
};

TEST_F(TableTest, ALocalLinkAnswersBeforeTheCallReturns) {
  LocalVmLink link;
  auto table = MakeTable(&link);
  Define(*table, kGame);
  EXPECT_EQ(table->seats(), 3);
  Player a;
  RecordingPeer pa;
  Seat(*table, a, pa, "pa");
  EXPECT_EQ(pa.Take(), std::vector<std::string>{"joined 1"});
  ASSERT_TRUE(table->Command(&a, "set", "v").ok());
  EXPECT_EQ(*table->world().Get("k"), "v");
  EXPECT_EQ(*table->local().Get("l"), "v");
  EXPECT_EQ(pa.Take(), std::vector<std::string>{"world_set k=v"});
  // The failure is the caller's to answer (the dispatcher does); nothing reached the peer.
  Status boom = table->Command(&a, "boom", "");
  EXPECT_EQ(boom.code(), error::kScriptError);
  EXPECT_TRUE(pa.Take().empty());
  EXPECT_EQ(*table->world().Get("k"), "v");
  // Every answered event is counted and timed by kind; the caller counts the error it sends.
  EXPECT_EQ(Count("ggs_events_total", "open"), 1u);
  EXPECT_EQ(Count("ggs_events_total", "joined"), 1u);
  EXPECT_EQ(Count("ggs_events_total", "command"), 2u);
  EXPECT_EQ(Timed("command"), 2u);
  EXPECT_EQ(Count("ggs_script_errors_total", "command"), 1u);
  EXPECT_EQ(errors_.value(error::kScriptError), 0u);
}

TEST_F(TableTest, ALaterReplyIsAppliedWhenItComes) {
  DeferredLink link;
  auto table = MakeTable(&link);
  std::shared_ptr<std::string> verdict = Define(*table, kGame);  // Sent; not answered yet.
  EXPECT_TRUE(table->defining());
  EXPECT_FALSE(table->defined());
  EXPECT_EQ(*verdict, "pending");
  link.DeliverAll();
  EXPECT_EQ(*verdict, "");
  EXPECT_TRUE(table->defined());
  EXPECT_TRUE(table->built());
  EXPECT_EQ(table->seats(), 3);
  Player a, b;
  RecordingPeer pa, pb;
  Seat(*table, a, pa, "pa");
  link.DeliverAll();
  Seat(*table, b, pb, "pb");
  link.DeliverAll();
  EXPECT_EQ(pa.Take(), (std::vector<std::string>{"joined 1", "joined 2"}));
  EXPECT_EQ(pb.Take(), std::vector<std::string>{"joined 2"});

  ASSERT_TRUE(table->Command(&a, "set", "v").ok());
  EXPECT_EQ(table->world().Get("k"), nullptr);  // Not before the reply.
  link.DeliverAll();
  EXPECT_EQ(*table->world().Get("k"), "v");
  EXPECT_EQ(pb.Take(), std::vector<std::string>{"world_set k=v"});
  ASSERT_TRUE(store_->Flush().ok());
  Result<std::vector<StoredTable>> stored = storage_->LoadTables();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->at(0).world.at("k"), "v");
  EXPECT_EQ(stored->at(0).local.at("l"), "v");
}

TEST_F(TableTest, ALaterFailureIsAnsweredToThePlayerWhoCausedIt) {
  auto g = DeferredGame(2);
  EXPECT_TRUE(g->table->Command(&g->b, "boom", "").ok());
  EXPECT_TRUE(g->table->Command(&g->a, "echo", "x").ok());
  g->link.DeliverAll();
  const std::vector<std::string> got = g->pb.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rfind("error script_error ", 0), 0u) << got[0];
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"echo x"});  // The next event is unharmed.
  EXPECT_EQ(g->table->world().Get("k"), nullptr);               // The failed write never happened.
  EXPECT_EQ(errors_.value(error::kScriptError), 1u);  // The table sent it: the table counted it.
  EXPECT_EQ(Count("ggs_script_errors_total", "command"), 1u);
  EXPECT_EQ(Count("ggs_events_total", "command"), 2u);
  EXPECT_EQ(Timed("command"), 2u);  // From sending to the late reply's application.
}

TEST_F(TableTest, TimersFireThroughTheLink) {
  auto g = DeferredGame(1);
  ASSERT_TRUE(g->table->Command(&g->a, "later", "ding").ok());
  g->link.DeliverAll();
  g->pa.Take();
  EXPECT_EQ(timers_.size(), 1u);
  timers_.Advance(10);
  EXPECT_EQ(g->link.queued(), 1u);  // The timer's event, on its way to the VM.
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"rang ding"});
  EXPECT_EQ(timers_.size(), 0u);
}

// A VM that falls behind its clock gets fewer ticks, not a backlog: a repeating timer's
// next firing is skipped while the one before is unanswered.
TEST_F(TableTest, ARepeatingTimerSkipsWhileItsLastFiringIsUnanswered) {
  auto g = DeferredGame(1);
  ASSERT_TRUE(g->table->Command(&g->a, "every", "t").ok());
  g->link.DeliverAll();
  timers_.Advance(10);
  EXPECT_EQ(g->link.queued(), 1u);
  timers_.Advance(10);
  timers_.Advance(10);
  EXPECT_EQ(g->link.queued(), 1u);  // Two firings skipped behind the first.
  EXPECT_EQ(g->table->skipped_ticks(), 2u);
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"tick t"});
  timers_.Advance(10);  // Answered: the next one goes.
  EXPECT_EQ(g->link.queued(), 1u);
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"tick t"});
  EXPECT_EQ(g->table->skipped_ticks(), 2u);
  EXPECT_EQ(registry_.GetCounter("ggs_timer_skipped_ticks_total", "")->value(), 2u);
  EXPECT_EQ(Count("ggs_events_total", "timer"), 2u);
}

// An overloaded VM sheds input rather than queueing it: a command that arrives while the
// table's oldest unanswered event is more than max_lag_ms old is refused, and never sent.
TEST_F(TableTest, ACommandToATableTooFarBehindIsRefusedBusy) {
  auto g = DeferredGame(2, 3, 100);
  ASSERT_TRUE(g->table->Command(&g->a, "echo", "1").ok());
  timers_.Advance(100);
  ASSERT_TRUE(g->table->Command(&g->a, "echo", "2").ok());  // 100 ms behind: still taken.
  timers_.Advance(1);
  Status busy = g->table->Command(&g->b, "echo", "3");
  EXPECT_EQ(busy.code(), error::kTableBusy);
  EXPECT_NE(busy.message().find("101 ms behind"), std::string::npos) << busy.message();
  EXPECT_EQ(g->link.queued(), 2u);
  EXPECT_EQ(g->table->busy_commands(), 1u);
  // Seats are never refused: a join still goes through, behind the rest.
  Player c;
  RecordingPeer pc;
  Seat(*g->table, c, pc, "pc");
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), (std::vector<std::string>{"echo 1", "echo 2", "joined 3"}));
  // Caught up: commands are taken again.
  ASSERT_TRUE(g->table->Command(&g->b, "echo", "4").ok());
  g->link.DeliverAll();
  EXPECT_EQ(g->pb.Take(), (std::vector<std::string>{"joined 3", "echo 4"}));
}

TEST_F(TableTest, AScriptThatDoesNotLoadLeavesTheTableUndefined) {
  LocalVmLink link;
  auto table = MakeTable(&link);
  EXPECT_EQ(*Define(*table, "function playerCommand( {"), error::kDefineFailed);
  EXPECT_FALSE(table->defined());
  EXPECT_FALSE(table->defining());
  EXPECT_EQ(link.vms(), 0u);
  Define(*table, kGame);
  EXPECT_EQ(link.vms(), 1u);
  table.reset();  // Closing the table closes its VM.
  EXPECT_EQ(link.vms(), 0u);
}

TEST_F(TableTest, PlayersWhoJoinBeforeTheVerdictJoinTheGameInOrder) {
  DeferredLink link;
  auto table = MakeTable(&link);
  table->ExpectSeats(2);
  std::shared_ptr<std::string> verdict = Define(*table, kGame);
  Player a, b;
  RecordingPeer pa, pb;
  Seat(*table, a, pa, "pa");
  Seat(*table, b, pb, "pb");
  EXPECT_TRUE(table->full());  // Counted with the expected seats.
  link.DeliverAll();
  EXPECT_EQ(*verdict, "");
  EXPECT_EQ(table->seats(), 3);  // The VM's word wins.
  EXPECT_EQ(pa.Take(), (std::vector<std::string>{"joined 1", "joined 2"}));
  EXPECT_EQ(pb.Take(), std::vector<std::string>{"joined 2"});  // Not there for joined 1.
}

// The worker dies while it runs `spin`: that event never happened and its player hears so;
// the VM comes back from the table's own state and the events after it run as if nothing
// had happened.
TEST_F(TableTest, AnEventThatKillsTheWorkerIsAnsweredAndTheRestReplayed) {
  auto g = DeferredGame(2);
  ASSERT_TRUE(g->table->Command(&g->a, "set", "before").ok());
  g->link.DeliverAll();
  g->pa.Take();
  g->pb.Take();
  ASSERT_TRUE(g->table->Command(&g->b, "spin", "").ok());
  ASSERT_TRUE(g->table->Command(&g->a, "set", "after").ok());
  g->link.Lose(g->link.seq_at(0), Status::Error(error::kScriptTimeout, "ran past 100 ms"));
  const std::vector<std::string> got = g->pb.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "error script_timeout ran past 100 ms");
  EXPECT_TRUE(g->pa.Take().empty());
  EXPECT_EQ(errors_.value(error::kScriptTimeout), 1u);
  EXPECT_EQ(Count("ggs_script_errors_total", "command"), 1u);
  g->link.DeliverAll();  // The rebuild, restored(), then the replayed command.
  EXPECT_EQ(*g->table->world().Get("k"), "after");
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"world_set k=after"});
  EXPECT_FALSE(g->table->crashed());
  ASSERT_TRUE(g->table->Command(&g->a, "echo", "alive").ok());
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"echo alive"});
  EXPECT_EQ(Count("ggs_events_total", "restored"), 1u);  // The rebuild's.
}

TEST_F(TableTest, AnInnocentTableIsRebuiltWithoutAnError) {
  auto g = DeferredGame(1);
  ASSERT_TRUE(g->table->Command(&g->a, "set", "x").ok());
  g->link.Lose(0, Status::Error(error::kInternal, "worker killed by signal 9"));
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"world_set k=x"});
  EXPECT_EQ(*g->table->world().Get("k"), "x");
}

// Regression: the game's timers die with its VM. Its clock timers used to outlive the loss
// (restored() set new ones under the same ids), ticking twice and firing after the table
// was gone.
TEST_F(TableTest, ALostVmTakesItsTimersWithIt) {
  auto g = DeferredGame(1);
  ASSERT_TRUE(g->table->Command(&g->a, "later", "ding").ok());
  g->link.DeliverAll();
  EXPECT_EQ(timers_.size(), 1u);
  g->link.Lose(0, Status::Error(error::kInternal, "worker killed by signal 9"));
  EXPECT_EQ(timers_.size(), 0u);
  g->link.DeliverAll();
  g->table.reset();
  EXPECT_EQ(timers_.size(), 0u);
  timers_.Advance(100);  // Nothing is left to fire into a destroyed table.
}

TEST_F(TableTest, ATableThatKeepsKillingItsWorkerIsClosed) {
  auto g = DeferredGame(1, 2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(g->table->Command(&g->a, "spin", "").ok());
    g->link.Lose(g->link.seq_at(0), Status::Error(error::kScriptTimeout, "ran past 100 ms"));
    g->link.DeliverAll();
  }
  EXPECT_TRUE(g->table->crashed());
  const std::vector<std::string> got = g->pa.Take();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].rfind("error table_crashed ", 0), 0u) << got[2];
  EXPECT_EQ(errors_.value(error::kScriptTimeout), 2u);
  EXPECT_EQ(errors_.value(error::kTableCrashed), 1u);
  EXPECT_EQ(g->table->Command(&g->a, "echo", "x").code(), error::kTableCrashed);
  EXPECT_EQ(g->table->world().Get("k"), nullptr);  // 'spun' never happened.
}

// Version 2 of kGame: `later` rings differently, and restored() says it took over.
constexpr char kGameV2[] = R"JS(
var seats = 3;
function restored() { GGS.sendCommandToAll('v2', ''); }
function playerCommand(id, c, a) {
  if (c === 'later') GGS.setTimeout(function () { GGS.sendCommandToAll('rang2', a); }, 10);
  else if (c === 'spin') { for (;;) {} }
  else GGS.sendCommand(id, 'echo2', a);
}
)JS";

// Upgrades the table; returns the verdict's code ("pending" until it comes, "" when ok).
std::shared_ptr<std::string> Upgrade(Table& table, const std::string& source, int version) {
  auto verdict = std::make_shared<std::string>("pending");
  table.Upgrade(source, version, [verdict](Status s) { *verdict = s.code(); });
  return verdict;
}

// A timer that comes due while an upgrade is on its way waits for the verdict: the new
// code drops it (its restored() sets its own), the old code, if it stays, fires it.
TEST_F(TableTest, TimersDueDuringAnUpgradeWaitForItsVerdict) {
  auto g = DeferredGame(1);
  ASSERT_TRUE(g->table->Command(&g->a, "later", "one").ok());
  g->link.DeliverAll();
  std::shared_ptr<std::string> refused = Upgrade(*g->table, "function playerCommand( {", 2);
  timers_.Advance(10);
  EXPECT_EQ(g->link.queued(), 1u);  // Only the upgrade: the timer waits.
  g->link.DeliverAll();
  EXPECT_EQ(*refused, error::kDefineFailed);
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"rang one"});  // Fired on the old code.
  EXPECT_EQ(g->table->row().game_version, 1);

  ASSERT_TRUE(g->table->Command(&g->a, "later", "two").ok());
  g->link.DeliverAll();
  std::shared_ptr<std::string> moved = Upgrade(*g->table, kGameV2, 2);
  timers_.Advance(10);
  g->link.DeliverAll();
  EXPECT_EQ(*moved, "");
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"v2 "});  // "rang two" was the old code's.
  EXPECT_EQ(timers_.size(), 0u);
  EXPECT_EQ(g->table->row().game_version, 2);
  ASSERT_TRUE(g->table->Command(&g->a, "later", "three").ok());
  g->link.DeliverAll();
  timers_.Advance(10);
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"rang2 three"});
}

// New code that kills its worker while loading is refused; it does not count against the
// table, which comes back on its old code with the events sent after the upgrade.
TEST_F(TableTest, AnUpgradeThatKillsTheWorkerIsRefusedAndTheTableGoesOn) {
  auto g = DeferredGame(1, 1);  // One loss of its own would close the table.
  std::shared_ptr<std::string> verdict = Upgrade(*g->table, "for (;;) {}", 2);
  ASSERT_TRUE(g->table->Command(&g->a, "echo", "after").ok());
  g->link.Lose(g->link.seq_at(0), Status::Error(error::kScriptTimeout, "ran past 100 ms"));
  EXPECT_EQ(*verdict, error::kScriptTimeout);
  EXPECT_TRUE(g->pa.Take().empty());  // No player caused it.
  g->link.DeliverAll();
  EXPECT_FALSE(g->table->crashed());
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"echo after"});
  EXPECT_EQ(g->table->row().game_version, 1);
}

// A worker lost for another's sake takes the upgrade's VM with it: the table is rebuilt on
// its old code and the upgrade sent again.
TEST_F(TableTest, AnUpgradeLostWithAnInnocentWorkerIsSentAgain) {
  auto g = DeferredGame(1);
  std::shared_ptr<std::string> verdict = Upgrade(*g->table, kGameV2, 2);
  g->link.Lose(0, Status::Error(error::kInternal, "worker killed by signal 9"));
  EXPECT_EQ(*verdict, "pending");
  g->link.DeliverAll();
  EXPECT_EQ(*verdict, "");
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"v2 "});
  ASSERT_TRUE(g->table->Command(&g->a, "echo", "x").ok());
  g->link.DeliverAll();
  EXPECT_EQ(g->pa.Take(), std::vector<std::string>{"echo2 x"});
}

TEST_F(TableTest, AnUpgradeOfAClosedOrEndedTableIsRefused) {
  auto ending = DeferredGame(1);
  std::shared_ptr<std::string> ended = Upgrade(*ending->table, kGameV2, 2);
  ending->table->End();
  EXPECT_EQ(*ended, error::kNoSuchTable);
  ending->link.DeliverAll();  // A reply after the end changes nothing.
  EXPECT_EQ(ending->table->row().game_version, 1);

  auto g = DeferredGame(1, 1);
  ASSERT_TRUE(g->table->Command(&g->a, "spin", "").ok());
  g->link.Lose(g->link.seq_at(0), Status::Error(error::kScriptTimeout, "ran past 100 ms"));
  ASSERT_TRUE(g->table->crashed());
  EXPECT_EQ(*Upgrade(*g->table, kGameV2, 2), error::kTableCrashed);
}

}  // namespace
}  // namespace ggs
