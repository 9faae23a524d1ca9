// Tests of GameVm: loading, the GGS API, transactions, timers, the sandbox and memory cap.
#include "core/game_vm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/protocol.h"

namespace ggs {
namespace {

using Op = VmEffects::Timer::Op;

class GameVmTest : public ::testing::Test {
 protected:
  VmContext Context() { return VmContext{&world_, &local_, &players_}; }

  // Creates a VM for `source` or fails the test.
  std::unique_ptr<GameVm> Make(const std::string& source, VmOptions options = VmOptions()) {
    auto vm = GameVm::Create(source, Context(), options);
    EXPECT_TRUE(vm.ok()) << vm.status().ToString();
    return vm.ok() ? std::move(*vm) : nullptr;
  }

  // Runs `body` as the body of playerCommand and returns what the command produced.
  VmResult Command(const std::string& body, const std::string& command = "go",
                   const std::string& args = "") {
    auto vm = Make("function playerCommand(player, command, args) {\n" + body + "\n}");
    if (vm == nullptr) return VmResult();
    return vm->PlayerCommand(1, command, args);
  }

  // The args of the one send a command body made, or a failure description.
  std::string Reply(const std::string& body) {
    VmResult result = Command(body);
    if (!result.status.ok()) return "error: " + result.status.ToString();
    if (result.effects.sends.size() != 1)
      return "sends: " + std::to_string(result.effects.sends.size());
    return result.effects.sends[0].args;
  }

  KvNamespace world_{Namespace::kWorld};
  KvNamespace local_{Namespace::kLocal};
  std::vector<int> players_{1, 2};
};

// ---- Loading.

TEST_F(GameVmTest, SyntaxErrorIsDefineFailedWithTheLine) {
  auto vm = GameVm::Create("function playerCommand(p, c, a) {\n  var x = ;\n}", Context(), {});
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.status().code(), error::kDefineFailed);
  EXPECT_NE(vm.status().message().find("SyntaxError"), std::string::npos) << vm.status().message();
  EXPECT_NE(vm.status().message().find("game.js:2"), std::string::npos) << vm.status().message();
}

TEST_F(GameVmTest, TopLevelThrowIsDefineFailed) {
  auto vm = GameVm::Create("function playerCommand() {}\nthrow new Error('boom');", Context(), {});
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.status().code(), error::kDefineFailed);
  EXPECT_NE(vm.status().message().find("Error: boom"), std::string::npos);
}

TEST_F(GameVmTest, MissingPlayerCommandIsDefineFailed) {
  for (const char* source : {"", "var x = 1;", "var playerCommand = 5;", "function player() {}"}) {
    auto vm = GameVm::Create(source, Context(), {});
    ASSERT_FALSE(vm.ok()) << source;
    EXPECT_EQ(vm.status().code(), error::kDefineFailed);
    EXPECT_NE(vm.status().message().find("playerCommand"), std::string::npos);
  }
}

TEST_F(GameVmTest, NulInSourceIsDefineFailed) {
  auto vm = GameVm::Create(std::string("function playerCommand() {}\0junk", 32), Context(), {});
  ASSERT_FALSE(vm.ok());
  EXPECT_EQ(vm.status().code(), error::kDefineFailed);
}

TEST_F(GameVmTest, CheckAcceptsGoodAndRejectsBadScripts) {
  EXPECT_EQ(GameVm::Check("function playerCommand() {}", {}).value(), kDefaultSeats);
  EXPECT_EQ(GameVm::Check("var seats = 2; function playerCommand() {}", {}).value(), 2);
  Status bad = GameVm::Check("function playerCommand( {}", {}).status();
  EXPECT_EQ(bad.code(), error::kDefineFailed);
  EXPECT_EQ(GameVm::Check("var seats = 2;", {}).status().code(), error::kDefineFailed);
}

TEST_F(GameVmTest, SeatsDefaultAndClamped) {
  const std::string command = "\nfunction playerCommand() {}";
  EXPECT_EQ(Make(command)->seats(), kDefaultSeats);
  EXPECT_EQ(Make("var seats = 4;" + command)->seats(), 4);
  EXPECT_EQ(Make("var seats = 2.7;" + command)->seats(), 2);
  EXPECT_EQ(Make("var seats = 0;" + command)->seats(), 1);
  EXPECT_EQ(Make("var seats = -3;" + command)->seats(), 1);
  EXPECT_EQ(Make("var seats = 1e9;" + command)->seats(), kMaxSeats);
  EXPECT_EQ(Make("var seats = Infinity;" + command)->seats(), kMaxSeats);
  EXPECT_EQ(Make("var seats = NaN;" + command)->seats(), kDefaultSeats);
  EXPECT_EQ(Make("var seats = '4';" + command)->seats(), kDefaultSeats);
}

TEST_F(GameVmTest, TopLevelMayReadStorageButNotChangeAnything) {
  world_.Load("best", "7");
  auto vm = Make(
      "var best = GGS.world.getItem('best');\n"
      "function playerCommand(p) { GGS.sendCommand(p, 'best', best); }");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->PlayerCommand(1, "x", "").effects.sends.at(0).args, "7");

  for (const char* effect : {"GGS.world.setItem('a', 'b');", "GGS.localStorage.clear();",
                             "GGS.sendCommandToAll('x', 'y');", "GGS.sendCommand(1, 'x', 'y');",
                             "GGS.setTimeout(function() {}, 10);"}) {
    auto failed =
        GameVm::Create(std::string(effect) + "\nfunction playerCommand() {}", Context(), {});
    ASSERT_FALSE(failed.ok()) << effect;
    EXPECT_EQ(failed.status().code(), error::kDefineFailed);
    EXPECT_NE(failed.status().message().find("top level"), std::string::npos);
  }
  EXPECT_EQ(world_.Length(), 1u);
}

// ---- playerCommand and sends.

TEST_F(GameVmTest, PlayerCommandGetsItsArguments) {
  auto vm = Make(
      "function playerCommand(player, command, args) {\n"
      "  GGS.sendCommand(player, command, typeof player + ':' + args + ':' + args.length);\n"
      "}");
  VmResult result = vm->PlayerCommand(7, "move", "h\xC3\xA9llo");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  ASSERT_EQ(result.effects.sends.size(), 1u);
  EXPECT_EQ(result.effects.sends[0].player_id, 7);
  EXPECT_EQ(result.effects.sends[0].command, "move");
  EXPECT_EQ(result.effects.sends[0].args, "number:h\xC3\xA9llo:5");

  result = vm->PlayerCommand(2, "x", "");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(result.effects.sends.at(0).args, "number::0");
}

TEST_F(GameVmTest, SendsAndBroadcastsInOrder) {
  VmResult result = Command(
      "GGS.sendCommand(2, 'a', '1');\n"
      "GGS.sendCommandToAll('b', '2');\n"
      "GGS.sendCommand(1, 'c');\n"
      "GGS.sendCommandToAll('d', 42);");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  const auto& sends = result.effects.sends;
  ASSERT_EQ(sends.size(), 4u);
  EXPECT_EQ(sends[0].player_id, 2);
  EXPECT_EQ(sends[0].command, "a");
  EXPECT_EQ(sends[0].args, "1");
  EXPECT_EQ(sends[1].player_id, 0);
  EXPECT_EQ(sends[1].command, "b");
  EXPECT_EQ(sends[2].player_id, 1);
  EXPECT_EQ(sends[2].args, "");  // Undefined args are empty.
  EXPECT_EQ(sends[3].player_id, 0);
  EXPECT_EQ(sends[3].args, "42");
}

TEST_F(GameVmTest, SendToAnInvalidPlayerIdThrows) {
  for (const char* id : {"0", "-1", "1.5", "'x'", "undefined"}) {
    VmResult result = Command(std::string("GGS.sendCommand(") + id + ", 'a', 'b');");
    EXPECT_EQ(result.status.code(), error::kScriptError) << id;
    EXPECT_NE(result.status.message().find("RangeError"), std::string::npos);
  }
}

// Regression: a command name with a line break used to reach the wire as it was, so a game
// could forge headers and whole packets (a fake `error`, a second Content-Length) in the
// streams of the players at its table.
TEST_F(GameVmTest, CommandNamesThatCouldForgeHeadersThrow) {
  for (const char* name :
       {"'ok\\nContent-Length: 0\\n\\nClient-Command: error'", "'a\\rb'", "''", "'a b'", "'a:b'",
        "'\\u00e9t\\u00e9'", "'x\\u0000y'", "new Array(66).join('x')"}) {
    for (const char* call : {"GGS.sendCommand(1, ", "GGS.sendCommandToAll("}) {
      VmResult result = Command(std::string(call) + name + ", 'payload');");
      EXPECT_EQ(result.status.code(), error::kScriptError) << call << name;
      EXPECT_TRUE(result.effects.sends.empty()) << call << name;
      EXPECT_NE(result.status.message().find("command name"), std::string::npos)
          << result.status.message();
    }
  }
  VmResult longest = Command("GGS.sendCommandToAll(new Array(65).join('x'), 'a=b\\n');");
  ASSERT_TRUE(longest.status.ok()) << longest.status.ToString();
  EXPECT_EQ(longest.effects.sends.at(0).command, std::string(64, 'x'));
  EXPECT_EQ(longest.effects.sends.at(0).args, "a=b\n");  // Payloads may hold any bytes.
}

TEST_F(GameVmTest, WorldKeysCannotMakeWorldSetAmbiguous) {
  for (const char* key : {"'a=b'", "'a\\nb'", "'a\\rb'"}) {
    VmResult result = Command(std::string("GGS.world.setItem(") + key + ", 'v');");
    EXPECT_EQ(result.status.code(), error::kScriptError) << key;
    EXPECT_TRUE(result.effects.writes.empty()) << key;
  }
  EXPECT_EQ(world_.Length(), 0u);
  // A value may hold '=', and localStorage (never broadcast) takes any key.
  EXPECT_TRUE(
      Command("GGS.world.setItem('k', 'a=b'); GGS.localStorage.setItem('a=b', 'v');").status.ok());
  EXPECT_EQ(*world_.Get("k"), "a=b");
  EXPECT_EQ(*local_.Get("a=b"), "v");
}

TEST_F(GameVmTest, LogJoinsStringFormsWithSpaces) {
  VmResult result = Command(
      "GGS.log('a', 1, {toString: function() { return 'o'; }}, null, undefined);\n"
      "GGS.log();");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  ASSERT_EQ(result.effects.logs.size(), 2u);
  EXPECT_EQ(result.effects.logs[0], "a 1 o null undefined");
  EXPECT_EQ(result.effects.logs[1], "");
}

TEST_F(GameVmTest, PlayersReturnsAFreshArrayOfTheTable) {
  players_ = {3, 5};
  auto vm = Make(
      "function playerCommand(p) {\n"
      "  var a = GGS.players(); var before = JSON.stringify(a); a.push(9);\n"
      "  GGS.sendCommand(p, 'players', before + JSON.stringify(GGS.players()));\n"
      "}");
  EXPECT_EQ(vm->PlayerCommand(3, "x", "").effects.sends.at(0).args, "[3,5][3,5]");
  players_.push_back(8);
  EXPECT_EQ(vm->PlayerCommand(3, "x", "").effects.sends.at(0).args, "[3,5,8][3,5,8]");
}

TEST_F(GameVmTest, AMissingPlayerCommandLaterIsAScriptError) {
  // MuJS binds a function's own name inside it, so the global goes from another function.
  auto vm = Make(
      "function playerCommand() { drop(); }\n"
      "function drop() { playerCommand = undefined; }");
  EXPECT_TRUE(vm->PlayerCommand(1, "x", "").status.ok());
  VmResult result = vm->PlayerCommand(1, "x", "");
  EXPECT_EQ(result.status.code(), error::kScriptError);
  EXPECT_NE(result.status.message().find("playerCommand is not a function"), std::string::npos);
}

// ---- Storage.

TEST_F(GameVmTest, WorldSetItemWritesAndBroadcasts) {
  VmResult result = Command("GGS.world.setItem('score', 3); GGS.localStorage.setItem('k', 'v');");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  ASSERT_EQ(result.effects.sends.size(), 1u);
  EXPECT_EQ(result.effects.sends[0].player_id, 0);
  EXPECT_EQ(result.effects.sends[0].command, "world_set");
  EXPECT_EQ(result.effects.sends[0].args, "score=3");
  ASSERT_EQ(result.effects.writes.size(), 2u);
  EXPECT_EQ(result.effects.writes[0].ns, Namespace::kWorld);
  EXPECT_EQ(result.effects.writes[0].op, KvWrite::Op::kSet);
  EXPECT_EQ(result.effects.writes[0].key, "score");
  EXPECT_EQ(result.effects.writes[0].value, "3");
  EXPECT_EQ(result.effects.writes[1].ns, Namespace::kLocal);
  EXPECT_EQ(result.effects.writes[1].value, "v");
  EXPECT_EQ(*world_.Get("score"), "3");
  EXPECT_EQ(*local_.Get("k"), "v");
  EXPECT_EQ(local_.Get("score"), nullptr);
}

TEST_F(GameVmTest, GetItemReturnsStringsAndNullForMissing) {
  world_.Load("here", "yes");
  EXPECT_EQ(Reply("GGS.sendCommand(1, 'r', String(GGS.world.getItem('x')));"), "null");
  EXPECT_EQ(Reply("GGS.sendCommand(1, 'r', GGS.world.getItem('x') === null);"), "true");
  EXPECT_EQ(Reply("GGS.sendCommand(1, 'r', GGS.world.getItem('here'));"), "yes");
  EXPECT_EQ(Reply("GGS.sendCommand(1, 'r', String(GGS.localStorage.getItem('here')));"), "null");
  EXPECT_EQ(Reply("GGS.localStorage.setItem('n', 5); var v = GGS.localStorage.getItem('n');\n"
                  "GGS.sendCommand(1, 'r', typeof v + v);"),
            "string5");
  EXPECT_EQ(Reply("GGS.localStorage.setItem('o', {a: 1});\n"
                  "GGS.sendCommand(1, 'r', GGS.localStorage.getItem('o'));"),
            "[object Object]");
}

TEST_F(GameVmTest, KeyLengthRemoveItemAndClear) {
  world_.Load("b", "2");
  world_.Load("a", "1");
  world_.Load("c", "3");
  auto vm = Make(
      "function playerCommand(p, command) {\n"
      "  var w = GGS.world;\n"
      "  if (command === 'list') {\n"
      "    var keys = [];\n"
      "    for (var i = 0; i < w.length; i++) keys.push(w.key(i));\n"
      "    GGS.sendCommand(p, 'keys', keys.join(',') + '|' + w.key(w.length) + '|' + w.key(-1));\n"
      "  } else if (command === 'remove') {\n"
      "    w.removeItem('b'); w.removeItem('nope');\n"
      "    GGS.sendCommand(p, 'len', w.length);\n"
      "  } else if (command === 'clear') {\n"
      "    w.clear(); GGS.sendCommand(p, 'len', w.length + ',' + w.key(0));\n"
      "  }\n"
      "}");
  EXPECT_EQ(vm->PlayerCommand(1, "list", "").effects.sends.at(0).args, "a,b,c|null|null");

  VmResult removed = vm->PlayerCommand(1, "remove", "");
  EXPECT_EQ(removed.effects.sends.at(0).args, "2");
  ASSERT_EQ(removed.effects.writes.size(), 1u);  // Removing a missing key writes nothing.
  EXPECT_EQ(removed.effects.writes[0].op, KvWrite::Op::kRemove);
  EXPECT_EQ(removed.effects.writes[0].key, "b");
  EXPECT_EQ(world_.Get("b"), nullptr);

  VmResult cleared = vm->PlayerCommand(1, "clear", "");
  EXPECT_EQ(cleared.effects.sends.at(0).args, "0,null");
  ASSERT_EQ(cleared.effects.writes.size(), 1u);
  EXPECT_EQ(cleared.effects.writes[0].op, KvWrite::Op::kClear);
  EXPECT_EQ(cleared.effects.writes[0].ns, Namespace::kWorld);
  EXPECT_EQ(world_.Length(), 0u);
}

TEST_F(GameVmTest, AThrowingCommandRollsBackAndReturnsOnlyTheError) {
  world_.Load("a", "1");
  local_.Load("x", "keep");
  VmResult result = Command(
      "GGS.world.setItem('a', '2'); GGS.world.setItem('b', '3');\n"
      "GGS.localStorage.clear();\n"
      "GGS.sendCommand(1, 'lost', '');\n"
      "GGS.log('before the throw');\n"
      "GGS.setTimeout(function() {}, 5);\n"
      "null.boom();");
  EXPECT_EQ(result.status.code(), error::kScriptError);
  EXPECT_NE(result.status.message().find("TypeError"), std::string::npos)
      << result.status.message();
  EXPECT_TRUE(result.effects.sends.empty());
  EXPECT_TRUE(result.effects.writes.empty());
  EXPECT_TRUE(result.effects.timers.empty());
  ASSERT_EQ(result.effects.logs.size(), 1u);
  EXPECT_EQ(result.effects.logs[0], "before the throw");
  EXPECT_EQ(world_.items(), (std::map<std::string, std::string>{{"a", "1"}}));
  EXPECT_EQ(local_.items(), (std::map<std::string, std::string>{{"x", "keep"}}));
}

TEST_F(GameVmTest, ErrorMessagesSayWhere) {
  VmResult result = Command("var x = 1;\nundefinedFunction();");
  EXPECT_EQ(result.status.code(), error::kScriptError);
  EXPECT_NE(result.status.message().find("ReferenceError"), std::string::npos);
  EXPECT_NE(result.status.message().find("game.js:3"), std::string::npos)
      << result.status.message();
}

TEST_F(GameVmTest, ThrownNonErrorsAreReadable) {
  EXPECT_EQ(Command("throw 42;").status.message(), "uncaught exception: 42");
  EXPECT_EQ(Command("throw 'no such move';").status.message(), "no such move");
  EXPECT_EQ(Command("throw {why: 'x'};").status.message(), "uncaught exception: {why: \"x\"}");
  EXPECT_EQ(Command("throw null;").status.message(), "uncaught exception: null");
  EXPECT_EQ(Command("throw undefined;").status.message(), "uncaught exception: undefined");
  VmResult custom = Command("throw new RangeError('out of range');");
  EXPECT_EQ(custom.status.message().rfind("RangeError: out of range", 0), 0u);
  // An error whose string form throws still gives the table something to send.
  VmResult nasty =
      Command("var e = new Error('x'); e.toString = function() { throw e; }; throw e;");
  EXPECT_EQ(nasty.status.code(), error::kScriptError);
  EXPECT_FALSE(nasty.status.message().empty());
}

TEST_F(GameVmTest, ACaughtErrorInsideTheScriptIsNotAnError) {
  VmResult result = Command(
      "try { null.x(); } catch (e) { GGS.sendCommand(1, 'caught', e.name); }\n"
      "GGS.world.setItem('after', 'catch');");
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(result.effects.sends.at(0).args, "TypeError");
  EXPECT_EQ(*world_.Get("after"), "catch");
}

TEST_F(GameVmTest, RunawayRecursionIsAScriptErrorAndTheVmGoesOn) {
  auto vm = Make(
      "function deep() { return deep() + 1; }\n"
      "function tries() { try { return tries(); } finally { } }\n"
      "function playerCommand(p, command) {\n"
      "  if (command === 'recurse') deep();\n"
      "  if (command === 'tries') tries();\n"
      "  if (command === 'apply') Math.max.apply(null, new Array(100000));\n"
      "  GGS.sendCommand(p, 'fine', '');\n"
      "}");
  for (const char* command : {"recurse", "tries", "apply"}) {
    VmResult result = vm->PlayerCommand(1, command, "");
    EXPECT_EQ(result.status.code(), error::kScriptError) << command;
    EXPECT_NE(result.status.message().find("overflow"), std::string::npos)
        << command << ": " << result.status.message();
    EXPECT_EQ(vm->PlayerCommand(1, "ok", "").effects.sends.at(0).command, "fine");
  }
}

// ---- Timers.

constexpr char kTimerGame[] =
    "var fired = 0;\n"
    "function playerCommand(p, command, args) {\n"
    "  if (command === 'timeout') {\n"
    "    GGS.sendCommand(p, 'id', GGS.setTimeout(function() {\n"
    "      fired++; GGS.sendCommandToAll('fired', 'timeout ' + fired);\n"
    "    }, Number(args)));\n"
    "  } else if (command === 'interval') {\n"
    "    GGS.sendCommand(p, 'id', GGS.setInterval(function() {\n"
    "      fired++; GGS.sendCommandToAll('fired', 'interval ' + fired);\n"
    "    }, Number(args)));\n"
    "  } else if (command === 'clear') {\n"
    "    GGS.clearInterval(Number(args));\n"
    "  } else if (command === 'throw') {\n"
    "    GGS.setTimeout(function() { GGS.sendCommandToAll('fired', 'ghost'); }, 1);\n"
    "    throw new Error('no');\n"
    "  } else if (command === 'bad') {\n"
    "    GGS.setTimeout('not a function', 1);\n"
    "  }\n"
    "}\n";

TEST_F(GameVmTest, SetTimeoutReturnsAnIdAndFiresOnce) {
  auto vm = Make(kTimerGame);
  VmResult set = vm->PlayerCommand(1, "timeout", "250");
  ASSERT_TRUE(set.status.ok()) << set.status.ToString();
  EXPECT_EQ(set.effects.sends.at(0).args, "1");
  ASSERT_EQ(set.effects.timers.size(), 1u);
  EXPECT_EQ(set.effects.timers[0].op, Op::kSet);
  EXPECT_EQ(set.effects.timers[0].id, 1);
  EXPECT_EQ(set.effects.timers[0].ms, 250);
  EXPECT_FALSE(set.effects.timers[0].repeat);

  VmResult fired = vm->FireTimer(1);
  ASSERT_TRUE(fired.status.ok()) << fired.status.ToString();
  ASSERT_EQ(fired.effects.sends.size(), 1u);
  EXPECT_EQ(fired.effects.sends[0].args, "timeout 1");

  // A one-shot is forgotten once it fired.
  VmResult again = vm->FireTimer(1);
  EXPECT_TRUE(again.status.ok());
  EXPECT_TRUE(again.effects.sends.empty());
}

TEST_F(GameVmTest, IdsIncreaseAndDelaysAreClamped) {
  auto vm = Make(kTimerGame);
  VmResult first = vm->PlayerCommand(1, "timeout", "-5");
  VmResult second = vm->PlayerCommand(1, "interval", "nonsense");
  VmResult third = vm->PlayerCommand(1, "timeout", "1e12");
  EXPECT_EQ(first.effects.timers.at(0).id, 1);
  EXPECT_EQ(first.effects.timers.at(0).ms, 1);
  EXPECT_EQ(second.effects.timers.at(0).id, 2);
  EXPECT_EQ(second.effects.timers.at(0).ms, 1);
  EXPECT_TRUE(second.effects.timers.at(0).repeat);
  EXPECT_EQ(third.effects.timers.at(0).id, 3);
  EXPECT_EQ(third.effects.timers.at(0).ms, 2147483647.0);
}

TEST_F(GameVmTest, IntervalKeepsFiringUntilForgotten) {
  auto vm = Make(kTimerGame);
  VmResult set = vm->PlayerCommand(1, "interval", "33");
  ASSERT_EQ(set.effects.timers.size(), 1u);
  EXPECT_TRUE(set.effects.timers[0].repeat);
  const int id = set.effects.timers[0].id;
  EXPECT_EQ(vm->FireTimer(id).effects.sends.at(0).args, "interval 1");
  EXPECT_EQ(vm->FireTimer(id).effects.sends.at(0).args, "interval 2");

  VmResult cleared = vm->PlayerCommand(1, "clear", std::to_string(id));
  ASSERT_EQ(cleared.effects.timers.size(), 1u);
  EXPECT_EQ(cleared.effects.timers[0].op, Op::kClear);
  EXPECT_EQ(cleared.effects.timers[0].id, id);
  vm->ForgetTimer(id);
  EXPECT_TRUE(vm->FireTimer(id).effects.sends.empty());

  // Clearing an unknown or forgotten timer does nothing.
  EXPECT_TRUE(vm->PlayerCommand(1, "clear", std::to_string(id)).effects.timers.empty());
  EXPECT_TRUE(vm->PlayerCommand(1, "clear", "12345").effects.timers.empty());
}

TEST_F(GameVmTest, TimersOfAThrowingEventAreNotKept) {
  auto vm = Make(kTimerGame);
  VmResult thrown = vm->PlayerCommand(1, "throw", "");
  EXPECT_EQ(thrown.status.code(), error::kScriptError);
  EXPECT_TRUE(thrown.effects.timers.empty());
  VmResult ghost = vm->FireTimer(1);
  EXPECT_TRUE(ghost.status.ok());
  EXPECT_TRUE(ghost.effects.sends.empty());
  // Its id stays used, and its slot serves the next timer correctly.
  VmResult next = vm->PlayerCommand(1, "timeout", "5");
  EXPECT_EQ(next.effects.timers.at(0).id, 2);
  EXPECT_EQ(vm->FireTimer(2).effects.sends.at(0).args, "timeout 1");
}

TEST_F(GameVmTest, SetTimeoutWithoutAFunctionThrows) {
  auto vm = Make(kTimerGame);
  VmResult result = vm->PlayerCommand(1, "bad", "");
  EXPECT_EQ(result.status.code(), error::kScriptError);
  EXPECT_NE(result.status.message().find("TypeError"), std::string::npos);
}

TEST_F(GameVmTest, AThrowingTimerIsAnErrorAndAOneShotIsStillForgotten) {
  auto vm = Make(
      "function playerCommand() { GGS.setTimeout(function() {\n"
      "  GGS.world.setItem('t', 'x'); throw new Error('tick'); }, 10); }");
  ASSERT_TRUE(vm->PlayerCommand(1, "go", "").status.ok());
  VmResult fired = vm->FireTimer(1);
  EXPECT_EQ(fired.status.code(), error::kScriptError);
  EXPECT_NE(fired.status.message().find("Error: tick"), std::string::npos);
  EXPECT_EQ(world_.Get("t"), nullptr);
  EXPECT_TRUE(vm->FireTimer(1).status.ok());
}

TEST_F(GameVmTest, TimerCallbacksSeeNoArgumentsAndCanSetTimers) {
  auto vm = Make(
      "function playerCommand() {\n"
      "  GGS.setTimeout(function() {\n"
      "    GGS.sendCommandToAll('argc', arguments.length);\n"
      "    GGS.setTimeout(function() { GGS.sendCommandToAll('chained', ''); }, 1);\n"
      "  }, 1);\n"
      "}");
  ASSERT_TRUE(vm->PlayerCommand(1, "go", "").status.ok());
  VmResult fired = vm->FireTimer(1);
  ASSERT_TRUE(fired.status.ok()) << fired.status.ToString();
  EXPECT_EQ(fired.effects.sends.at(0).args, "0");
  ASSERT_EQ(fired.effects.timers.size(), 1u);
  EXPECT_EQ(fired.effects.timers[0].id, 2);
  EXPECT_EQ(vm->FireTimer(2).effects.sends.at(0).command, "chained");
}

// ---- Hooks.

TEST_F(GameVmTest, HooksAreCalled) {
  auto vm = Make(
      "function playerCommand() {}\n"
      "function playerJoined(p) { GGS.sendCommandToAll('joined', p); }\n"
      "function playerLeft(p) { GGS.sendCommandToAll('left', p); }\n"
      "function restored() { GGS.sendCommandToAll('restored', arguments.length); }\n");
  VmResult joined = vm->PlayerJoined(4);
  ASSERT_TRUE(joined.status.ok());
  EXPECT_EQ(joined.effects.sends.at(0).command, "joined");
  EXPECT_EQ(joined.effects.sends.at(0).args, "4");
  EXPECT_EQ(vm->PlayerLeft(4).effects.sends.at(0).args, "4");
  VmResult restored = vm->Restored();
  EXPECT_EQ(restored.effects.sends.at(0).command, "restored");
  EXPECT_EQ(restored.effects.sends.at(0).args, "0");
}

TEST_F(GameVmTest, AbsentHooksAreOkAndEmpty) {
  auto vm = Make("function playerCommand() {}\nvar playerLeft = 3;");
  for (VmResult result : {vm->PlayerJoined(1), vm->PlayerLeft(1), vm->Restored()}) {
    EXPECT_TRUE(result.status.ok()) << result.status.ToString();
    EXPECT_TRUE(result.effects.sends.empty());
    EXPECT_TRUE(result.effects.writes.empty());
    EXPECT_TRUE(result.effects.timers.empty());
    EXPECT_TRUE(result.effects.logs.empty());
  }
}

TEST_F(GameVmTest, AThrowingHookIsAScriptError) {
  auto vm = Make("function playerCommand() {}\nfunction playerJoined() { throw 'full'; }");
  VmResult result = vm->PlayerJoined(1);
  EXPECT_EQ(result.status.code(), error::kScriptError);
  EXPECT_EQ(result.status.message(), "full");
}

// ---- Sandbox.

TEST_F(GameVmTest, OnlyTheStandardLibraryAndGgsAreVisible) {
  const std::string body =
      "var names = ['load', 'print', 'read', 'readline', 'require', 'quit', 'gc', 'write',\n"
      "  'compile', 'scriptArgs', 'process', 'console', 'setTimeout', 'module', 'exports',\n"
      "  'Duktape', 'os', 'io', 'repr'];\n"
      "var found = [];\n"
      "for (var i = 0; i < names.length; i++)\n"
      "  if (typeof this[names[i]] !== 'undefined' || eval('typeof ' + names[i]) !== 'undefined')\n"
      "    found.push(names[i]);\n"
      "GGS.sendCommand(1, 'found', found.join(',') + '|' + typeof GGS + typeof JSON + typeof "
      "Math);";
  EXPECT_EQ(Reply(body), "|objectobjectobject");
}

TEST_F(GameVmTest, GgsCannotBeReplaced) {
  auto vm = Make(
      "GGS = null; GGS.sendCommand = null; GGS.world = null; delete GGS.world;\n"
      "function playerCommand(p) { GGS.world.setItem('still', 'works'); }");
  ASSERT_NE(vm, nullptr);
  EXPECT_TRUE(vm->PlayerCommand(1, "x", "").status.ok());
  EXPECT_EQ(*world_.Get("still"), "works");
}

TEST_F(GameVmTest, TwoVmsDoNotShareGlobals) {
  const std::string source =
      "var count = 0;\n"
      "function playerCommand(p, c) { if (c === 'leak') Object.prototype.leaked = 1;\n"
      "  count++; GGS.sendCommand(p, 'count', count + ',' + typeof ({}).leaked); }";
  auto first = Make(source);
  auto second = Make(source);
  EXPECT_EQ(first->PlayerCommand(1, "leak", "").effects.sends.at(0).args, "1,number");
  EXPECT_EQ(first->PlayerCommand(1, "x", "").effects.sends.at(0).args, "2,number");
  EXPECT_EQ(second->PlayerCommand(1, "x", "").effects.sends.at(0).args, "1,undefined");
}

// ---- Memory.

constexpr char kHungryGame[] =
    "var kept = [];\n"
    "function playerCommand(p, command) {\n"
    "  if (command === 'array') { var a = []; for (;;) a.push({n: a.length}); }\n"
    "  if (command === 'string') { var s = 'x'; for (;;) s = s + s; }\n"
    "  if (command === 'keep') { for (;;) kept.push('item' + kept.length); }\n"
    "  if (command === 'sends') { for (var i = 0; ; i++) GGS.sendCommand(p, 'x', 'y' + i); }\n"
    "  if (command === 'forget') { kept = []; }\n"
    "  GGS.sendCommand(p, 'small', [1, 2, 3].join('+'));\n"
    "}\n";

TEST_F(GameVmTest, RunningOutOfMemoryIsAScriptErrorAndTheVmGoesOn) {
  VmOptions options;
  options.memory_limit = 4 << 20;
  options.limits.sends_per_event = UINT32_MAX;  // Memory, not the count, is under test.
  options.limits.event_bytes = UINT64_MAX;
  auto vm = Make(kHungryGame, options);
  for (const char* command : {"array", "string", "sends", "array", "keep", "forget"}) {
    VmResult hungry = vm->PlayerCommand(1, command, "");
    if (std::string(command) != "forget") {
      EXPECT_EQ(hungry.status.code(), error::kScriptError) << command;
      EXPECT_NE(hungry.status.message().find("out of memory"), std::string::npos)
          << command << ": " << hungry.status.message();
      EXPECT_TRUE(hungry.effects.sends.empty());
    }
    EXPECT_LE(vm->memory_used(), options.memory_limit);
    VmResult small = vm->PlayerCommand(1, "small", "");
    if (std::string(command) == "keep") continue;  // The kept items still fill the heap.
    ASSERT_TRUE(small.status.ok()) << command << ": " << small.status.ToString();
    EXPECT_EQ(small.effects.sends.at(0).args, "1+2+3");
  }
}

TEST_F(GameVmTest, CreateUnderATinyLimitFailsCleanly) {
  // Every limit up to a working one, so that each allocation inside js_newstate, GGS's
  // installation and the script's load fails once (under ASan, also without leaking).
  size_t limit = 0;
  for (; limit < (8 << 20); limit += 1024) {
    VmOptions options;
    options.memory_limit = limit;
    auto vm = GameVm::Create("function playerCommand() {}", Context(), options);
    if (vm.ok()) break;
    EXPECT_EQ(vm.status().code(), error::kDefineFailed);
    EXPECT_EQ(vm.status().message(), "out of memory") << limit;
  }
  EXPECT_GT(limit, 0u);
  EXPECT_LT(limit, size_t{8} << 20);
  EXPECT_EQ(GameVm::Check("function playerCommand() {}", VmOptions{100, {}}).status().code(),
            error::kDefineFailed);
}

TEST_F(GameVmTest, ManyCommandsDoNotGrowMemory) {
  VmOptions options;
  options.memory_limit = 8 << 20;
  auto vm = Make(
      "var state = {ticks: 0};\n"
      "function playerCommand(p, command, args) {\n"
      "  state.ticks++;\n"
      "  var garbage = {text: 'tick ' + state.ticks + args, list: [state.ticks, args]};\n"
      "  GGS.localStorage.setItem('ticks', state.ticks);\n"
      "  GGS.sendCommand(p, 'tick', JSON.stringify(garbage));\n"
      "}",
      options);
  size_t peak = 0;
  size_t used_at_1000 = 0;
  for (int i = 1; i <= 100000; ++i) {
    VmResult result = vm->PlayerCommand(1, "tick", std::to_string(i));
    ASSERT_TRUE(result.status.ok()) << i << ": " << result.status.ToString();
    peak = std::max(peak, vm->memory_used());
    if (i == 1000) used_at_1000 = vm->memory_used();
  }
  EXPECT_LE(peak, options.memory_limit);
  EXPECT_LE(vm->memory_used(), used_at_1000 + (2 << 20));
  EXPECT_EQ(*local_.Get("ticks"), "100000");
}

// Each timer a long-running table sets must not leave anything behind in the VM.
TEST_F(GameVmTest, ManyTimersDoNotGrowMemory) {
  auto vm = Make(
      "function playerCommand() {\n"
      "  GGS.setTimeout(function() { GGS.sendCommandToAll('t', ''); }, 33);\n"
      "}");
  size_t used_at_1000 = 0;
  for (int i = 1; i <= 100000; ++i) {
    VmResult set = vm->PlayerCommand(1, "set", "");
    ASSERT_EQ(set.effects.timers.size(), 1u);
    ASSERT_EQ(vm->FireTimer(set.effects.timers[0].id).effects.sends.size(), 1u);
    if (i == 1000) used_at_1000 = vm->memory_used();
  }
  EXPECT_LE(vm->memory_used(), used_at_1000 + (1 << 20));
}

// ---- Limits on what one event and one table may do (VmLimits).

constexpr char kBusyGame[] = R"JS(
function playerCommand(p, c, a) {
  var n = Number(a), i;
  if (c === 'send') for (i = 0; i < n; i++) GGS.sendCommand(p, 'x', 'y');
  if (c === 'all') for (i = 0; i < n; i++) GGS.sendCommandToAll('x', 'yyyyyyyyyy');
  if (c === 'write') for (i = 0; i < n; i++) GGS.world.setItem('k' + (i % 3), 'v');
  if (c === 'keys') for (i = 0; i < n; i++) GGS.localStorage.setItem('k' + i, 'v');
  if (c === 'key') GGS.localStorage.setItem(a, 'v');
  if (c === 'big') GGS.localStorage.setItem('big', new Array(n + 1).join('x'));
  if (c === 'timers') for (i = 0; i < n; i++) GGS.setTimeout(function () {}, 1000);
  if (c === 'log') for (i = 0; i < n; i++) GGS.log('0123456789');
  if (c === 'catch') {
    try { for (i = 0; ; i++) GGS.sendCommand(p, 'x', 'y'); }
    catch (e) { GGS.world.setItem('caught', String(i)); }
  }
}
)JS";

VmOptions SmallLimits() {
  VmOptions options;
  options.limits = {5, 4, 1000, 3, 4, 100};
  return options;
}

TEST_F(GameVmTest, AnEventPastALimitFailsAndNamesTheFlag) {
  auto vm = Make(kBusyGame, SmallLimits());
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"send", "6", "--max-sends-per-event"},
      {"all", "6", "--max-sends-per-event"},
      {"all", "5", ""},
      {"write", "5", "--max-writes-per-event"},
      {"big", "101", "--max-storage-bytes"},
      {"keys", "4", ""},
      {"key", "extra", "--max-keys"},
      {"log", "101", "--max-event-bytes"},
      {"timers", "4", "--max-timers"},
  };
  for (const auto& [command, n, flag] : cases) {
    SCOPED_TRACE(command + " " + n);
    VmResult r = vm->PlayerCommand(1, command, n);
    if (flag.empty()) {
      EXPECT_TRUE(r.status.ok()) << r.status.message();
      continue;
    }
    EXPECT_EQ(r.status.code(), error::kScriptError);
    EXPECT_NE(r.status.message().find(flag), std::string::npos) << r.status.message();
    EXPECT_TRUE(r.effects.sends.empty());
    EXPECT_TRUE(r.effects.writes.empty());
    EXPECT_TRUE(r.effects.timers.empty());
  }
  // Within the limits every kind goes through, event after event.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(vm->PlayerCommand(1, "send", "5").effects.sends.size(), 5u);
    EXPECT_TRUE(vm->PlayerCommand(1, "write", "4").status.ok());
  }
  EXPECT_TRUE(vm->PlayerCommand(1, "keys", "4").status.ok());  // Overwriting takes no new key.
  EXPECT_TRUE(vm->PlayerCommand(1, "keys", "4").status.ok());
  EXPECT_TRUE(vm->PlayerCommand(1, "timers", "3").status.ok());
  EXPECT_EQ(vm->PlayerCommand(1, "timers", "1").status.code(), error::kScriptError);  // Pending.
}

TEST_F(GameVmTest, AGameMayCatchALimitAndGoOn) {
  auto vm = Make(kBusyGame, SmallLimits());
  VmResult r = vm->PlayerCommand(1, "catch", "");
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.effects.sends.size(), 6u);  // Five commands, then the world_set of `caught`.
  EXPECT_EQ(*world_.Get("caught"), "5");
}

// A representative game: what a fresh VM costs is what a table costs at rest.
constexpr char kPong[] = R"js(
var seats = 2;
var WIDTH = 640, HEIGHT = 480, PADDLE = 80, SPEED = 6, TICK_MS = 33;
var game = null;
var tick = 0;

function newGame() {
  return {
    ball: {x: WIDTH / 2, y: HEIGHT / 2, dx: SPEED, dy: SPEED / 2},
    paddles: {},
    score: {},
    running: false
  };
}

function load() {
  var saved = GGS.world.getItem('game');
  game = saved === null ? newGame() : JSON.parse(saved);
}

function save() {
  GGS.localStorage.setItem('game', JSON.stringify(game));
}

function sideOf(player) {
  var players = GGS.players();
  for (var i = 0; i < players.length; i++) {
    if (players[i] === player) return i === 0 ? 'left' : 'right';
  }
  return null;
}

function broadcastState() {
  var b = game.ball;
  var parts = [Math.round(b.x), Math.round(b.y)];
  for (var side in game.paddles) parts.push(side + ':' + game.paddles[side]);
  GGS.sendCommandToAll('state', parts.join(','));
}

function resetBall(direction) {
  game.ball = {x: WIDTH / 2, y: HEIGHT / 2, dx: SPEED * direction, dy: (Math.random() - 0.5) * SPEED};
}

function scorePoint(side) {
  game.score[side] = (game.score[side] || 0) + 1;
  GGS.world.setItem('score_' + side, game.score[side]);
  GGS.sendCommandToAll('score', side + '=' + game.score[side]);
  if (game.score[side] >= 10) {
    GGS.sendCommandToAll('winner', side);
    stop();
    game = newGame();
  } else {
    resetBall(side === 'left' ? 1 : -1);
  }
}

function hitsPaddle(side, y) {
  var top = game.paddles[side];
  return top !== undefined && y >= top && y <= top + PADDLE;
}

function step() {
  var b = game.ball;
  b.x += b.dx;
  b.y += b.dy;
  if (b.y < 0 || b.y > HEIGHT) {
    b.dy = -b.dy;
    b.y = Math.max(0, Math.min(HEIGHT, b.y));
  }
  if (b.x <= 0) {
    if (hitsPaddle('left', b.y)) b.dx = -b.dx; else scorePoint('right');
  } else if (b.x >= WIDTH) {
    if (hitsPaddle('right', b.y)) b.dx = -b.dx; else scorePoint('left');
  }
  tick++;
  broadcastState();
}

function start() {
  if (game.running) return;
  game.running = true;
  game.timer = GGS.setInterval(step, TICK_MS);
  GGS.sendCommandToAll('start', '');
}

function stop() {
  if (!game.running) return;
  GGS.clearInterval(game.timer);
  game.running = false;
  GGS.sendCommandToAll('stop', '');
}

function movePaddle(player, args) {
  var side = sideOf(player);
  if (side === null) throw new Error('not seated');
  var y = parseInt(args, 10);
  if (isNaN(y)) throw new RangeError('bad paddle position: ' + args);
  game.paddles[side] = Math.max(0, Math.min(HEIGHT - PADDLE, y));
}

var commands = {
  move: movePaddle,
  start: function(player) { start(); },
  stop: function(player) { stop(); },
  chat: function(player, args) { GGS.sendCommandToAll('chat', player + ': ' + args); },
  score: function(player) {
    GGS.sendCommand(player, 'score', JSON.stringify(game.score));
  }
};

function playerCommand(player, command, args) {
  var handler = commands[command];
  if (!handler) {
    GGS.sendCommand(player, 'error', 'unknown command ' + command);
    return;
  }
  handler(player, args);
  save();
}

function playerJoined(player) {
  var side = sideOf(player);
  GGS.sendCommandToAll('joined', player + ' ' + side);
  GGS.log('player', player, 'joined as', side);
  if (GGS.players().length === 2) start();
}

function playerLeft(player) {
  GGS.sendCommandToAll('left', String(player));
  stop();
}

function restored() {
  load();
  game.running = false;
  if (GGS.players().length === 2) start();
}

load();
)js";

TEST_F(GameVmTest, AFreshPongTableIsSmall) {
  players_ = {};
  auto vm = Make(kPong);
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->seats(), 2);
  const size_t fresh = vm->memory_used();
  std::cout << "memory_used of a fresh pong VM: " << fresh << " bytes\n";
  RecordProperty("fresh_pong_vm_bytes", std::to_string(fresh));
  EXPECT_LT(fresh, size_t{1} << 20);

  // And it plays: two players join, the interval runs, a paddle moves.
  players_ = {1};
  EXPECT_TRUE(vm->PlayerJoined(1).status.ok());
  players_ = {1, 2};
  VmResult second = vm->PlayerJoined(2);
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  ASSERT_EQ(second.effects.timers.size(), 1u);
  const int interval = second.effects.timers[0].id;
  EXPECT_TRUE(vm->PlayerCommand(1, "move", "100").status.ok());
  EXPECT_EQ(vm->PlayerCommand(1, "move", "up").status.code(), error::kScriptError);
  for (int i = 0; i < 1000; ++i) {
    VmResult tick = vm->FireTimer(interval);
    ASSERT_TRUE(tick.status.ok()) << tick.status.ToString();
  }
}

}  // namespace
}  // namespace ggs
