// Tests of the session model: the protocol's promises (docs/protocol.md) step by step, and
// the model's own consistency over generated sessions.
#include "props/session_model.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/protocol.h"
#include "props/step_check.h"
#include "props/step_gen.h"

namespace ggs::props {
namespace {

Step Hello(int client, HelloMode mode, int target = 0, std::string game = "") {
  Step s = MakeStep(Op::kHello, client);
  s.mode = mode;
  s.target = target;
  s.game = std::move(game);
  return s;
}

// Applies `step`, checking that it applies, and returns what each client must receive.
std::vector<std::vector<std::string>> Play(Model& m, const Step& step) {
  const Status check = CheckStep(m, step);
  EXPECT_TRUE(check.ok()) << check.message();
  Outcome o = Predict(m, step);
  m = o.next;
  std::vector<std::vector<std::string>> shown;
  for (const ClientExpectation& c : o.clients) {
    shown.emplace_back();
    for (const Expected& e : c.packets) shown.back().push_back(Show(e));
    if (c.closes) shown.back().push_back("(closed)");
  }
  return shown;
}

Model Connected(int clients) {
  ModelConfig config;
  config.clients = clients;
  Model m = InitialModel(config);
  for (int c = 0; c < clients; ++c) Play(m, MakeStep(Op::kConnect, c));
  return m;
}

using Lines = std::vector<std::string>;

TEST(SessionModel, ChatByNameSeatsEveryoneAtOneTableAndBroadcasts) {
  Model m = Connected(2);
  EXPECT_EQ(Play(m, Hello(0, HelloMode::kGame, 0, "chat"))[0],
            (Lines{"hello <new player#0>,true,<new table#0>", "notice \"guest1 joined\""}));
  auto got = Play(m, Hello(1, HelloMode::kGame, 0, "chat"));
  EXPECT_EQ(got[1], (Lines{"hello <new player#1>,true,<table#0>", "notice \"guest2 joined\""}));
  EXPECT_EQ(got[0], Lines{"notice \"guest2 joined\""});
  Step nick = MakeStep(Op::kGame, 1);
  nick.command = "nick";
  nick.text = "bob";
  got = Play(m, nick);
  EXPECT_EQ(got[0], Lines{"notice \"guest2 is now bob\""});
  EXPECT_EQ(got[1], Lines{"notice \"guest2 is now bob\""});
  got = Play(m, MakeStep(Op::kBye, 1));
  EXPECT_EQ(got[1], (Lines{"bye \"\"", "(closed)"}));
  EXPECT_EQ(got[0], Lines{"notice \"bob left\""});
}

TEST(SessionModel, DefineGreetsEverySeatedPlayerInSeatOrder) {
  Model m = Connected(3);
  Play(m, Hello(0, HelloMode::kNew));
  EXPECT_EQ(Play(m, Hello(1, HelloMode::kJoin, 0))[1],
            Lines{"hello <new player#1>,true,<table#0>"});
  Step define = MakeStep(Op::kDefine, 1);
  EXPECT_EQ(Play(m, define)[1], Lines{"error not_creator"});
  define.client = 2;
  EXPECT_EQ(Play(m, define)[2], Lines{"error no_hello"});
  define.client = 0;
  define.script = Script::kSyntaxError;
  EXPECT_EQ(Play(m, define)[0], Lines{"error define_failed"});
  define.script = Script::kChat;
  define.seats = 2;
  const auto got = Play(m, define);
  for (int c : {0, 1}) {
    EXPECT_EQ(got[c],
              (Lines{"defined \"\"", "notice \"guest1 joined\"", "notice \"guest2 joined\""}));
  }
  EXPECT_EQ(Play(m, Hello(2, HelloMode::kJoin, 0))[2], Lines{"error table_full"});
  EXPECT_EQ(Play(m, define)[0], Lines{"error already_defined"});
}

TEST(SessionModel, ResumeTakesOverAndPongRepeatsTheSide) {
  Model m = Connected(3);
  Play(m, Hello(0, HelloMode::kGame, 0, "pong"));
  const auto got = Play(m, Hello(1, HelloMode::kGame, 0, "pong"));
  EXPECT_EQ(got[1], (Lines{"hello <new player#1>,true,<table#0>", "side \"right\"", "start \"\""}));
  EXPECT_EQ(got[0], Lines{"start \"\""});
  const auto resumed = Play(m, Hello(2, HelloMode::kResume, 0));
  EXPECT_EQ(resumed[2], (Lines{"hello <player#0>,true,<table#0>", "side \"left\""}));
  EXPECT_EQ(resumed[0], (Lines{"error resumed", "(closed)"}));
  EXPECT_TRUE(AtPong(m, 2));
}

TEST(SessionModel, FramingErrorsCloseButTheSeatStays) {
  Model m = Connected(2);
  Play(m, Hello(0, HelloMode::kNew));
  Step corrupt = MakeStep(Op::kCorrupt, 0);
  corrupt.corruption = Corruption::kShortLength;
  corrupt.text = "ab";
  corrupt.extra = "junk";
  EXPECT_EQ(Play(m, corrupt)[0], (Lines{"pong \"ab\"", "error malformed", "(closed)"}));
  EXPECT_FALSE(m.clients[0].open);
  EXPECT_EQ(Play(m, Hello(1, HelloMode::kResume, 0))[1], Lines{"hello <player#0>,false,<table#0>"});
}

TEST(SessionModel, RestartDropsConnectionsAndKeepsPlayers) {
  Model m = Connected(2);
  Play(m, Hello(0, HelloMode::kGame, 0, "chat"));
  Play(m, MakeStep(Op::kRestart, 0));
  EXPECT_FALSE(m.clients[0].open);
  EXPECT_EQ(m.players[0].client, -1);
  Play(m, MakeStep(Op::kConnect, 0));
  EXPECT_EQ(Play(m, Hello(0, HelloMode::kResume, 0))[0], Lines{"hello <player#0>,true,<table#0>"});
}

TEST(SessionModel, RequestErrorsAreTheDocumentedCodes) {
  Model m = Connected(1);
  Step game = MakeStep(Op::kGame, 0);
  game.command = "move";
  EXPECT_EQ(Play(m, game)[0], Lines{"error no_hello"});
  game.text = std::string("a\0b", 3);
  EXPECT_EQ(Play(m, game)[0], Lines{"error bad_request"});
  EXPECT_EQ(Play(m, Hello(0, HelloMode::kGame, 0, "nosuchgame"))[0], Lines{"error no_such_game"});
  Step odd = MakeStep(Op::kOdd, 0);
  odd.oddity = Oddity::kUpload;
  odd.number = 1;
  EXPECT_EQ(Play(m, odd)[0], Lines{"error unauthorized"});
  Play(m, Hello(0, HelloMode::kNew));
  game.text = "1";
  EXPECT_EQ(Play(m, game)[0], Lines{"error not_defined"});
  game.token = TokenHeader::kUnknown;
  game.extra = "x";
  EXPECT_EQ(Play(m, game)[0], Lines{"error bad_request"});
  EXPECT_EQ(Play(m, Hello(0, HelloMode::kNew))[0], Lines{"error already_hello"});
}

// Every seated player sits at its table, every connected player's client speaks for it.
void CheckConsistent(const Model& m) {
  for (size_t p = 0; p < m.players.size(); ++p) {
    const PlayerModel& player = m.players[p];
    const TableModel& t = m.tables[player.table];
    const bool seated = std::count(t.seated.begin(), t.seated.end(), static_cast<int>(p)) == 1;
    RC_ASSERT(seated == !player.gone);
    if (player.client >= 0) RC_ASSERT(m.clients[player.client].player == static_cast<int>(p));
  }
  for (size_t c = 0; c < m.clients.size(); ++c) {
    if (m.clients[c].player >= 0) {
      RC_ASSERT(m.clients[c].open);
      RC_ASSERT(m.players[m.clients[c].player].client == static_cast<int>(c));
    }
  }
  for (const TableModel& t : m.tables) RC_ASSERT(t.ended == t.seated.empty());
}

TEST(SessionModel, UploadsCountVersionsAndLiveOnesMoveTheGamesRunningTables) {
  ModelConfig config;
  config.clients = 4;
  config.uploads = true;
  Model m = InitialModel(config);
  for (int c = 0; c < 4; ++c) Play(m, MakeStep(Op::kConnect, c));
  Play(m, Hello(0, HelloMode::kGame, 0, "chat"));
  Play(m, Hello(1, HelloMode::kGame, 0, "pong"));
  Play(m, Hello(2, HelloMode::kGame, 0, "pong"));
  Play(m, Hello(3, HelloMode::kGame, 0, "pong"));  // A second pong table.
  Step upload = MakeStep(Op::kUpload, 0);
  upload.game = "pong";
  EXPECT_EQ(Play(m, upload)[0], Lines{"uploaded pong,<version#1>"});
  upload.live = true;
  // Both pong tables move; their players keep their sides, so restored() tells nobody.
  const auto got = Play(m, upload);
  EXPECT_EQ(got[0], Lines{"uploaded pong,<version#2>,2,0"});
  for (int c : {1, 2, 3}) EXPECT_EQ(got[c], Lines{});
  Play(m, MakeStep(Op::kBye, 3));  // Its table ends: it no longer runs.
  EXPECT_EQ(Play(m, upload)[0], Lines{"uploaded pong,<version#3>,1,0"});
  upload.game = "chat";
  EXPECT_EQ(Play(m, upload)[0], Lines{"uploaded chat,<version#1>,1,0"});
  // A live upload of the same source changes nothing players see.
  Step message = MakeStep(Op::kGame, 0);
  message.command = "message";
  message.text = "hi";
  EXPECT_EQ(Play(m, message)[0], Lines{"message \"guest1: hi\""});
  // Without the admin token the fuzzer has no upload steps.
  m.config.uploads = false;
  EXPECT_FALSE(Applicable(m, upload));
}

TEST(SessionModel, AHostileGameCannotSendANameTheServerRefuses) {
  Model m = Connected(2);
  Play(m, Hello(0, HelloMode::kNew));
  Play(m, Hello(1, HelloMode::kJoin, 0));
  Step define = MakeStep(Op::kDefine, 0);
  define.script = Script::kHostile;
  Play(m, define);
  Step send = MakeStep(Op::kGame, 1);
  send.command = "all";
  send.text = "x%0D%0AClient-Command:%20error";
  auto got = Play(m, send);
  EXPECT_EQ(got[1], Lines{"error script_error"});
  EXPECT_EQ(got[0], Lines{});
  send.command = "both";
  send.text = "fine%21";
  got = Play(m, send);
  EXPECT_EQ(got[1], (Lines{"ok \"\"", "fine! \"fine%21\""}));
  EXPECT_EQ(got[0], Lines{"ok \"\""});
  send.text = std::string(65, 'n');
  EXPECT_EQ(Play(m, send)[1], Lines{"error script_error"});
}

TEST(SessionModel, PayloadsMayFillTheWholeLimit) {
  Model m = Connected(1);
  Step ping = MakeStep(Op::kPing, 0);
  ping.text = "ab";
  ping.number = static_cast<int>(m.config.limits.max_payload) - 2;
  EXPECT_TRUE(Applicable(m, ping));
  const Outcome o = Predict(m, ping);
  EXPECT_EQ(o.clients[0].packets[0].payload->size(), m.config.limits.max_payload);
  ++ping.number;
  EXPECT_FALSE(Applicable(m, ping));
}

TEST(SessionModel, PastTheGraceDisconnectedPlayersAreGoneInTheOrderTheyDropped) {
  ModelConfig config;
  config.clients = 3;
  config.grace_ms = 1000;
  config.restarts = false;
  Model m = InitialModel(config);
  for (int c = 0; c < 3; ++c) Play(m, MakeStep(Op::kConnect, c));
  for (int c = 0; c < 3; ++c) Play(m, Hello(c, HelloMode::kGame, 0, "chat"));
  Step nick = MakeStep(Op::kGame, 2);
  nick.command = "nick";
  nick.text = "carol";
  Play(m, nick);
  Play(m, MakeStep(Op::kDisconnect, 2));
  Play(m, MakeStep(Op::kDisconnect, 1));
  EXPECT_EQ(Play(m, MakeStep(Op::kWait, 0))[0],
            (Lines{"notice \"carol left\"", "notice \"guest2 left\""}));
  EXPECT_TRUE(m.players[1].gone && m.players[2].gone);
  Play(m, MakeStep(Op::kConnect, 1));
  EXPECT_EQ(Play(m, Hello(1, HelloMode::kResume, 2))[1], Lines{"error no_such_player"});
  // Without a short grace there is nothing to wait for.
  m.config.grace_ms = 0;
  EXPECT_FALSE(Applicable(m, MakeStep(Op::kWait, 0)));
}

RC_GTEST_PROP(SessionModel, GeneratedSessionsKeepTheModelConsistent, ()) {
  ModelConfig config;
  config.uploads = *rc::gen::arbitrary<bool>();
  if (*rc::gen::arbitrary<bool>()) {
    config.grace_ms = 1000;
    config.restarts = false;
  }
  Model m = InitialModel(config);
  const int length = *rc::gen::inRange(1, 80);
  int applied = 0;
  for (int i = 0; i < length; ++i) {
    const Step step = *GenStep(m);
    if (!Applicable(m, step)) continue;
    ++applied;
    const Outcome o = Predict(m, step);
    RC_ASSERT(o.clients.size() == m.clients.size());
    m = o.next;
    CheckConsistent(m);
  }
  // The generator nearly always produces applicable steps.
  RC_ASSERT(applied * 10 >= length * 9);
}

}  // namespace
}  // namespace ggs::props
