// Unit tests of the coordinator with a manual clock, recording peers and an in-memory
// database: seating, resuming, grace expiry, table end, the game registry.
#include "core/coordinator.h"

#include <gtest/gtest.h>

#include "core/protocol.h"
#include "testing/deferred_link.h"
#include "testing/manual_timers.h"
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
    storage_ = std::move(Storage::Open(":memory:").value());
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
  HelloRequest ByGame(const std::string& name) {
    game_name_ = name;
    HelloRequest r;
    r.game = &game_name_;
    return r;
  }

  ManualTimers timers_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteBehind> store_;
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
  DeferredLink link;
  CoordinatorOptions options = Options();
  options.vm_link = &link;
  coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), options);
  ASSERT_TRUE(coordinator_->InstallGame("duo", kGame).ok());
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
  coordinator_.reset();  // Before the link it uses.
}

TEST_F(CoordinatorTest, ALateDefineVerdictGoesToTheCreator) {
  DeferredLink link;
  CoordinatorOptions options = Options();
  options.vm_link = &link;
  coordinator_ = std::make_unique<Coordinator>(&timers_, storage_.get(), store_.get(), options);
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
  coordinator_.reset();  // Before the link it uses.
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

TEST_F(CoordinatorTest, UploadChecksTheTokenAndTheSource) {
  EXPECT_EQ(coordinator_->Upload("wrong", "duo", kGame).status().code(), "unauthorized");
  EXPECT_EQ(coordinator_->Upload("", "duo", kGame).status().code(), "unauthorized");
  EXPECT_EQ(coordinator_->Upload("admin", "duo", "function (").status().code(), "define_failed");
  EXPECT_EQ(coordinator_->Upload("admin", "bad name!", kGame).status().code(), "bad_request");
  Result<int> v = coordinator_->Upload("admin", "duo", kGame);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value(), 2);
}

TEST_F(CoordinatorTest, NewTablesUseTheNewestVersionRunningTablesKeepTheirs) {
  RecordingPeer a;
  Hello(a, ByGame("duo"));
  const std::string v2 = std::string(kGame) + "function playerResumed(id) {}";
  ASSERT_TRUE(coordinator_->Upload("admin", "duo", v2).ok());
  RecordingPeer b;
  const auto hb = Hello(b, ByGame("duo"));  // Joins the open version-1 table.
  RecordingPeer c, d;
  Hello(c, ByGame("duo"));
  const auto hd = Hello(d, ByGame("duo"));
  EXPECT_EQ(coordinator_->FindTable(hb[2])->row().game_version, 1);
  EXPECT_EQ(coordinator_->FindTable(hd[2])->row().game_version, 2);
}

}  // namespace
}  // namespace ggs
