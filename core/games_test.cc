// Tests of the shipped games (games/NAME/NAME.js): each game runs in a real GameVm and is
// driven through the same events a table sends it (players joining and leaving, commands,
// timers firing, a rebuilt VM), and the effects it returns are checked against the message
// formats its README documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "core/game_vm.h"
#include "core/kv_namespace.h"

namespace ggs {
namespace {

std::string ReadGame(const std::string& name) {
  const std::string path = std::string(GGS_SOURCE_DIR) + "/games/" + name + "/" + name + ".js";
  Result<std::string> source = ReadFile(path);
  EXPECT_TRUE(source.ok()) << source.status().message();
  return source.ok() ? *source : "";
}

// One send as a line that reads like the protocol: "all CMD ARGS" for a broadcast,
// "to ID CMD ARGS" for a single player.
std::string Describe(const VmEffects::Send& send) {
  const std::string to = send.player_id == 0 ? "all" : "to " + std::to_string(send.player_id);
  return to + " " + send.command + " " + send.args;
}

std::vector<std::string> Sends(const VmEffects& effects) {
  std::vector<std::string> lines;
  for (const VmEffects::Send& send : effects.sends) lines.push_back(Describe(send));
  return lines;
}

// The value of `key`, or "(null)" when it is missing.
std::string Item(const KvNamespace& kv, const std::string& key) {
  const std::string* value = kv.Get(key);
  return value == nullptr ? "(null)" : *value;
}

// A table as the games see it: two namespaces, the seated players, the VM, and the timers
// the table's clock would be running (kept the way core/table.cc keeps them).
class GameTable {
 public:
  // Loads games/NAME/NAME.js, followed by `extra` script (used to pin Math.random).
  ::testing::AssertionResult Load(const std::string& name, const std::string& extra = "") {
    std::string source = ReadGame(name);
    if (source.empty()) return ::testing::AssertionFailure() << "cannot read game " << name;
    Result<std::unique_ptr<GameVm>> vm =
        GameVm::Create(source + "\n" + extra, VmContext{&world, &local, &players}, VmOptions());
    if (!vm.ok()) return ::testing::AssertionFailure() << vm.status().ToString();
    vm_ = std::move(vm.value());
    timers_.clear();
    return ::testing::AssertionSuccess();
  }

  GameVm& vm() { return *vm_; }

  VmEffects Join(int id) {
    players.push_back(id);
    return Apply(vm_->PlayerJoined(id));
  }
  VmEffects Leave(int id) {
    std::erase(players, id);
    return Apply(vm_->PlayerLeft(id));
  }
  VmEffects Command(int id, const std::string& command, const std::string& args) {
    return Apply(vm_->PlayerCommand(id, command, args));
  }
  VmEffects Restored() { return Apply(vm_->Restored()); }
  // Fires the one running interval (the game clock).
  VmEffects Tick() {
    EXPECT_EQ(timers_.size(), 1u) << "expected exactly one running timer";
    if (timers_.empty()) return VmEffects();
    return Apply(vm_->FireTimer(timers_.begin()->first));
  }

  // Running timers: id -> repeats.
  const std::map<int, bool>& timers() const { return timers_; }

  KvNamespace world{Namespace::kWorld};
  KvNamespace local{Namespace::kLocal};
  std::vector<int> players;

 private:
  // Every event of a shipped game must return normally: a game-level rejection is a
  // message, never a script error.
  VmEffects Apply(VmResult result) {
    EXPECT_TRUE(result.status.ok()) << result.status.ToString();
    for (const VmEffects::Timer& t : result.effects.timers) {
      if (t.op == VmEffects::Timer::Op::kSet) {
        timers_[t.id] = t.repeat;
      } else {
        timers_.erase(t.id);
        vm_->ForgetTimer(t.id);
      }
    }
    return std::move(result.effects);
  }

  std::unique_ptr<GameVm> vm_;
  std::map<int, bool> timers_;
};

// ---- chat

TEST(ChatGameTest, DeclaresSixtyFourSeats) {
  GameTable t;
  ASSERT_TRUE(t.Load("chat"));
  EXPECT_EQ(t.vm().seats(), 64);
}

TEST(ChatGameTest, ThreePlayersChat) {
  GameTable t;
  ASSERT_TRUE(t.Load("chat"));
  EXPECT_EQ(Sends(t.Join(1)), std::vector<std::string>{"all notice guest1 joined"});
  EXPECT_EQ(Sends(t.Join(2)), std::vector<std::string>{"all notice guest2 joined"});
  EXPECT_EQ(Sends(t.Join(3)), std::vector<std::string>{"all notice guest3 joined"});

  VmEffects nick = t.Command(1, "nick", "alice");
  EXPECT_EQ(Sends(nick), std::vector<std::string>{"all notice guest1 is now alice"});
  ASSERT_EQ(nick.writes.size(), 1u);
  EXPECT_EQ(nick.writes[0].ns, Namespace::kLocal);
  EXPECT_EQ(nick.writes[0].key, "nick:1");
  EXPECT_EQ(Item(t.local, "nick:1"), "alice");
  EXPECT_EQ(Sends(t.Command(2, "nick", "bob")),
            std::vector<std::string>{"all notice guest2 is now bob"});
  EXPECT_EQ(Sends(t.Command(1, "nick", "al")),
            std::vector<std::string>{"all notice alice is now al"});

  EXPECT_EQ(Sends(t.Command(1, "message", "hi all")),
            std::vector<std::string>{"all message al: hi all"});
  EXPECT_EQ(Sends(t.Command(2, "message", "hello, al")),
            std::vector<std::string>{"all message bob: hello, al"});
  EXPECT_EQ(Sends(t.Command(3, "message", "two\nlines")),
            std::vector<std::string>{"all message guest3: two\nlines"});

  VmEffects left = t.Leave(2);
  EXPECT_EQ(Sends(left), std::vector<std::string>{"all notice bob left"});
  EXPECT_EQ(Item(t.local, "nick:2"), "(null)");
  EXPECT_EQ(Sends(t.Command(3, "nick", "bob")),
            std::vector<std::string>{"all notice guest3 is now bob"});
}

TEST(ChatGameTest, BadNicksAreRejectedToTheSenderOnly) {
  GameTable t;
  ASSERT_TRUE(t.Load("chat"));
  (void)t.Join(1);
  (void)t.Join(2);
  (void)t.Command(2, "nick", "bob");
  const std::vector<std::string> bad = {
      "",                    // too short
      std::string(25, 'n'),  // too long
      "tab\there",           // control characters
      "del\x7f",             // DEL is a control character too
      "bob",                 // taken by player 2
      "guest2",              // player 2's default nick
      "guest7",              // reserved for a player who may join later
  };
  for (const std::string& nick : bad) {
    VmEffects e = t.Command(1, "nick", nick);
    ASSERT_EQ(e.sends.size(), 1u) << nick;
    EXPECT_EQ(e.sends[0].player_id, 1) << nick;
    EXPECT_EQ(e.sends[0].command, "invalid") << nick;
    EXPECT_FALSE(e.sends[0].args.empty()) << nick;
    EXPECT_TRUE(e.writes.empty()) << nick;
  }
  EXPECT_EQ(Item(t.local, "nick:1"), "(null)");
  // The limits themselves are fine, and so is one's own default nick.
  EXPECT_EQ(Sends(t.Command(1, "nick", std::string(24, 'n'))),
            std::vector<std::string>{"all notice guest1 is now " + std::string(24, 'n')});
  EXPECT_EQ(Sends(t.Command(1, "nick", "guest1")),
            std::vector<std::string>{"all notice " + std::string(24, 'n') + " is now guest1"});
  EXPECT_EQ(Sends(t.Command(1, "nick", "é")),
            std::vector<std::string>{"all notice guest1 is now é"});
}

TEST(ChatGameTest, BadMessagesAndUnknownCommandsAreRejected) {
  GameTable t;
  ASSERT_TRUE(t.Load("chat"));
  (void)t.Join(1);
  (void)t.Join(2);
  VmEffects empty = t.Command(2, "message", "");
  ASSERT_EQ(empty.sends.size(), 1u);
  EXPECT_EQ(empty.sends[0].player_id, 2);
  EXPECT_EQ(empty.sends[0].command, "invalid");
  VmEffects too_long = t.Command(2, "message", std::string(4097, 'm'));
  ASSERT_EQ(too_long.sends.size(), 1u);
  EXPECT_EQ(too_long.sends[0].command, "invalid");
  EXPECT_EQ(Sends(t.Command(2, "message", std::string(4096, 'm'))),
            std::vector<std::string>{"all message guest2: " + std::string(4096, 'm')});
  EXPECT_EQ(Sends(t.Command(1, "dance", "now")),
            std::vector<std::string>{"to 1 invalid unknown command dance"});
  // Names of Object.prototype members are not commands either.
  EXPECT_EQ(Sends(t.Command(1, "toString", "")),
            std::vector<std::string>{"to 1 invalid unknown command toString"});
}

// The restore model: nicks live in localStorage, so a VM rebuilt on the same namespaces
// (after a restart or a crash) knows them without any restored() hook.
TEST(ChatGameTest, NicksSurviveARebuiltVm) {
  GameTable t;
  ASSERT_TRUE(t.Load("chat"));
  (void)t.Join(1);
  (void)t.Command(1, "nick", "alice");
  ASSERT_TRUE(t.Load("chat"));
  EXPECT_TRUE(Sends(t.Restored()).empty());
  EXPECT_EQ(Sends(t.Command(1, "message", "still me")),
            std::vector<std::string>{"all message alice: still me"});
}

// ---- pong

// Pins the serve angle: with Math.random() always 0.5 every serve is horizontal, so the
// ball's path is known. Tests that need no particular path do not use it.
constexpr char kLevelServes[] = "Math.random = function () { return 0.5; };";

struct PongState {
  long tick = 0;
  double ball_x = 0, ball_y = 0, left_y = 0, right_y = 0;
};

// True for an optional '-', digits, then optionally '.' and one or two digits.
bool IsShortDecimal(const std::string& text, bool allow_sign_and_fraction) {
  size_t i = 0;
  if (allow_sign_and_fraction && i < text.size() && text[i] == '-') ++i;
  const size_t digits = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits) return false;
  if (i == text.size()) return true;
  if (!allow_sign_and_fraction || text[i] != '.') return false;
  const size_t fraction = ++i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  return i == text.size() && i - fraction >= 1 && i - fraction <= 2;
}

// Parses `state` args "tick,ballX,ballY,leftY,rightY", checking the format: an integer tick
// and numbers with at most two decimals, comma-separated, no spaces.
::testing::AssertionResult ParseState(const std::string& args, PongState* state) {
  std::vector<std::string> fields;
  std::stringstream in(args);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  bool ok = fields.size() == 5 && args.back() != ',' && IsShortDecimal(fields[0], false);
  for (size_t i = 1; ok && i < fields.size(); ++i) ok = IsShortDecimal(fields[i], true);
  if (!ok) return ::testing::AssertionFailure() << "bad state args: " << args;
  state->tick = std::stol(fields[0]);
  state->ball_x = std::stod(fields[1]);
  state->ball_y = std::stod(fields[2]);
  state->left_y = std::stod(fields[3]);
  state->right_y = std::stod(fields[4]);
  return ::testing::AssertionSuccess();
}

// The one `state` broadcast among `effects`' sends; fails the test when there is not
// exactly one.
PongState StateOf(const VmEffects& effects) {
  PongState state;
  int found = 0;
  for (const VmEffects::Send& send : effects.sends) {
    if (send.command != "state") continue;
    ++found;
    EXPECT_EQ(send.player_id, 0);
    EXPECT_TRUE(ParseState(send.args, &state));
  }
  EXPECT_EQ(found, 1) << "expected one state broadcast per tick";
  return state;
}

bool HasSend(const VmEffects& effects, const std::string& line) {
  for (const std::string& s : Sends(effects)) {
    if (s == line) return true;
  }
  return false;
}

// A table with both pong players seated and the clock running.
::testing::AssertionResult StartPong(GameTable* t, const std::string& extra = "") {
  ::testing::AssertionResult loaded = t->Load("pong", extra);
  if (!loaded) return loaded;
  (void)t->Join(1);
  (void)t->Join(2);
  if (t->timers().size() != 1) return ::testing::AssertionFailure() << "the clock did not start";
  return ::testing::AssertionSuccess();
}

// Ticks until a `point` is broadcast (both paddles keep away from the ball's height, so the
// ball cannot be returned), and returns that tick's effects.
VmEffects TickUntilPoint(GameTable* t) {
  for (int i = 0; i < 1000; ++i) {
    VmEffects e = t->Tick();
    for (const VmEffects::Send& send : e.sends) {
      if (send.command == "point") return e;
    }
    const PongState s = StateOf(e);
    const std::string away = s.ball_y < 50 ? "90" : "10";
    (void)t->Command(1, "move", away);
    (void)t->Command(2, "move", away);
  }
  ADD_FAILURE() << "no point in 1000 ticks";
  return VmEffects();
}

TEST(PongGameTest, DeclaresTwoSeats) {
  GameTable t;
  ASSERT_TRUE(t.Load("pong"));
  EXPECT_EQ(t.vm().seats(), 2);
}

TEST(PongGameTest, FirstPlayerGetsTheLeftSideAndWaits) {
  GameTable t;
  ASSERT_TRUE(t.Load("pong"));
  VmEffects e = t.Join(1);
  EXPECT_EQ(Sends(e), std::vector<std::string>{"to 1 side left"});
  EXPECT_TRUE(e.timers.empty());
  EXPECT_EQ(Item(t.local, "side:1"), "left");
}

TEST(PongGameTest, SecondPlayerGetsTheRightSideAndTheClockStarts) {
  GameTable t;
  ASSERT_TRUE(t.Load("pong"));
  (void)t.Join(1);
  VmEffects e = t.Join(2);
  EXPECT_EQ(Sends(e), (std::vector<std::string>{"to 2 side right", "all start "}));
  ASSERT_EQ(e.timers.size(), 1u);
  EXPECT_EQ(e.timers[0].op, VmEffects::Timer::Op::kSet);
  EXPECT_TRUE(e.timers[0].repeat);
  EXPECT_EQ(e.timers[0].ms, 33);
  EXPECT_EQ(Item(t.local, "side:2"), "right");
  EXPECT_EQ(Item(t.local, "timer"), std::to_string(e.timers[0].id));
}

TEST(PongGameTest, EachTickBroadcastsOneState) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t));
  for (long tick = 1; tick <= 3; ++tick) {
    VmEffects e = t.Tick();
    ASSERT_EQ(e.sends.size(), 1u);
    const PongState s = StateOf(e);
    EXPECT_EQ(s.tick, tick);
    EXPECT_EQ(s.left_y, 50);
    EXPECT_EQ(s.right_y, 50);
    // The serve: from the centre at 1.2 units per tick (give or take the rounding), at most
    // 45 degrees off horizontal.
    const double dx = s.ball_x - 50, dy = s.ball_y - 50;
    EXPECT_NEAR(std::hypot(dx, dy), 1.2 * static_cast<double>(tick), 0.02);
    EXPECT_LE(std::abs(dy), std::abs(dx) + 0.02);
  }
}

// The extremes of Math.random() serve at 45 degrees, toward the right and then the left.
TEST(PongGameTest, ServesStayWithinFortyFiveDegrees) {
  for (const char* random : {"0", "0.999999"}) {
    GameTable t;
    ASSERT_TRUE(
        StartPong(&t, std::string("Math.random = function () { return ") + random + "; };"));
    PongState s = StateOf(t.Tick());
    EXPECT_NEAR(std::abs(s.ball_y - 50), s.ball_x - 50, 0.02) << random;
    EXPECT_GT(s.ball_x, 50) << random;
    // Serve the next round (player 2 leaving and a newcomer joining starts a new game).
    (void)t.Leave(2);
    (void)t.Join(3);
    s = StateOf(t.Tick());
    EXPECT_NEAR(std::abs(s.ball_y - 50), 50 - s.ball_x, 0.02) << random;
    EXPECT_LT(s.ball_x, 50) << random;
  }
}

// A 45-degree serve returned by paddles that follow the ball bounces off the top and the
// bottom walls and never leaves the field.
TEST(PongGameTest, BallBouncesOffTheWalls) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t, "Math.random = function () { return 0; };"));
  // Counts trips from one wall's side of the field to the other's.
  char side = 'b';
  int trips = 0;
  for (int i = 0; i < 600; ++i) {
    VmEffects e = t.Tick();
    ASSERT_EQ(e.sends.size(), 1u) << "a point at tick " << i;
    const PongState s = StateOf(e);
    EXPECT_GE(s.ball_y, 1);
    EXPECT_LE(s.ball_y, 99);
    const char now = s.ball_y < 10 ? 't' : s.ball_y > 90 ? 'b' : side;
    if (now != side) ++trips;
    side = now;
    (void)t.Command(1, "move", std::to_string(s.ball_y));
    (void)t.Command(2, "move", std::to_string(s.ball_y));
  }
  EXPECT_GE(trips, 3);
}

TEST(PongGameTest, PaddleMovesTowardItsTargetAtMostThreePerTick) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t));
  EXPECT_TRUE(Sends(t.Command(1, "move", "62")).empty());
  EXPECT_TRUE(Sends(t.Command(2, "move", "-1000")).empty());
  // The left paddle reaches its target and stops there; the right one heads for the top
  // and stops at its limit, 10.
  const double left[] = {53, 56, 59, 62, 62, 62};
  const double right[] = {47, 44, 41, 38, 35, 32, 29, 26, 23, 20, 17, 14, 11, 10, 10, 10};
  PongState s;
  for (size_t i = 0; i < std::size(right); ++i) {
    s = StateOf(t.Tick());
    if (i < std::size(left)) {
      EXPECT_EQ(s.left_y, left[i]) << "tick " << s.tick;
    }
    EXPECT_EQ(s.right_y, right[i]) << "tick " << s.tick;
  }
  EXPECT_TRUE(Sends(t.Command(1, "move", "99.5")).empty());
  for (int i = 0; i < 20; ++i) s = StateOf(t.Tick());
  EXPECT_EQ(s.left_y, 90);
}

TEST(PongGameTest, BadMovesAndUnknownCommandsAreRejected) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t));
  for (const char* args : {"abc", "", "12abc", "1,2", "NaN", "Infinity"}) {
    EXPECT_EQ(Sends(t.Command(2, "move", args)),
              std::vector<std::string>{"to 2 invalid move needs a target y, a number"})
        << args;
  }
  EXPECT_EQ(Sends(t.Command(1, "jump", "")),
            std::vector<std::string>{"to 1 invalid unknown command jump"});
  // The rejected moves changed nothing: the paddle stays where it was.
  EXPECT_EQ(StateOf(t.Tick()).right_y, 50);
}

TEST(PongGameTest, BallBouncesOffPaddlesAndTheTickIsSavedEveryThirtyTicks) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t, kLevelServes));
  // A level serve at two centred paddles is returned forever: no point, the ball stays in
  // the field, crosses the centre line again and again, and each hit speeds it up to the
  // cap of 3 units per tick (reached after some 19 hits, about 1000 ticks).
  double previous_x = 50;
  int crossings = 0;
  double fastest = 0;
  double x_at_60 = 0;
  std::vector<std::string> saved;
  std::vector<std::string> every_thirty;
  for (int i = 1; i <= 1500; ++i) {
    if (i % 30 == 0) every_thirty.push_back(std::to_string(i) + "=" + std::to_string(i));
    VmEffects e = t.Tick();
    const PongState s = StateOf(e);
    ASSERT_EQ(e.sends.size(), 1u) << "tick " << i;
    EXPECT_GT(s.ball_x, 0);
    EXPECT_LT(s.ball_x, 100);
    EXPECT_EQ(s.ball_y, 50);
    if ((previous_x - 50) * (s.ball_x - 50) < 0) ++crossings;
    fastest = std::max(fastest, std::abs(s.ball_x - previous_x));
    // The first hit, by the right paddle near tick 40, sent it back 5% faster.
    if (i == 60) x_at_60 = s.ball_x;
    if (i == 70) {
      EXPECT_NEAR(s.ball_x - x_at_60, -10 * 1.2 * 1.05, 0.02);
    }
    previous_x = s.ball_x;
    for (const KvWrite& w : e.writes) {
      if (w.key == "tick") saved.push_back(std::to_string(i) + "=" + w.value);
    }
  }
  EXPECT_GE(crossings, 20);
  EXPECT_GT(fastest, 2.95);
  EXPECT_LE(fastest, 3.01);
  EXPECT_EQ(saved, every_thirty);
}

TEST(PongGameTest, APointUpdatesTheWorldScoreAndServesAgain) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t, kLevelServes));
  VmEffects e = TickUntilPoint(&t);
  ASSERT_EQ(e.sends.size(), 3u);
  // The first serve goes right, so left scores: the world write, then the point, then the
  // state showing the new serve.
  EXPECT_EQ(Describe(e.sends[0]), "all world_set score_left=1");
  EXPECT_EQ(Describe(e.sends[1]), "all point left");
  const PongState s = StateOf(e);
  EXPECT_EQ(s.ball_x, 50);
  EXPECT_EQ(s.ball_y, 50);
  EXPECT_EQ(Item(t.world, "score_left"), "1");
  EXPECT_EQ(Item(t.world, "score_right"), "(null)");
  EXPECT_EQ(Item(t.local, "tick"), std::to_string(s.tick));
  // Serves alternate: the next one goes left, and right scores.
  e = TickUntilPoint(&t);
  EXPECT_TRUE(HasSend(e, "all world_set score_right=1"));
  EXPECT_TRUE(HasSend(e, "all point right"));
  EXPECT_EQ(Item(t.world, "score_right"), "1");
}

// A game goes to five points, then the world counts the game and
// resets the score, and play goes on.
TEST(PongGameTest, FirstToFiveWinsAndANewGameStarts) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t, kLevelServes));
  std::map<std::string, int> points;
  VmEffects e;
  std::string winner;
  for (int i = 0; i < 9 && winner.empty(); ++i) {
    e = TickUntilPoint(&t);
    for (const VmEffects::Send& send : e.sends) {
      if (send.command == "point") ++points[send.args];
      if (send.command == "gameover") winner = send.args;
    }
  }
  ASSERT_TRUE(winner == "left" || winner == "right") << winner;
  const std::string loser = winner == "left" ? "right" : "left";
  EXPECT_EQ(points[winner], 5);
  EXPECT_LT(points[loser], 5);
  EXPECT_EQ(Sends(e)[0], "all world_set score_" + winner + "=5");
  EXPECT_EQ(Sends(e)[1], "all point " + winner);
  EXPECT_EQ(Sends(e)[2], "all gameover " + winner);
  EXPECT_EQ(Sends(e)[3], "all world_set games=1");
  EXPECT_EQ(Sends(e)[4], "all world_set score_left=0");
  EXPECT_EQ(Sends(e)[5], "all world_set score_right=0");
  EXPECT_EQ(Item(t.world, "games"), "1");
  EXPECT_EQ(Item(t.world, "score_left"), "0");
  EXPECT_EQ(Item(t.world, "score_right"), "0");
  EXPECT_EQ(t.timers().size(), 1u);
  e = TickUntilPoint(&t);
  EXPECT_TRUE(HasSend(e, "all world_set score_left=1") ||
              HasSend(e, "all world_set score_right=1"));
}

TEST(PongGameTest, LeavingStopsTheClockAndFreesTheSide) {
  GameTable t;
  ASSERT_TRUE(StartPong(&t));
  const int clock = t.timers().begin()->first;
  VmEffects e = t.Leave(1);
  EXPECT_EQ(Sends(e), std::vector<std::string>{"all waiting "});
  ASSERT_EQ(e.timers.size(), 1u);
  EXPECT_EQ(e.timers[0].op, VmEffects::Timer::Op::kClear);
  EXPECT_EQ(e.timers[0].id, clock);
  EXPECT_TRUE(t.timers().empty());
  EXPECT_EQ(Item(t.local, "side:1"), "(null)");
  EXPECT_EQ(Item(t.local, "timer"), "(null)");
  // The next player takes the free side and the game goes on.
  e = t.Join(3);
  EXPECT_EQ(Sends(e), (std::vector<std::string>{"to 3 side left", "all start "}));
  EXPECT_EQ(t.timers().size(), 1u);
  EXPECT_EQ(StateOf(t.Tick()).tick, 1);
}

// The restore model: the VM is rebuilt from storage with no globals and no timers;
// restored() must restart the clock, with ticks that keep increasing.
TEST(PongGameTest, RestoredRestartsTheClock) {
  GameTable t;
  t.players = {1, 2};
  t.local.Load("side:1", "left");
  t.local.Load("side:2", "right");
  t.local.Load("tick", "120");
  t.local.Load("timer", "5");
  t.world.Load("score_left", "2");
  ASSERT_TRUE(t.Load("pong"));
  VmEffects e = t.Restored();
  ASSERT_EQ(e.timers.size(), 1u);
  EXPECT_EQ(e.timers[0].op, VmEffects::Timer::Op::kSet);
  EXPECT_TRUE(e.timers[0].repeat);
  EXPECT_EQ(e.timers[0].ms, 33);
  EXPECT_EQ(Item(t.local, "timer"), std::to_string(e.timers[0].id));
  const PongState s = StateOf(t.Tick());
  EXPECT_GT(s.tick, 120 + 29);  // Past any tick the old VM may have sent unsaved.
  EXPECT_NEAR(s.ball_x, 50, 1.3);
  EXPECT_NEAR(s.ball_y, 50, 1.3);
  EXPECT_EQ(Item(t.world, "score_left"), "2");
  // A second rebuild before the next save still moves forward.
  ASSERT_TRUE(t.Load("pong"));
  (void)t.Restored();
  EXPECT_GT(StateOf(t.Tick()).tick, s.tick);
}

TEST(PongGameTest, RestoredWithOnePlayerWaits) {
  GameTable t;
  t.players = {1};
  t.local.Load("side:1", "left");
  t.local.Load("side:2", "right");  // Player 2 did not come back.
  t.local.Load("timer", "3");
  ASSERT_TRUE(t.Load("pong"));
  VmEffects e = t.Restored();
  EXPECT_TRUE(e.timers.empty());
  EXPECT_EQ(Item(t.local, "side:2"), "(null)");
  EXPECT_EQ(Item(t.local, "timer"), "(null)");
  e = t.Join(4);
  EXPECT_EQ(Sends(e), (std::vector<std::string>{"to 4 side right", "all start "}));
  EXPECT_EQ(t.timers().size(), 1u);
}

// ---- tictactoe

// A table with X (player 1) and O (player 2) seated and a game on.
::testing::AssertionResult StartTicTacToe(GameTable* t) {
  ::testing::AssertionResult loaded = t->Load("tictactoe");
  if (!loaded) return loaded;
  (void)t->Join(1);
  (void)t->Join(2);
  return ::testing::AssertionSuccess();
}

// Plays `cells` alternately as X and O, starting with X; returns the last move's effects.
VmEffects Play(GameTable* t, const std::vector<std::string>& cells) {
  VmEffects e;
  for (size_t i = 0; i < cells.size(); ++i) e = t->Command(i % 2 == 0 ? 1 : 2, "move", cells[i]);
  return e;
}

TEST(TicTacToeGameTest, DeclaresTwoSeats) {
  GameTable t;
  ASSERT_TRUE(t.Load("tictactoe"));
  EXPECT_EQ(t.vm().seats(), 2);
}

TEST(TicTacToeGameTest, FirstIsXSecondIsOAndTheGameStarts) {
  GameTable t;
  ASSERT_TRUE(t.Load("tictactoe"));
  EXPECT_EQ(Sends(t.Join(1)), std::vector<std::string>{"to 1 mark X"});
  EXPECT_EQ(Item(t.world, "board"), "(null)");
  EXPECT_EQ(Sends(t.Join(2)),
            (std::vector<std::string>{"to 2 mark O", "all start ", "all world_set board=.........",
                                      "all world_set turn=X"}));
  EXPECT_EQ(Item(t.local, "mark:1"), "X");
  EXPECT_EQ(Item(t.local, "mark:2"), "O");
  EXPECT_EQ(Item(t.world, "board"), ".........");
  EXPECT_EQ(Item(t.world, "turn"), "X");
}

TEST(TicTacToeGameTest, NoMoveBeforeTheGameStarts) {
  GameTable t;
  ASSERT_TRUE(t.Load("tictactoe"));
  (void)t.Join(1);
  VmEffects e = t.Command(1, "move", "4");
  EXPECT_EQ(Sends(e), std::vector<std::string>{
                          "to 1 invalid the game has not started: waiting for an opponent"});
  EXPECT_TRUE(e.writes.empty());
}

TEST(TicTacToeGameTest, PlayersTakeTurns) {
  GameTable t;
  ASSERT_TRUE(StartTicTacToe(&t));
  EXPECT_EQ(Sends(t.Command(2, "move", "0")),
            std::vector<std::string>{"to 2 invalid not your turn"});
  VmEffects e = t.Command(1, "move", "4");
  EXPECT_EQ(Sends(e), (std::vector<std::string>{"all world_set board=....X....",
                                                "all world_set turn=O", "all board ....X....,O"}));
  EXPECT_EQ(e.writes.size(), 2u);
  EXPECT_EQ(Sends(t.Command(1, "move", "0")),
            std::vector<std::string>{"to 1 invalid not your turn"});
  EXPECT_TRUE(HasSend(t.Command(2, "move", "8"), "all board ....X...O,X"));
  EXPECT_EQ(Item(t.world, "board"), "....X...O");
  EXPECT_EQ(Item(t.world, "turn"), "X");
}

TEST(TicTacToeGameTest, IllegalMovesAreGameMessagesAndChangeNothing) {
  GameTable t;
  ASSERT_TRUE(StartTicTacToe(&t));
  (void)t.Command(1, "move", "4");
  for (const char* cell : {"9", "-1", "a", "", "10", " 1", "1.0"}) {
    VmEffects e = t.Command(2, "move", cell);
    EXPECT_EQ(Sends(e), std::vector<std::string>{"to 2 invalid a move is a cell index from 0 to 8"})
        << cell;
    EXPECT_TRUE(e.writes.empty());
  }
  VmEffects taken = t.Command(2, "move", "4");
  EXPECT_EQ(Sends(taken), std::vector<std::string>{"to 2 invalid cell 4 is taken"});
  EXPECT_TRUE(taken.writes.empty());
  EXPECT_EQ(Sends(t.Command(2, "resign", "")),
            std::vector<std::string>{"to 2 invalid unknown command resign"});
  EXPECT_EQ(Item(t.world, "board"), "....X....");
  EXPECT_EQ(Item(t.world, "turn"), "O");
}

TEST(TicTacToeGameTest, ThreeInARowWinsAndANewGameStarts) {
  GameTable t;
  ASSERT_TRUE(StartTicTacToe(&t));
  VmEffects e = Play(&t, {"0", "3", "1", "4", "2"});
  EXPECT_EQ(Sends(e),
            (std::vector<std::string>{"all world_set board=XXXOO....", "all world_set turn=O",
                                      "all board XXXOO....,O", "all gameover X", "all start ",
                                      "all world_set board=.........", "all world_set turn=X"}));
  EXPECT_EQ(Item(t.world, "board"), ".........");
  EXPECT_EQ(Item(t.world, "turn"), "X");
  // O wins a column and a diagonal too.
  EXPECT_TRUE(HasSend(Play(&t, {"0", "1", "3", "4", "8", "7"}), "all gameover O"));
  EXPECT_TRUE(HasSend(Play(&t, {"0", "2", "1", "4", "8", "6"}), "all gameover O"));
  EXPECT_TRUE(HasSend(Play(&t, {"0", "1", "4", "2", "8"}), "all gameover X"));
}

TEST(TicTacToeGameTest, AFullBoardIsADraw) {
  GameTable t;
  ASSERT_TRUE(StartTicTacToe(&t));
  VmEffects before = Play(&t, {"0", "1", "2", "4", "3", "5", "7", "6"});
  EXPECT_FALSE(HasSend(before, "all gameover X"));
  EXPECT_FALSE(HasSend(before, "all gameover O"));
  VmEffects e = t.Command(1, "move", "8");
  EXPECT_TRUE(HasSend(e, "all board XOXXOOOXX,O"));
  EXPECT_TRUE(HasSend(e, "all gameover draw"));
  EXPECT_EQ(Item(t.world, "board"), ".........");
}

TEST(TicTacToeGameTest, LeavingStopsTheGameUntilTwoAreSeated) {
  GameTable t;
  ASSERT_TRUE(StartTicTacToe(&t));
  (void)t.Command(1, "move", "4");
  EXPECT_EQ(Sends(t.Leave(1)), std::vector<std::string>{"all waiting "});
  EXPECT_EQ(Item(t.local, "mark:1"), "(null)");
  EXPECT_EQ(
      Sends(t.Command(2, "move", "0")),
      std::vector<std::string>{"to 2 invalid the game has not started: waiting for an opponent"});
  // The newcomer takes the free mark and a fresh game starts, X first.
  EXPECT_EQ(Sends(t.Join(3)),
            (std::vector<std::string>{"to 3 mark X", "all start ", "all world_set board=.........",
                                      "all world_set turn=X"}));
  EXPECT_TRUE(HasSend(t.Command(3, "move", "0"), "all board X........,O"));
}

// The restore model: the whole game is in storage, so a rebuilt VM plays on.
TEST(TicTacToeGameTest, AGameSurvivesARebuiltVm) {
  GameTable t;
  ASSERT_TRUE(StartTicTacToe(&t));
  (void)Play(&t, {"0", "3"});
  ASSERT_TRUE(t.Load("tictactoe"));
  EXPECT_TRUE(Sends(t.Restored()).empty());
  EXPECT_EQ(Sends(t.Command(2, "move", "1")),
            std::vector<std::string>{"to 2 invalid not your turn"});
  EXPECT_TRUE(HasSend(Play(&t, {"1", "4", "2"}), "all gameover X"));
}

}  // namespace
}  // namespace ggs
