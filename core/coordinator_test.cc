// Unit tests of the coordinator with a manual clock, recording peers and an in-memory
// database: seating, resuming, grace expiry, table end, the game registry.
#include "core/coordinator.h"

#include <gtest/gtest.h>

#include <optional>

#include "core/dispatcher.h"
#include "core/protocol.h"
#include "core/sqlite_storage.h"
#include "testing/deferred_link.h"
#include "testing/manual_timers.h"
#include "testing/metrics_sample.h"
#include "testing/recording_peer.h"

namespace ggs {
namespace {

constexpr char kGame[] = R"JS(
var seats = 2;
function playerJoined(id) { GGS.sendCommandToAll('joined', String(id)); }
function playerLeft(id) { GGS.sendCommandToAll('left', String(id)); }
function restored() { GGS.localStorage.setItem('restored', 'yes'); }
function playerCommand(id, c, a) {
  if (c === 'set') GGS.world.setItem('k', a);
  else if (c === 'was') GGS.sendCommand(id, 'was', String(GGS.localStorage.getItem('restored')));
  else GGS.sendCommand(id, 'echo', a);
}
)JS";

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::move(SqliteStorage::Open(":memory:").value());
    store_ = std::make_unique<WriteBehind>(storage_.get());
    coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), Options());
    ASSERT_TRUE(coordinator_->InstallGame("duo", kGame).ok());
  }
  static CoordinatorOptions Options() {
    CoordinatorOptions options;
    options.reconnect_grace_ms = 1000;
    options.admin_token = "admin";
    return options;
  }
  // A restart: what was written is flushed, and a new coordinator restores it.
  void Restart() {
    ASSERT_TRUE(store_->Flush().ok());
    coordinator_.reset();
    coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), Options());
    ASSERT_TRUE(coordinator_->Restore().ok());
  }
  // Says hello and returns the hello payload's fields.
  std::vector<std::string> Hello(RecordingPeer& peer, HelloRequest request = {}) {
    EXPECT_TRUE(coordinator_->Hello(&peer, request).ok());
    std::vector<std::string> got = peer.Take();
    EXPECT_FALSE(got.empty());
    if (got.empty()) return {};
    std::string payload = got[0].substr(6);  // After "hello ".
    std::vector<std::string> fields;
    for (size_t at = 0, comma; at <= payload.size(); at = comma + 1) {
      comma = payload.find(',', at);
      if (comma == std::string::npos) comma = payload.size();
      fields.push_back(payload.substr(at, comma - at));
    }
    return fields;
  }
  // An upload through the coordinator's link, answered before it returns (tests with a
  // link that answers later call Coordinator::Upload themselves).
  Result<UploadReply> Upload(std::string admin, std::string name, std::string source,
                             bool live = false) {
    std::optional<Result<UploadReply>> got;
    coordinator_->Upload({std::move(admin), std::move(name), std::move(source), live},
                         [&got](Result<UploadReply> r) { got = std::move(r); });
    EXPECT_TRUE(got.has_value());
    if (!got) return Status::Error("test", "no answer");
    return std::move(*got);
  }
  // Replaces the coordinator with one whose VMs answer only when the test delivers their
  // replies, as worker processes would, with game duo installed.
  DeferredLink& UseDeferredLink() {
    coordinator_.reset();
    deferred_ = std::make_unique<DeferredLink>();
    CoordinatorOptions options = Options();
    options.vm_link = deferred_.get();
    coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), options);
    EXPECT_TRUE(coordinator_->InstallGame("duo", kGame).ok());
    return *deferred_;
  }
  HelloRequest ByGame(const std::string& name) {
    game_name_ = name;
    HelloRequest r;
    r.game = &game_name_;
    return r;
  }

  ManualTimers timers_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteBehind> store_;
  std::unique_ptr<DeferredLink> deferred_;  // Declared first: outlives the coordinator.
  std::unique_ptr<Coordinator> coordinator_;
  std::string game_name_;
};

TEST_F(CoordinatorTest, NewTableAwaitsItsDefineByItsCreator) {
  RecordingPeer a, b;
  const auto ha = Hello(a);
  ASSERT_EQ(ha.size(), 3u);
  EXPECT_EQ(ha[1], "false");
  HelloRequest join;
  join.table_token = ha[2];
  const auto hb = Hello(b, join);
  EXPECT_EQ(hb[1], "true");
  EXPECT_EQ(coordinator_->Define(&b, kGame).code(), "not_creator");
  EXPECT_EQ(coordinator_->GameCommand(&a, "x", "").code(), "not_defined");
  ASSERT_TRUE(coordinator_->Define(&a, kGame).ok());
  EXPECT_EQ(a.Take(), (std::vector<std::string>{"defined ", "joined 1", "joined 2"}));
  EXPECT_EQ(coordinator_->Define(&a, kGame).code(), "already_defined");
}

TEST_F(CoordinatorTest, GameByNameFillsSeatsThenOpensANewTable) {
  RecordingPeer a, b, c;
  const auto ha = Hello(a, ByGame("duo"));
  const auto hb = Hello(b, ByGame("duo"));
  const auto hc = Hello(c, ByGame("duo"));
  EXPECT_EQ(ha[2], hb[2]);
  EXPECT_NE(hc[2], ha[2]);
  EXPECT_EQ(coordinator_->table_count(), 2u);
  RecordingPeer d;
  HelloRequest join;
  join.table_token = ha[2];
  EXPECT_EQ(coordinator_->Hello(&d, join).code(), "table_full");
  EXPECT_EQ(coordinator_->Hello(&d, ByGame("chess")).code(), "no_such_game");
  EXPECT_EQ(d.player, nullptr);
}

TEST_F(CoordinatorTest, ALeavingPlayerFreesItsSeatForTheNextHello) {
  RecordingPeer a, b;
  const auto ha = Hello(a, ByGame("duo"));
  Hello(b, ByGame("duo"));
  coordinator_->Bye(&b);
  RecordingPeer c;
  EXPECT_EQ(Hello(c, ByGame("duo"))[2], ha[2]);
}

TEST_F(CoordinatorTest, DisconnectKeepsTheSeatForTheGracePeriod) {
  RecordingPeer a, b;
  const auto ha = Hello(a, ByGame("duo"));
  Hello(b, ByGame("duo"));
  a.Take();
  coordinator_->Disconnected(&b);
  EXPECT_EQ(b.player, nullptr);
  timers_.Advance(999);
  EXPECT_TRUE(a.Take().empty());
  timers_.Advance(1);
  EXPECT_EQ(a.Take(), std::vector<std::string>{"left 2"});
  EXPECT_EQ(coordinator_->player_count(), 1u);
}

TEST_F(CoordinatorTest, ResumeWithinGraceKeepsTokenTableAndId) {
  RecordingPeer a, b;
  Hello(a, ByGame("duo"));
  const auto hb = Hello(b, ByGame("duo"));
  coordinator_->Disconnected(&b);
  timers_.Advance(500);
  RecordingPeer b2;
  const std::string token = hb[0];
  HelloRequest resume;
  resume.token = &token;
  const auto again = Hello(b2, resume);
  EXPECT_EQ(again, hb);
  timers_.Advance(5000);  // The grace timer was stopped: B stays.
  EXPECT_EQ(coordinator_->player_count(), 2u);
  ASSERT_TRUE(coordinator_->GameCommand(&b2, "echo", "me").ok());
  EXPECT_EQ(b2.Take(), std::vector<std::string>{"echo me"});
}

TEST_F(CoordinatorTest, ResumeWhileConnectedClosesTheOldConnection) {
  RecordingPeer a;
  const auto ha = Hello(a, ByGame("duo"));
  RecordingPeer a2;
  const std::string token = ha[0];
  HelloRequest resume;
  resume.token = &token;
  Hello(a2, resume);
  EXPECT_TRUE(a.closed);
  EXPECT_EQ(a.player, nullptr);
  EXPECT_EQ(a.Take(),
            std::vector<std::string>{"error resumed this player resumed on another connection"});
  coordinator_->Disconnected(&a);  // The old connection's close must not detach the new one.
  EXPECT_NE(a2.player, nullptr);
}

TEST_F(CoordinatorTest, TheLastPlayerLeavingEndsTheTableAndDeletesItsState) {
  RecordingPeer a;
  Hello(a, ByGame("duo"));
  ASSERT_TRUE(coordinator_->GameCommand(&a, "set", "v").ok());
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_EQ(storage_->LoadTables().value().size(), 1u);
  coordinator_->Bye(&a);
  EXPECT_EQ(coordinator_->table_count(), 0u);
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_TRUE(storage_->LoadTables().value().empty());
  EXPECT_EQ(timers_.size(), 0u);
}

// With VMs that answer later (worker processes), a registered game's seats are known in
// advance, so players fill its tables before its VM has answered; their joins and commands
// run in order once it has.
TEST_F(CoordinatorTest, PlayersFillATableBeforeItsLateVmAnswers) {
  DeferredLink& link = UseDeferredLink();
  RecordingPeer a, b, c;
  const auto ha = Hello(a, ByGame("duo"));
  const auto hb = Hello(b, ByGame("duo"));
  const auto hc = Hello(c, ByGame("duo"));
  EXPECT_EQ(ha[2], hb[2]);
  EXPECT_NE(hc[2], ha[2]);  // Two seats: the third player starts a second table.
  ASSERT_TRUE(coordinator_->GameCommand(&a, "x", "early").ok());  // Runs after the joins.
  link.DeliverAll();
  EXPECT_EQ(a.Take(), (std::vector<std::string>{"joined 1", "joined 2", "echo early"}));
  EXPECT_EQ(b.Take(), std::vector<std::string>{"joined 2"});  // As if the VM had answered.
  EXPECT_EQ(c.Take(), std::vector<std::string>{"joined 1"});
  ASSERT_TRUE(coordinator_->GameCommand(&a, "x", "hi").ok());
  EXPECT_TRUE(a.Take().empty());
  link.DeliverAll();
  EXPECT_EQ(a.Take(), std::vector<std::string>{"echo hi"});
}

TEST_F(CoordinatorTest, ALateDefineVerdictGoesToTheCreator) {
  DeferredLink& link = UseDeferredLink();
  RecordingPeer a;
  Hello(a);
  ASSERT_TRUE(coordinator_->Define(&a, "function playerCommand( {").ok());
  EXPECT_EQ(coordinator_->Define(&a, kGame).code(), error::kAlreadyDefined);  // One at a time.
  link.DeliverAll();
  const std::vector<std::string> got = a.Take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rfind("error define_failed ", 0), 0u) << got[0];
  ASSERT_TRUE(coordinator_->Define(&a, kGame).ok());
  link.DeliverAll();
  EXPECT_EQ(a.Take(), (std::vector<std::string>{"defined ", "joined 1"}));
}

TEST_F(CoordinatorTest, RestoreBringsBackTablesWithPlayersInGrace) {
  RecordingPeer a, b;
  const auto ha = Hello(a, ByGame("duo"));
  Hello(b, ByGame("duo"));
  ASSERT_TRUE(coordinator_->GameCommand(&a, "set", "kept").ok());
  Restart();
  EXPECT_EQ(coordinator_->table_count(), 1u);
  EXPECT_EQ(coordinator_->player_count(), 2u);
  EXPECT_EQ(coordinator_->GameVersion("duo"), 1);
  RecordingPeer a2;
  const std::string token = ha[0];
  HelloRequest resume;
  resume.token = &token;
  EXPECT_EQ(Hello(a2, resume), ha);
  timers_.Advance(1000);  // B never came back: it leaves, A stays.
  EXPECT_EQ(coordinator_->player_count(), 1u);
  EXPECT_EQ(a2.Take(), std::vector<std::string>{"left 2"});
}

TEST_F(CoordinatorTest, RestoredVmsAreRebuiltInTheBackground) {
  RecordingPeer a;
  const auto ha = Hello(a, ByGame("duo"));
  Restart();
  EXPECT_EQ(coordinator_->unbuilt_count(), 1u);
  timers_.Advance(1);
  EXPECT_EQ(coordinator_->unbuilt_count(), 0u);
  RecordingPeer a2;
  const std::string token = ha[0];
  HelloRequest resume;
  resume.token = &token;
  Hello(a2, resume);
  ASSERT_TRUE(coordinator_->GameCommand(&a2, "was", "").ok());
  EXPECT_EQ(a2.Take(), std::vector<std::string>{"was yes"});
}

TEST_F(CoordinatorTest, ARestoredTableIsRebuiltAtOnceWhenNeeded) {
  RecordingPeer a;
  const auto ha = Hello(a, ByGame("duo"));
  Restart();
  RecordingPeer b;  // Joins by table token before the sweep ran: seats need the game's VM.
  HelloRequest join;
  join.table_token = ha[2];
  EXPECT_EQ(Hello(b, join)[2], ha[2]);
  ASSERT_TRUE(coordinator_->GameCommand(&b, "was", "").ok());
  EXPECT_EQ(b.Take(), std::vector<std::string>{"was yes"});
  RecordingPeer c;  // The game has two seats, known once the VM is rebuilt.
  EXPECT_EQ(coordinator_->Hello(&c, join).code(), "table_full");
}

// A defined (ad-hoc) game's seats are stored with its table: after a restart, players who
// join by table token before its VM is rebuilt are counted against them.
TEST_F(CoordinatorTest, ARestoredDefinedTableKnowsItsSeatsBeforeItsVmAnswers) {
  RecordingPeer a, b;
  const auto ha = Hello(a);
  ASSERT_TRUE(coordinator_->Define(&a, kGame).ok());  // Two seats.
  HelloRequest join;
  join.table_token = ha[2];
  Hello(b, join);
  ASSERT_TRUE(store_->Flush().ok());
  DeferredLink& link = UseDeferredLink();
  ASSERT_TRUE(coordinator_->Restore().ok());
  RecordingPeer c;
  EXPECT_EQ(coordinator_->Hello(&c, join).code(), error::kTableFull);
  link.DeliverAll();
  EXPECT_EQ(coordinator_->Hello(&c, join).code(), error::kTableFull);
}

// A table of a named game stores its source once its first VM has loaded it. A crash
// before that write reached the disk left the table, with its players, without a game for
// good: every command was not_defined. Found by `ggs fuzz --kills`.
TEST_F(CoordinatorTest, ANamedTableKilledBeforeItsSourceWasStoredComesBackWithItsGame) {
  UseDeferredLink();  // The VM has not answered when the crash comes.
  RecordingPeer a;
  const auto ha = Hello(a, ByGame("duo"));
  ASSERT_TRUE(store_->Flush().ok());  // The table and its player, without the source.
  coordinator_.reset();
  coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), Options());
  ASSERT_TRUE(coordinator_->Restore().ok());
  RecordingPeer a2;
  const std::string token = ha[0];
  HelloRequest resume;
  resume.token = &token;
  EXPECT_EQ(Hello(a2, resume), ha);
  ASSERT_TRUE(coordinator_->GameCommand(&a2, "was", "").ok());
  EXPECT_EQ(a2.Take(), std::vector<std::string>{"was yes"});  // restored() ran.
  EXPECT_EQ(coordinator_->FindTable(ha[2])->row().game_version, coordinator_->GameVersion("duo"));
}

TEST_F(CoordinatorTest, UploadChecksTheTokenAndTheSource) {
  EXPECT_EQ(Upload("wrong", "duo", kGame).status().code(), "unauthorized");
  EXPECT_EQ(Upload("", "duo", kGame).status().code(), "unauthorized");
  EXPECT_EQ(Upload("admin", "duo", "function (").status().code(), "define_failed");
  EXPECT_EQ(Upload("admin", "bad name!", kGame).status().code(), "bad_request");
  Result<UploadReply> v = Upload("admin", "duo", kGame);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (UploadReply{"duo", 2, false, 0, {}}));
}

TEST_F(CoordinatorTest, NewTablesUseTheNewestVersionRunningTablesKeepTheirs) {
  RecordingPeer a;
  Hello(a, ByGame("duo"));
  const std::string v2 = std::string(kGame) + "function playerResumed(id) {}";
  ASSERT_TRUE(Upload("admin", "duo", v2).ok());
  RecordingPeer b;
  const auto hb = Hello(b, ByGame("duo"));  // Joins the open version-1 table.
  RecordingPeer c, d;
  Hello(c, ByGame("duo"));
  const auto hd = Hello(d, ByGame("duo"));
  EXPECT_EQ(coordinator_->FindTable(hb[2])->row().game_version, 1);
  EXPECT_EQ(coordinator_->FindTable(hd[2])->row().game_version, 2);
}

// Every table of a registered game holds the registry's one copy of its source: tables
// made here, tables restored from storage, and tables a live upload moved.
TEST_F(CoordinatorTest, TablesOfAGameShareOneCopyOfItsSource) {
  RecordingPeer a, b, c, d;
  const auto ha = Hello(a, ByGame("duo"));
  Hello(b, ByGame("duo"));
  const auto hc = Hello(c, ByGame("duo"));  // The first table is full: a second one.
  Hello(d, ByGame("duo"));
  ASSERT_NE(ha[2], hc[2]);
  auto source = [this](const std::string& table) -> const SharedText& {
    return coordinator_->FindTable(table)->row().source;
  };
  EXPECT_TRUE(source(ha[2]).Shares(source(hc[2])));
  EXPECT_EQ(source(ha[2]), std::string(kGame));
  Restart();  // Storage gives each restored row a copy of its own; the registry's replaces it.
  EXPECT_TRUE(source(ha[2]).Shares(source(hc[2])));
  EXPECT_EQ(source(hc[2]), std::string(kGame));
  const std::string v2 = std::string(kGame) + "function playerResumed(id) {}";
  Result<UploadReply> moved = Upload("admin", "duo", v2, /*live=*/true);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->moved, 2);
  EXPECT_TRUE(source(ha[2]).Shares(source(hc[2])));
  EXPECT_EQ(source(ha[2]), v2);
}

// Version 2 of kGame: `x` answers differently, restored() greets everyone with the world's
// `k`, and a table whose world says so refuses to load it.
constexpr char kGameV2[] = R"JS(
var seats = 3;
if (GGS.world.getItem('k') === 'refuse') throw new Error('not on this table');
function restored() { GGS.sendCommandToAll('v2', String(GGS.world.getItem('k'))); }
function playerCommand(id, c, a) {
  if (c === 'set') GGS.world.setItem('k', a);
  else GGS.sendCommand(id, 'echo2', a);
}
)JS";

TEST_F(CoordinatorTest, ALiveUploadMovesRunningTablesAndReportsThoseThatRefuse) {
  RecordingPeer a, b, c, d;
  const auto ha = Hello(a, ByGame("duo"));
  Hello(b, ByGame("duo"));
  const auto hc = Hello(c, ByGame("duo"));
  ASSERT_TRUE(coordinator_->GameCommand(&a, "set", "kept").ok());
  ASSERT_TRUE(coordinator_->GameCommand(&c, "set", "refuse").ok());
  RecordingPeer adhoc;  // A defined table of no registered game is not the upload's.
  Hello(adhoc);
  ASSERT_TRUE(coordinator_->Define(&adhoc, kGame).ok());
  for (RecordingPeer* p : {&a, &b, &c, &adhoc}) p->Take();

  Result<UploadReply> up = Upload("admin", "duo", kGameV2, true);
  ASSERT_TRUE(up.ok()) << up.status().message();
  EXPECT_EQ(up->version, 2);
  EXPECT_TRUE(up->live);
  EXPECT_EQ(up->moved, 1);
  ASSERT_EQ(up->refused.size(), 1u);
  EXPECT_EQ(up->refused[0].table, hc[2]);
  EXPECT_NE(up->refused[0].reason.find("not on this table"), std::string::npos)
      << up->refused[0].reason;

  // The moved table runs version 2 with its state, its players still seated and greeted.
  EXPECT_EQ(coordinator_->FindTable(ha[2])->row().game_version, 2);
  EXPECT_EQ(a.Take(), std::vector<std::string>{"v2 kept"});
  EXPECT_EQ(b.Take(), std::vector<std::string>{"v2 kept"});
  ASSERT_TRUE(coordinator_->GameCommand(&a, "x", "hi").ok());
  EXPECT_EQ(a.Take(), std::vector<std::string>{"echo2 hi"});
  RecordingPeer third;  // Version 2 has three seats: the moved table has room again.
  EXPECT_EQ(Hello(third, ByGame("duo"))[2], ha[2]);
  // The refusing table keeps version 1, and the ad-hoc table its own code.
  EXPECT_EQ(coordinator_->FindTable(hc[2])->row().game_version, 1);
  ASSERT_TRUE(coordinator_->GameCommand(&c, "x", "old").ok());
  EXPECT_EQ(c.Take(), std::vector<std::string>{"echo old"});
  ASSERT_TRUE(coordinator_->GameCommand(&adhoc, "x", "mine").ok());
  EXPECT_EQ(adhoc.Take(), std::vector<std::string>{"echo mine"});

  // The moved table comes back from storage on its new version.
  Restart();
  EXPECT_EQ(coordinator_->FindTable(ha[2])->row().game_version, 2);
  EXPECT_EQ(coordinator_->FindTable(hc[2])->row().game_version, 1);
}

TEST_F(CoordinatorTest, ALiveUploadWithNoRunningTablesMovesNone) {
  Result<UploadReply> up = Upload("admin", "duo", kGameV2, true);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(*up, (UploadReply{"duo", 2, true, 0, {}}));
}

// With VMs that answer later, the upload answers once every table has; commands sent
// meanwhile run in order, on the new code once it has taken over.
TEST_F(CoordinatorTest, ALateLiveUploadAnswersOnceEveryTableHas) {
  DeferredLink& link = UseDeferredLink();
  RecordingPeer a;
  const auto ha = Hello(a, ByGame("duo"));
  ASSERT_TRUE(coordinator_->GameCommand(&a, "x", "before").ok());
  link.DeliverAll();
  EXPECT_EQ(a.Take(), (std::vector<std::string>{"joined 1", "echo before"}));

  std::optional<Result<UploadReply>> got;
  coordinator_->Upload({"admin", "duo", kGameV2, true},
                       [&got](Result<UploadReply> r) { got = std::move(r); });
  EXPECT_FALSE(got.has_value());  // The source is checked on the link first.
  link.DeliverAll();
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->ok()) << got->status().message();
  const int v2 = got->value().version;
  EXPECT_EQ(got->value(), (UploadReply{"duo", v2, true, 1, {}}));
  EXPECT_EQ(a.Take(), std::vector<std::string>{"v2 null"});

  // A second live upload: a command sent before its upgrade runs on the old code, one sent
  // after it on the new.
  got.reset();
  coordinator_->Upload({"admin", "duo", std::string(kGameV2) + "var three = 3;", true},
                       [&got](Result<UploadReply> r) { got = std::move(r); });
  ASSERT_TRUE(coordinator_->GameCommand(&a, "set", "before").ok());
  ASSERT_TRUE(link.DeliverNext());  // The check: the table's upgrade is queued now.
  EXPECT_FALSE(got.has_value());
  ASSERT_TRUE(coordinator_->GameCommand(&a, "x", "during").ok());
  link.DeliverAll();
  ASSERT_TRUE(got.has_value() && got->ok());
  EXPECT_EQ(got->value().moved, 1);
  EXPECT_EQ(a.Take(),
            (std::vector<std::string>{"world_set k=before", "v2 before", "echo2 during"}));
  EXPECT_EQ(coordinator_->FindTable(ha[2])->row().game_version, v2 + 1);
}

// A source whose top level never ends is refused by the link's budget, not run here.
TEST_F(CoordinatorTest, AnUploadThatKillsItsWorkerIsRefused) {
  DeferredLink& link = UseDeferredLink();
  std::optional<Result<UploadReply>> got;
  coordinator_->Upload({"admin", "loop", "while (true) {}", false},
                       [&got](Result<UploadReply> r) { got = std::move(r); });
  ASSERT_EQ(link.queued(), 1u);
  link.Lose(link.seq_at(0), Status::Error(error::kScriptTimeout, "past the 100 ms budget"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status().code(), error::kScriptTimeout);
  EXPECT_EQ(coordinator_->GameVersion("loop"), 0);
}

// The coordinator's figures as GET /metrics shows them: one sample of its registry.
class CoordinatorMetricsTest : public CoordinatorTest {
 protected:
  double Sample(const std::string& series) {
    return MetricsSample(coordinator_->metrics().Render(), series).value_or(-1);
  }
};

TEST_F(CoordinatorMetricsTest, PlayersTablesAndEventsAreCounted) {
  RecordingPeer a;
  Hello(a, ByGame("duo"));
  ASSERT_TRUE(coordinator_->GameCommand(&a, "echo", "x").ok());
  EXPECT_EQ(Sample("ggs_tables{game=\"duo\"}"), 1);
  EXPECT_EQ(Sample("ggs_players{state=\"connected\"}"), 1);
  EXPECT_EQ(Sample("ggs_players{state=\"grace\"}"), 0);
  EXPECT_EQ(Sample("ggs_events_total{kind=\"joined\"}"), 1);
  EXPECT_EQ(Sample("ggs_events_total{kind=\"command\"}"), 1);
  EXPECT_EQ(Sample("ggs_event_duration_seconds_count{kind=\"command\"}"), 1);
  EXPECT_EQ(Sample("ggs_event_duration_seconds_bucket{kind=\"command\",le=\"+Inf\"}"), 1);
  EXPECT_EQ(Sample("ggs_games"), 1);
  coordinator_->Disconnected(&a);
  EXPECT_EQ(Sample("ggs_players{state=\"connected\"}"), 0);
  EXPECT_EQ(Sample("ggs_players{state=\"grace\"}"), 1);
  timers_.Advance(1000);  // The grace period ends, and the table with its last player.
  EXPECT_EQ(Sample("ggs_players{state=\"grace\"}"), 0);
  EXPECT_EQ(Sample("ggs_tables{game=\"duo\"}"), -1) << "a game without tables has no series";
  EXPECT_EQ(Sample("ggs_events_total{kind=\"left\"}"), 1);
}

TEST_F(CoordinatorMetricsTest, AnAdHocTableCountsUnderDefined) {
  RecordingPeer a;
  Hello(a);
  ASSERT_TRUE(coordinator_->Define(&a, kGame).ok());
  EXPECT_EQ(Sample("ggs_tables{game=\"(defined)\"}"), 1);
  EXPECT_EQ(Sample("ggs_events_total{kind=\"open\"}"), 1);
}

TEST_F(CoordinatorMetricsTest, ErrorRepliesOfTheCoordinatorAreCountedByCode) {
  RecordingPeer a, b, c;
  const auto ha = Hello(a, ByGame("duo"));
  std::string token = ha[0];
  HelloRequest resume;
  resume.token = &token;
  Hello(b, resume);
  EXPECT_EQ(coordinator_->errors_sent(error::kResumed), 1u);
  Hello(c);
  ASSERT_TRUE(coordinator_->Define(&c, "function playerCommand( {").ok());
  EXPECT_EQ(coordinator_->errors_sent(error::kDefineFailed), 1u);
  EXPECT_EQ(Sample("ggs_errors_sent_total{error_code=\"define_failed\"}"), 1);
}

TEST_F(CoordinatorMetricsTest, TheDispatchersErrorRepliesAreCountedByCode) {
  Dispatcher dispatcher(coordinator_.get());
  RecordingPeer a, b, c;
  dispatcher.Handle(&a, GameCommand("echo", "x"));  // Before hello.
  dispatcher.Refuse(&b, Status::Error(error::kRateLimited, "slow down"));
  dispatcher.FramingError(&c, Status::Error(error::kMalformed, "junk"));
  EXPECT_EQ(coordinator_->errors_sent(error::kNoHello), 1u);
  EXPECT_EQ(coordinator_->errors_sent(error::kRateLimited), 1u);
  EXPECT_EQ(coordinator_->errors_sent(error::kMalformed), 1u);
  EXPECT_EQ(a.Take().size(), 1u);
}

TEST_F(CoordinatorMetricsTest, LateScriptErrorsAreCountedWhenTheyAreSent) {
  DeferredLink& link = UseDeferredLink();
  RecordingPeer a;
  Hello(a, ByGame("duo"));
  link.DeliverAll();
  ASSERT_TRUE(coordinator_->GameCommand(&a, "echo", "x").ok());
  link.Lose(link.seq_at(0), Status::Error(error::kScriptTimeout, "ran past 100 ms"));
  link.DeliverAll();
  EXPECT_EQ(coordinator_->errors_sent(error::kScriptTimeout), 1u);
  EXPECT_EQ(Sample("ggs_script_errors_total{kind=\"command\"}"), 1);
  EXPECT_EQ(Sample("ggs_events_total{kind=\"restored\"}"), 1);  // The rebuild's.
}

TEST_F(CoordinatorMetricsTest, RestoredTablesAndUploadsAreCounted) {
  RecordingPeer a;
  Hello(a, ByGame("duo"));
  Restart();
  EXPECT_EQ(Sample("ggs_restored_tables"), 1);
  EXPECT_EQ(Sample("ggs_restored_tables_unbuilt"), 1);
  timers_.Advance(1);  // The background sweep rebuilds it.
  EXPECT_EQ(Sample("ggs_restored_tables_unbuilt"), 0);
  EXPECT_FALSE(Upload("wrong", "duo", kGame).ok());
  ASSERT_TRUE(Upload("admin", "duo", kGame, true).ok());
  EXPECT_EQ(Sample("ggs_uploads_total{result=\"unauthorized\"}"), 1);
  EXPECT_EQ(Sample("ggs_uploads_total{result=\"ok\"}"), 1);
  EXPECT_EQ(Sample("ggs_upload_moved_tables_total"), 1);
  EXPECT_EQ(Sample("ggs_events_total{kind=\"upgrade\"}"), 1);
}

// A router that answers what the test tells it, and records what it was asked.
class FakeRouter final : public ClusterRouter {
 public:
  Route FindTable(const std::string& token) override {
    asked.push_back("table " + token);
    return route;
  }
  Route FindPlayer(const std::string& token) override {
    asked.push_back("player " + token);
    return route;
  }
  Route PlaceGame(const std::string& game, bool redirected) override {
    asked.push_back("game " + game + (redirected ? " redirected" : ""));
    return redirected ? Route{} : route;
  }
  void Created(const std::string& token) override { created.push_back(token); }
  void UploadedLive(const std::string& game, int version) override {
    asked.push_back("live " + game + " " + std::to_string(version));
  }
  Route route;
  std::vector<std::string> asked;
  std::vector<std::string> created;
};

class ClusterCoordinatorTest : public CoordinatorTest {
 protected:
  void SetUp() override {
    CoordinatorTest::SetUp();
    coordinator_.reset();
    CoordinatorOptions options = Options();
    options.router = &router_;
    coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), options);
    ASSERT_TRUE(coordinator_->Restore().ok());  // The registry only: duo.
  }
  static ClusterRouter::Route Elsewhere() {
    return {ClusterRouter::Route::Kind::kElsewhere, "10.0.0.2:9000", "10.0.0.2:8080"};
  }
  FakeRouter router_;
};

TEST_F(ClusterCoordinatorTest, AHelloForWhatIsHeldElsewhereIsRedirectedAndClosed) {
  router_.route = Elsewhere();
  const std::string token = "someone-elses";
  for (HelloRequest request :
       {HelloRequest{&token, nullptr, ""}, HelloRequest{nullptr, nullptr, "t9"}}) {
    RecordingPeer peer;
    ASSERT_TRUE(coordinator_->Hello(&peer, request).ok());
    EXPECT_EQ(peer.Take(), std::vector<std::string>{"redirect 10.0.0.2:9000"});
    EXPECT_TRUE(peer.closed);
    EXPECT_EQ(peer.player, nullptr);
  }
  EXPECT_EQ(router_.asked, (std::vector<std::string>{"player someone-elses", "table t9"}));
  EXPECT_EQ(coordinator_->player_count(), 0u);
}

TEST_F(ClusterCoordinatorTest, AGameHelloIsPlacedElsewhereOnlyWithoutAnOpenTableHere) {
  router_.route = Elsewhere();
  RecordingPeer a;
  ASSERT_TRUE(coordinator_->Hello(&a, ByGame("duo")).ok());
  EXPECT_EQ(a.Take(), std::vector<std::string>{"redirect 10.0.0.2:9000"});
  // Redirected once already: seated here, at a new table the router is told about.
  RecordingPeer b;
  HelloRequest again = ByGame("duo");
  again.redirects = 1;
  const auto hb = Hello(b, again);
  ASSERT_EQ(hb.size(), 3u);
  EXPECT_EQ(router_.created, std::vector<std::string>{hb[2]});
  // Its table has a free seat: the next hello is seated there without asking.
  router_.asked.clear();
  RecordingPeer c;
  EXPECT_EQ(Hello(c, ByGame("duo"))[2], hb[2]);
  EXPECT_TRUE(router_.asked.empty());
}

TEST_F(ClusterCoordinatorTest, AForfeitedTableSendsItsPlayersToTheOwnerAndWritesNothing) {
  router_.route = Elsewhere();
  RecordingPeer a, b;
  HelloRequest here = ByGame("duo");
  here.redirects = 1;
  const auto ha = Hello(a, here);
  HelloRequest join;
  join.table_token = ha[2];
  Hello(b, join);
  ASSERT_TRUE(store_->Flush().ok());
  coordinator_->Disconnected(&b);  // b waits in its grace period.
  a.Take();
  ASSERT_TRUE(coordinator_->GameCommand(&a, "set", "before").ok());
  EXPECT_EQ(a.Take(), std::vector<std::string>{"world_set k=before"});
  const size_t queued = store_->pending();

  coordinator_->Forfeit(ha[2], Elsewhere());
  EXPECT_EQ(a.Take(), std::vector<std::string>{"redirect 10.0.0.2:9000"});
  EXPECT_TRUE(a.closed);
  EXPECT_EQ(coordinator_->FindTable(ha[2]), nullptr);
  EXPECT_EQ(coordinator_->player_count(), 0u);
  // Its queued write is dropped, and no deletion of the table or its players is queued.
  EXPECT_GT(queued, 0u);
  EXPECT_EQ(store_->pending(), 0u);
  timers_.Advance(5000);  // b's grace period would have ended: nothing runs.
  EXPECT_EQ(store_->pending(), 0u);
}

TEST_F(ClusterCoordinatorTest, AnAdoptedTableWaitsForItsPlayersToResume) {
  StoredTable stored;
  stored.row.token = "t-adopted";
  stored.row.game_name = "duo";
  stored.row.game_version = 1;
  stored.row.source = kGame;
  stored.row.next_player_id = 3;
  stored.players = {{"p1", "t-adopted", 1}, {"p2", "t-adopted", 2}};
  stored.world = {{"k", "kept"}};
  coordinator_->Adopt(stored);
  coordinator_->Adopt(stored);  // Held already: nothing changes.
  ASSERT_NE(coordinator_->FindTable("t-adopted"), nullptr);
  EXPECT_EQ(coordinator_->player_count(), 2u);
  RecordingPeer a;
  const std::string p1 = "p1";
  const auto ha = Hello(a, HelloRequest{&p1, nullptr, ""});
  EXPECT_EQ(ha[2], "t-adopted");
  EXPECT_TRUE(router_.asked.empty());  // Held here: nobody asked.
  const std::string* kept = coordinator_->FindTable("t-adopted")->world().Get("k");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, "kept");
}

}  // namespace
}  // namespace ggs
