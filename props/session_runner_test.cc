// Tests of the session runner against a real server: a prediction that holds passes step
// by step; one that does not is reported with the step, the client, what came and what was
// expected, and the transcript shows the same.
#include "props/session_runner.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "testing/redirector.h"

namespace ggs::props {
namespace {

class SessionRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ChildOptions options;
    options.binary = GGS_BINARY;
    options.games_dir = std::string(GGS_SOURCE_DIR) + "/games";
    Result<std::unique_ptr<ChildServer>> started = ChildServer::Start(options);
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started.value());
    RunnerOptions runner;
    Result<std::string> chat = ReadFile(options.games_dir + "/chat/chat.js");
    ASSERT_TRUE(chat.ok());
    runner.chat_source = runner.game_sources["chat"] = chat.value();
    runner_ = std::make_unique<SessionRunner>(server_.get(), runner, &transcript_);
  }

  // A hello that joins or opens a table of the named game `game`.
  static Step HelloGame(int client, const std::string& game) {
    Step hello = MakeStep(Op::kHello, client);
    hello.mode = HelloMode::kGame;
    hello.game = game;
    return hello;
  }

  static Step GameCommand(int client, const std::string& command, const std::string& text) {
    Step step = MakeStep(Op::kGame, client);
    step.command = command;
    step.text = text;
    return step;
  }

  // Runs `step` after `model` and advances the model when it passes.
  Status Play(Model& model, const Step& step) {
    Status s = runner_->Execute(model, step);
    if (s.ok()) model = runner_->ModelAfter(model, step);
    return s;
  }

  // Client 0 connects and sits at a chat table, in a session of `config`.
  Model SeatAtChat(const ModelConfig& config) {
    Model model = InitialModel(config);
    EXPECT_TRUE(Play(model, MakeStep(Op::kConnect, 0)).ok());
    EXPECT_TRUE(Play(model, HelloGame(0, "chat")).ok());
    return model;
  }

  std::unique_ptr<ChildServer> server_;
  Transcript transcript_;
  std::unique_ptr<SessionRunner> runner_;
};

TEST_F(SessionRunnerTest, AChatSessionPassesAndLearnsTheTokens) {
  Model model = InitialModel(ModelConfig{});
  ASSERT_TRUE(Play(model, MakeStep(Op::kConnect, 0)).ok());
  ASSERT_TRUE(Play(model, MakeStep(Op::kConnect, 1)).ok());
  Step hello = MakeStep(Op::kHello, 0);
  hello.mode = HelloMode::kGame;
  hello.game = "chat";
  hello.splits = {100, 500};
  ASSERT_TRUE(Play(model, hello).ok());
  hello.client = 1;
  hello.mode = HelloMode::kJoin;
  hello.target = 0;
  ASSERT_TRUE(Play(model, hello).ok());
  Step message = MakeStep(Op::kGame, 1);
  message.command = "message";
  message.text = "hi there";
  ASSERT_TRUE(Play(model, message).ok());
  EXPECT_TRUE(runner_->Finish(model).ok());
  const std::string text = transcript_.Text(model.config, {});
  EXPECT_NE(text.find("c0 << message \"guest2: hi there\""), std::string::npos) << text;
  EXPECT_NE(text.find("cut at"), std::string::npos) << text;
  EXPECT_EQ(runner_->Symbolic(text), text);  // Tokens were written symbolically already.
  EXPECT_TRUE(runner_->Cleanup().ok());
}

TEST_F(SessionRunnerTest, UploadsLearnTheVersionAndCountTheMovedTables) {
  ModelConfig config;
  config.uploads = true;
  Model model = SeatAtChat(config);
  Step upload = MakeStep(Op::kUpload, 0);
  upload.game = "chat";
  ASSERT_TRUE(Play(model, upload).ok());
  upload.live = true;
  const Status live = Play(model, upload);
  ASSERT_TRUE(live.ok()) << live.message();
  const std::string text = transcript_.Text(model.config, {});
  // chat was version 1 (from --games): the uploads are 2, then 3 with one table moved.
  EXPECT_NE(text.find("c0 << uploaded \"chat,2\""), std::string::npos) << text;
  EXPECT_NE(text.find("c0 << uploaded \"chat,3,1,0\""), std::string::npos) << text;
  ASSERT_TRUE(Play(model, GameCommand(0, "message", "still here")).ok());
  EXPECT_TRUE(runner_->Finish(model).ok());
  EXPECT_TRUE(runner_->Cleanup().ok());
}

// A kill after a pause longer than the certainty window must keep every acknowledged step;
// the session then goes on with what the database holds.
TEST_F(SessionRunnerTest, AKillAfterAPauseKeepsEverythingAcknowledged) {
  ModelConfig config;
  config.kills = true;
  Model model = SeatAtChat(config);
  ASSERT_TRUE(Play(model, GameCommand(0, "nick", "ann")).ok());
  Step kill = MakeStep(Op::kKill, 0);
  kill.number = 1000;
  const Status killed = Play(model, kill);
  ASSERT_TRUE(killed.ok()) << killed.message();
  EXPECT_FALSE(model.players[0].gone);
  EXPECT_EQ(model.tables[0].state.nicks.at(1), "ann");
  ASSERT_TRUE(Play(model, MakeStep(Op::kConnect, 1)).ok());
  ASSERT_TRUE(
      Play(model, HelloGame(1, "chat")).ok());  // ann's table has a free seat: guest2 joins it.
  const std::string text = transcript_.Text(model.config, {});
  EXPECT_NE(text.find("table#0 nick:1=ann"), std::string::npos) << text;
  EXPECT_TRUE(runner_->Finish(model).ok());
  EXPECT_TRUE(runner_->Cleanup().ok());
}

TEST_F(SessionRunnerTest, ADivergenceNamesTheStepTheClientAndBothPackets) {
  Model model = InitialModel(ModelConfig{});
  ASSERT_TRUE(Play(model, MakeStep(Op::kConnect, 0)).ok());
  // A model that believes client 0 sits at an echo table, while the server never heard hello.
  model.tables.push_back(TableModel{});
  model.tables[0].game = GameKind::kEcho;
  model.tables[0].seated = {0};
  model.players.push_back(PlayerModel{0, 1, 0, false, -1});
  model.clients[0].player = 0;
  Step echo = MakeStep(Op::kGame, 0);
  echo.command = "say";
  echo.text = "x";
  const Status s = runner_->Execute(model, echo);
  EXPECT_EQ(s.code(), "diverged");
  EXPECT_NE(s.message().find("step 1 (c0 game say \"x\")"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("expected say \"x\", got error no_hello"), std::string::npos)
      << s.message();
  EXPECT_NE(transcript_.Text(model.config, {}).find("EXPECTED say \"x\""), std::string::npos);
}

// A target reached through a redirector: clients connect to it, and it sends every hello
// on to the real server, as a cluster node sends a hello to the table's owner.
class RedirectedTarget final : public Target {
 public:
  RedirectedTarget(Target* real, const Redirector* redirector)
      : real_(real), redirector_(redirector) {}
  std::string host() const override { return "127.0.0.1"; }
  int port() const override { return redirector_->port(); }
  bool can_restart() const override { return false; }
  using Target::Restart;
  Status Restart(StopMode, const WhileDown&) override {
    return Status::Error("internal", "not restartable");
  }
  Status Health() override { return real_->Health(); }
  Status Reset() override { return real_->Reset(); }
  std::string log_path() const override { return real_->log_path(); }

 private:
  Target* real_;
  const Redirector* redirector_;
};

TEST_F(SessionRunnerTest, HellosFollowRedirectsToTheServerThatSeatsThem) {
  Result<std::unique_ptr<Redirector>> redirector =
      Redirector::Start("127.0.0.1:" + std::to_string(server_->port()));
  ASSERT_TRUE(redirector.ok()) << redirector.status().message();
  RedirectedTarget target(server_.get(), redirector.value().get());
  Transcript transcript;
  RunnerOptions options;
  // Generous: the redirector serves one connection at a time on a thread of its own, which a
  // machine busy with parallel tests may hold back for a while.
  options.timeout_ms = 10000;
  SessionRunner runner(&target, options, &transcript);
  Model model = InitialModel(ModelConfig{});
  auto play = [&](const Step& step) {
    Status s = runner.Execute(model, step);
    if (s.ok()) model = runner.ModelAfter(model, step);
    return s;
  };
  Status connected = play(MakeStep(Op::kConnect, 0));
  ASSERT_TRUE(connected.ok()) << connected.message();
  Status hello = play(HelloGame(0, "chat"));
  ASSERT_TRUE(hello.ok()) << hello.message();
  ASSERT_TRUE(play(MakeStep(Op::kConnect, 1)).ok());
  Step join = MakeStep(Op::kHello, 1);
  join.mode = HelloMode::kJoin;
  join.target = 0;
  hello = play(join);
  ASSERT_TRUE(hello.ok()) << hello.message();
  // Both are seated at the real server, where they hear each other.
  Status said = play(GameCommand(1, "message", "via a redirect"));
  ASSERT_TRUE(said.ok()) << said.message();
  EXPECT_TRUE(runner.Finish(model).ok());
  const std::vector<Packet> seen = redirector.value()->received();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(*seen[0].Find(header::kGame), "chat");
  EXPECT_EQ(seen[1].Find(header::kGame), nullptr);
  const std::string text = transcript.Text(model.config, {});
  EXPECT_NE(text.find("c0 << redirect"), std::string::npos) << text;
  EXPECT_NE(text.find("c0 << message \"guest2: via a redirect\""), std::string::npos) << text;
  EXPECT_TRUE(runner.Cleanup().ok());
}

}  // namespace
}  // namespace ggs::props
