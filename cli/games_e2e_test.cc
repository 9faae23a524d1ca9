// End-to-end tests of the shipped games (games/): a real `ggs serve --games` and scripted
// clients that chat, play a whole game of pong, and make an illegal tictactoe move.
#include <chrono>
#include <sstream>

#include "cli/e2e_support.h"

namespace ggs::e2e {
namespace {

class GamesTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    StartServer({"--games", std::string(GGS_SOURCE_DIR) + "/games"});
  }
  std::unique_ptr<SyncClient> Join(const std::string& game, HelloReply* reply = nullptr) {
    auto c = Connect();
    HelloReply r = Hello(*c, "", game);
    EXPECT_TRUE(r.defined);
    if (reply) *reply = r;
    return c;
  }
};

TEST_F(GamesTest, ChatAsInTheThesisWithThreeClients) {
  auto a = Join("chat");
  EXPECT_EQ(Expect(*a, "notice").payload, "guest1 joined");
  auto b = Join("chat");
  auto c = Join("chat");
  for (SyncClient* s : {a.get(), b.get()}) EXPECT_EQ(Expect(*s, "notice").payload, "guest2 joined");
  for (SyncClient* s : {a.get(), b.get(), c.get()}) {
    EXPECT_EQ(Expect(*s, "notice").payload, "guest3 joined");
  }
  ASSERT_TRUE(a->SendGame("nick", "alice").ok());
  for (SyncClient* s : {a.get(), b.get(), c.get()}) {
    EXPECT_EQ(Expect(*s, "notice").payload, "guest1 is now alice");
  }
  ASSERT_TRUE(b->SendGame("nick", "alice").ok());
  EXPECT_NE(Expect(*b, "invalid").payload.find("taken"), std::string::npos);
  ASSERT_TRUE(b->SendGame("message", "hello all").ok());
  ASSERT_TRUE(a->SendGame("message", "hi bob").ok());
  for (SyncClient* s : {a.get(), b.get(), c.get()}) {
    EXPECT_EQ(Expect(*s, "message").payload, "guest2: hello all");
    EXPECT_EQ(Expect(*s, "message").payload, "alice: hi bob");
  }
  ASSERT_TRUE(c->SendServer("bye").ok());
  Expect(*c, "bye");
  for (SyncClient* s : {a.get(), b.get()}) EXPECT_EQ(Expect(*s, "notice").payload, "guest3 left");
}

struct PongState {
  long tick = 0;
  double ball_y = 50;
};

PongState ParseState(const std::string& payload) {
  PongState s;
  std::istringstream in(payload);
  std::string field;
  std::getline(in, field, ',');
  s.tick = std::stol(field);
  std::getline(in, field, ',');  // ballX
  std::getline(in, field, ',');
  s.ball_y = std::stod(field);
  return s;
}

// The left player follows the ball; the right player never moves. Left must win 5-0.
TEST_F(GamesTest, PongFullGameBetweenTwoScriptedClients) {
  HelloReply rl, rr;
  auto left = Join("pong", &rl);
  EXPECT_EQ(Expect(*left, "side").payload, "left");
  auto right = Join("pong", &rr);
  EXPECT_EQ(rl.table, rr.table);
  EXPECT_EQ(Expect(*right, "side").payload, "right");
  Expect(*left, "start");
  Expect(*right, "start");
  long last_tick = -1;
  long states = 0;
  std::string score_left;
  std::string winner;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (winner.empty() && std::chrono::steady_clock::now() < deadline) {
    Result<Packet> p = left->Receive(5000);
    ASSERT_TRUE(p.ok()) << p.status().message();
    const std::string& command = *p->Find(header::kClientCommand);
    if (command == "state") {
      const PongState s = ParseState(p->payload);
      EXPECT_GT(s.tick, last_tick);
      last_tick = s.tick;
      ++states;
      std::ostringstream target;
      target << s.ball_y;
      ASSERT_TRUE(left->SendGame("move", target.str()).ok());
    } else if (command == "world_set" && p->payload.starts_with("score_left=")) {
      score_left = p->payload;
    } else if (command == "point") {
      EXPECT_EQ(p->payload, "left");
    } else if (command == "gameover") {
      winner = p->payload;
    }
  }
  EXPECT_EQ(winner, "left");
  EXPECT_EQ(score_left, "score_left=5");
  EXPECT_GT(states, 30);
  // The right player saw the same game end, then the game counted it in durable world
  // state and reset the score; its stream is intact and its bad input is refused.
  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "world_set score_right=0") {
    Result<Packet> p = right->Receive(5000);
    ASSERT_TRUE(p.ok()) << p.status().message();
    const std::string& command = *p->Find(header::kClientCommand);
    if (command != "state") seen.push_back(command + " " + p->payload);
  }
  const std::vector<std::string> tail(seen.end() - 5, seen.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"point left", "gameover left", "world_set games=1",
                                            "world_set score_left=0", "world_set score_right=0"}));
  ASSERT_TRUE(right->SendGame("move", "not a number").ok());
  bool invalid = false;
  while (!invalid) {
    Result<Packet> p = right->Receive(5000);
    ASSERT_TRUE(p.ok());
    invalid = *p->Find(header::kClientCommand) == "invalid";
  }
}

TEST_F(GamesTest, TictactoeRejectsAnIllegalMoveWithAGameMessage) {
  auto x = Join("tictactoe");
  EXPECT_EQ(Expect(*x, "mark").payload, "X");
  auto o = Join("tictactoe");
  EXPECT_EQ(Expect(*o, "mark").payload, "O");
  for (SyncClient* s : {x.get(), o.get()}) {
    Expect(*s, "start");
    EXPECT_EQ(Expect(*s, "world_set").payload, "board=.........");
    EXPECT_EQ(Expect(*s, "world_set").payload, "turn=X");
  }
  ASSERT_TRUE(o->SendGame("move", "4").ok());
  EXPECT_EQ(Expect(*o, "invalid").payload, "not your turn");
  ASSERT_TRUE(x->SendGame("move", "4").ok());
  for (SyncClient* s : {x.get(), o.get()}) {
    EXPECT_EQ(Expect(*s, "world_set").payload, "board=....X....");
    EXPECT_EQ(Expect(*s, "world_set").payload, "turn=O");
    EXPECT_EQ(Expect(*s, "board").payload, "....X....,O");
  }
  ASSERT_TRUE(o->SendGame("move", "4").ok());
  EXPECT_EQ(Expect(*o, "invalid").payload, "cell 4 is taken");
  ASSERT_TRUE(o->SendGame("move", "9").ok());
  Expect(*o, "invalid");
  // The illegal moves changed nothing: O's legal move lands on the same board.
  ASSERT_TRUE(o->SendGame("move", "0").ok());
  EXPECT_EQ(Expect(*x, "world_set").payload, "board=O...X....");
}

TEST_F(GamesTest, TictactoeResumeSendsMarkAndBoard) {
  HelloReply rx;
  auto x = Join("tictactoe", &rx);
  Expect(*x, "mark");
  auto o = Join("tictactoe");
  ASSERT_TRUE(x->SendServer("ping", "sync").ok());
  for (const char* c : {"start", "world_set", "world_set", "pong"}) Expect(*x, c);
  ASSERT_TRUE(x->SendGame("move", "2").ok());
  Expect(*x, "world_set");
  x.reset();
  auto x2 = Connect();
  EXPECT_EQ(Hello(*x2, "", "", rx.player).table, rx.table);
  EXPECT_EQ(Expect(*x2, "mark").payload, "X");
  EXPECT_EQ(Expect(*x2, "board").payload, "..X......,O");
}

}  // namespace
}  // namespace ggs::e2e
