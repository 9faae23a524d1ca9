// Tests of VmHost: events run through the host give exactly what the same calls on a GameVm
// give, its replicas keep the VM's writes, and events for unknown tables are refused.
#include "core/vm_host.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/protocol.h"
#include "core/vm_wire_test_support.h"

namespace ggs {
namespace {

using testing_support::Describe;
using Kind = VmEvent::Kind;

// A tiny game that uses every part of the GGS object the effects can carry.
constexpr char kGame[] = R"JS(
var seats = 3;
var timer = 0;
function playerJoined(p) { GGS.sendCommandToAll("joined", p + ":" + GGS.players().join(",")); }
function playerLeft(p) { GGS.sendCommandToAll("left", p + ":" + GGS.players().join(",")); }
function playerResumed(p) { GGS.sendCommand(p, "welcome_back", ""); }
function restored() { GGS.log("restored with " + GGS.world.length + " world keys"); }
function playerCommand(p, c, a) {
  if (c === "set") {
    var i = a.indexOf("=");
    GGS.world.setItem(a.slice(0, i), a.slice(i + 1));
  } else if (c === "get") {
    GGS.sendCommand(p, "value", String(GGS.world.getItem(a)));
  } else if (c === "mine") {
    GGS.localStorage.setItem("p" + p, a);
  } else if (c === "whose") {
    GGS.sendCommand(p, "value", String(GGS.localStorage.getItem(a)));
  } else if (c === "tick") {
    timer = GGS.setInterval(function () { GGS.sendCommandToAll("tick", String(timer)); }, 50);
    GGS.setTimeout(function () { GGS.log("once"); }, 0);
    GGS.sendCommand(p, "timer", String(timer));
  } else if (c === "stop") {
    GGS.clearInterval(timer);
  } else if (c === "boom") {
    GGS.world.setItem("half", "done");
    GGS.log("about to throw");
    throw new Error("boom");
  } else if (c === "clear") {
    GGS.localStorage.clear();
    GGS.world.removeItem(a);
  } else {
    GGS.log("unknown " + c);
  }
}
)JS";

constexpr uint64_t kTable = 77;

VmEvent Event(Kind kind, uint64_t seq, uint64_t table = kTable) {
  return testing_support::MakeEvent(kind, seq, table);
}

VmEvent Open(uint64_t seq, std::string source, uint64_t table = kTable) {
  return testing_support::MakeOpen(seq, table, std::move(source), {});
}

VmEvent Command(uint64_t seq, int player, std::string command, std::string args = "",
                uint64_t table = kTable) {
  return testing_support::MakeCommand(seq, table, player, std::move(command), std::move(args));
}

VmEvent Seating(Kind kind, uint64_t seq, int player, std::vector<int> players) {
  VmEvent e = Event(kind, seq);
  e.player_id = player;
  e.players = std::move(players);
  return e;
}

VmEvent Timer(Kind kind, uint64_t seq, int id) {
  VmEvent e = Event(kind, seq);
  e.timer_id = id;
  return e;
}

// The oracle: the same events applied to a GameVm directly, the way core/table.cc does.
class DirectTable {
 public:
  explicit DirectTable(const VmEvent& open) : players_(open.players) {
    for (const auto& [k, v] : open.world) world_.Load(k, v);
    for (const auto& [k, v] : open.local) local_.Load(k, v);
    VmOptions options;
    options.memory_limit = open.memory_limit;
    auto vm = GameVm::Create(open.source, VmContext{&world_, &local_, &players_}, options);
    EXPECT_TRUE(vm.ok()) << vm.status().ToString();
    if (vm.ok()) vm_ = std::move(vm.value());
  }

  VmResult Run(const VmEvent& e) {
    switch (e.kind) {
      case Kind::kCommand:
        return vm_->PlayerCommand(e.player_id, e.command, e.args);
      case Kind::kJoined:
        players_ = e.players;
        return vm_->PlayerJoined(e.player_id);
      case Kind::kLeft:
        players_ = e.players;
        return vm_->PlayerLeft(e.player_id);
      case Kind::kResumed:
        return vm_->PlayerResumed(e.player_id);
      case Kind::kRestored:
        return vm_->Restored();
      case Kind::kTimer:
        return vm_->FireTimer(e.timer_id);
      case Kind::kForgetTimer:
        vm_->ForgetTimer(e.timer_id);
        return {};
      case Kind::kOpen:
      case Kind::kClose:
      case Kind::kUpgrade:
        break;
    }
    ADD_FAILURE() << "no direct call for kind " << static_cast<int>(e.kind);
    return {};
  }

  int seats() const { return vm_->seats(); }

 private:
  KvNamespace world_{Namespace::kWorld};
  KvNamespace local_{Namespace::kLocal};
  std::vector<int> players_;
  std::unique_ptr<GameVm> vm_;
};

std::string Outcome(const Status& status, const VmEffects& effects) {
  return Describe(status) + " " + Describe(effects);
}

TEST(VmHostTest, RepliesMatchADirectlyDrivenVm) {
  VmEvent open = Open(1, kGame);
  open.world = {{"score", "7"}, {std::string("n\0l", 3), "\xff"}};
  open.local = {{"p1", "old"}};
  open.players = {1};
  const std::vector<VmEvent> events = {
      Seating(Kind::kJoined, 2, 2, {1, 2}),
      Command(3, 1, "set", "color=red"),
      Command(4, 2, "get", "color"),
      Command(5, 2, "get", "score"),
      Command(6, 1, "mine", "a\nb"),
      Command(7, 1, "whose", "p1"),
      Command(8, 2, "tick"),
      Timer(Kind::kTimer, 9, 1),
      Timer(Kind::kTimer, 10, 2),
      Command(11, 2, "stop"),
      Timer(Kind::kForgetTimer, 12, 1),
      Timer(Kind::kTimer, 13, 1),
      Command(14, 1, "boom"),
      Command(15, 1, "get", "half"),
      Command(16, 1, "clear", "color"),
      Seating(Kind::kLeft, 17, 1, {2}),
      Seating(Kind::kResumed, 18, 2, {}),
      Event(Kind::kRestored, 19),
      Command(20, 2, "nothing"),
  };
  DirectTable direct(open);
  VmHost host;
  const VmReply opened = host.Handle(open);
  ASSERT_TRUE(opened.status.ok()) << opened.status.ToString();
  EXPECT_EQ(opened.seq, 1u);
  EXPECT_EQ(opened.table, kTable);
  EXPECT_EQ(opened.seats, direct.seats());
  EXPECT_EQ(opened.seats, 3);
  EXPECT_GT(opened.memory_used, 0u);
  for (const VmEvent& e : events) {
    SCOPED_TRACE(Describe(e));
    const VmReply reply = host.Handle(e);
    const VmResult expected = direct.Run(e);
    EXPECT_EQ(reply.seq, e.seq);
    EXPECT_EQ(reply.table, kTable);
    EXPECT_EQ(reply.seats, 0);
    EXPECT_GT(reply.memory_used, 0u);
    EXPECT_EQ(Outcome(reply.status, reply.effects), Outcome(expected.status, expected.effects));
  }
}

TEST(VmHostTest, ReplicasKeepTheWritesAndTheOpeningContents) {
  VmHost host;
  VmEvent open = Open(1, kGame);
  open.world = {{"score", "7"}};
  open.local = {{"p3", "mine"}};
  ASSERT_TRUE(host.Handle(open).status.ok());
  EXPECT_EQ(Describe(host.Handle(Command(2, 1, "get", "score")).effects),
            Describe(VmEffects{{{1, "value", "7"}}, {}, {}, {}}));
  EXPECT_EQ(host.Handle(Command(3, 1, "whose", "p3")).effects.sends.at(0).args, "mine");
  const VmReply set = host.Handle(Command(4, 1, "set", "k=v"));
  ASSERT_EQ(set.effects.writes.size(), 1u);
  EXPECT_EQ(set.effects.writes[0].key, "k");
  EXPECT_EQ(set.effects.writes[0].value, "v");
  EXPECT_EQ(host.Handle(Command(5, 2, "get", "k")).effects.sends.at(0).args, "v");
}

TEST(VmHostTest, AThrowingCallbackGivesScriptErrorWithOnlyItsLogs) {
  VmHost host;
  ASSERT_TRUE(host.Handle(Open(1, kGame)).status.ok());
  const VmReply boom = host.Handle(Command(2, 1, "boom"));
  EXPECT_EQ(boom.status.code(), error::kScriptError);
  EXPECT_NE(boom.status.message().find("boom"), std::string::npos) << boom.status.message();
  EXPECT_TRUE(boom.effects.writes.empty());
  EXPECT_TRUE(boom.effects.sends.empty());
  EXPECT_TRUE(boom.effects.timers.empty());
  EXPECT_EQ(boom.effects.logs, std::vector<std::string>{"about to throw"});
  EXPECT_EQ(host.Handle(Command(3, 1, "get", "half")).effects.sends.at(0).args, "null");
}

TEST(VmHostTest, AScriptThatCannotLoadIsNotKept) {
  VmHost host;
  const VmReply syntax = host.Handle(Open(1, "function playerCommand( {"));
  EXPECT_EQ(syntax.status.code(), error::kDefineFailed);
  EXPECT_EQ(syntax.seats, 0);
  const VmReply no_command = host.Handle(Open(2, "var seats = 2;"));
  EXPECT_EQ(no_command.status.code(), error::kDefineFailed);
  EXPECT_EQ(host.tables(), 0u);
  EXPECT_EQ(host.Handle(Command(3, 1, "get", "x")).status.code(), error::kNoSuchTable);
}

TEST(VmHostTest, TablesAreSeparateAndCloseDropsOne) {
  VmHost host;
  ASSERT_TRUE(host.Handle(Open(1, kGame, 1)).status.ok());
  ASSERT_TRUE(host.Handle(Open(2, kGame, 2)).status.ok());
  EXPECT_EQ(host.tables(), 2u);
  ASSERT_TRUE(host.Handle(Command(3, 1, "set", "k=one", 1)).status.ok());
  EXPECT_EQ(host.Handle(Command(4, 1, "get", "k", 2)).effects.sends.at(0).args, "null");

  const VmReply closed = host.Handle(Event(Kind::kClose, 5, 1));
  EXPECT_TRUE(closed.status.ok());
  EXPECT_EQ(closed.seq, 5u);
  EXPECT_EQ(closed.table, 1u);
  EXPECT_EQ(host.tables(), 1u);
  const VmReply after = host.Handle(Command(6, 1, "get", "k", 1));
  EXPECT_EQ(after.status.code(), error::kNoSuchTable);
  EXPECT_EQ(after.seq, 6u);
  EXPECT_EQ(after.table, 1u);
  EXPECT_EQ(after.memory_used, 0u);
  EXPECT_EQ(host.Handle(Event(Kind::kClose, 7, 1)).status.code(), error::kNoSuchTable);
  EXPECT_EQ(host.Handle(Command(8, 1, "get", "k", 2)).effects.sends.at(0).args, "null");
}

TEST(VmHostTest, EveryKindForAnUnknownTableIsRefused) {
  VmHost host;
  for (Kind kind : {Kind::kCommand, Kind::kJoined, Kind::kLeft, Kind::kResumed, Kind::kRestored,
                    Kind::kTimer, Kind::kForgetTimer, Kind::kClose, Kind::kUpgrade}) {
    const VmReply reply = host.Handle(Event(kind, 1, 404));
    EXPECT_EQ(reply.status.code(), error::kNoSuchTable) << static_cast<int>(kind);
    EXPECT_EQ(reply.table, 404u);
  }
}

TEST(VmHostTest, OpeningAgainReplacesTheVmAndItsReplicas) {
  VmHost host;
  ASSERT_TRUE(host.Handle(Open(1, kGame)).status.ok());
  ASSERT_TRUE(host.Handle(Command(2, 1, "set", "k=v")).status.ok());
  VmEvent reopen = Open(3, kGame);
  reopen.world = {{"k", "stored"}};
  ASSERT_TRUE(host.Handle(reopen).status.ok());
  EXPECT_EQ(host.tables(), 1u);
  EXPECT_EQ(host.Handle(Command(4, 1, "get", "k")).effects.sends.at(0).args, "stored");
}

VmEvent Upgrade(uint64_t seq, std::string source) {
  VmEvent e = Event(Kind::kUpgrade, seq);
  e.source = std::move(source);
  e.memory_limit = 8 << 20;
  return e;
}

// Version 2 of kGame's `get`: it answers with a prefix, and restored() reports its world.
constexpr char kGameV2[] = R"JS(
var seats = 4;
function restored() {
  GGS.world.setItem("upgraded", "yes");
  GGS.sendCommandToAll("v2", String(GGS.world.getItem("k")));
}
function playerCommand(p, c, a) {
  if (c === "get") GGS.sendCommand(p, "value", "v2:" + String(GGS.world.getItem(a)));
}
)JS";

TEST(VmHostTest, AnUpgradeMovesTheTableToNewCodeWithItsReplicas) {
  VmHost host;
  ASSERT_TRUE(host.Handle(Open(1, kGame)).status.ok());
  ASSERT_TRUE(host.Handle(Command(2, 1, "set", "k=v")).status.ok());
  const VmReply up = host.Handle(Upgrade(3, kGameV2));
  ASSERT_TRUE(up.status.ok()) << up.status.message();
  EXPECT_EQ(up.seq, 3u);
  EXPECT_EQ(up.seats, 4);
  EXPECT_GT(up.memory_used, 0u);
  EXPECT_EQ(Describe(up.effects),
            Describe(VmEffects{{{0, "world_set", "upgraded=yes"}, {0, "v2", "v"}},
                               {{Namespace::kWorld, KvWrite::Op::kSet, "upgraded", "yes"}},
                               {},
                               {}}));
  EXPECT_EQ(host.Handle(Command(4, 1, "get", "k")).effects.sends.at(0).args, "v2:v");
  EXPECT_EQ(host.Handle(Command(5, 1, "get", "upgraded")).effects.sends.at(0).args, "v2:yes");
  EXPECT_EQ(host.tables(), 1u);
}

TEST(VmHostTest, AFailedUpgradeLeavesTheOldVmAsItWas) {
  VmHost host;
  ASSERT_TRUE(host.Handle(Open(1, kGame)).status.ok());
  ASSERT_TRUE(host.Handle(Command(2, 1, "set", "k=v")).status.ok());
  const VmReply syntax = host.Handle(Upgrade(3, "function playerCommand( {"));
  EXPECT_EQ(syntax.status.code(), error::kDefineFailed);
  EXPECT_EQ(syntax.seats, 0);
  const VmReply throws = host.Handle(Upgrade(4, R"JS(
    function restored() { GGS.world.setItem("k", "lost"); GGS.log("trying"); throw new Error("no"); }
    function playerCommand() {}
  )JS"));
  EXPECT_EQ(throws.status.code(), error::kScriptError);
  EXPECT_TRUE(throws.effects.writes.empty());
  EXPECT_EQ(throws.effects.logs, std::vector<std::string>{"trying"});
  // The old code still answers, from replicas the failed attempts did not touch.
  EXPECT_EQ(host.Handle(Command(5, 1, "get", "k")).effects.sends.at(0).args, "v");
}

}  // namespace
}  // namespace ggs
