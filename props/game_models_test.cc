// Tests of the game models against the rules in games/chat/README.md,
// games/pong/README.md and games/tictactoe/README.md.
#include "props/game_models.h"

#include <gtest/gtest.h>

namespace ggs::props {
namespace {

std::vector<std::string> Commands(const GameResult& r) {
  std::vector<std::string> out;
  for (const GameSend& s : r.sends)
    out.push_back(s.command + " " + std::to_string(s.to) + " " + s.args);
  return out;
}

TEST(ChatModel, NicksFollowTheReadmeRules) {
  GameState chat;
  const std::vector<int> seated = {1, 2};
  EXPECT_EQ(Commands(Joined(GameKind::kChat, chat, seated, 2)),
            std::vector<std::string>{"notice 0 guest2 joined"});
  EXPECT_EQ(Commands(Command(GameKind::kChat, chat, seated, 1, "nick", "alice")),
            std::vector<std::string>{"notice 0 guest1 is now alice"});
  EXPECT_EQ(Commands(Command(GameKind::kChat, chat, seated, 2, "nick", "alice"))[0].substr(0, 9),
            "invalid 2");
  EXPECT_NE(NickProblem(chat, seated, 2, "guest1"), "");
  EXPECT_EQ(NickProblem(chat, seated, 2, "guest2"), "");
  EXPECT_NE(NickProblem(chat, seated, 2, ""), "");
  EXPECT_NE(NickProblem(chat, seated, 2, std::string(25, 'x')), "");
  EXPECT_EQ(NickProblem(chat, seated, 2, std::string(24, 'x')), "");
  EXPECT_NE(NickProblem(chat, seated, 2, "a\tb"), "");
  EXPECT_NE(NickProblem(chat, seated, 2, "nel\xc2\x85"), "");
  EXPECT_EQ(NickProblem(chat, seated, 2, "caf\xc3\xa9"), "");
  EXPECT_EQ(Commands(Command(GameKind::kChat, chat, seated, 1, "message", "hi")),
            std::vector<std::string>{"message 0 alice: hi"});
  EXPECT_EQ(Commands(Left(GameKind::kChat, chat, {2}, 1)),
            std::vector<std::string>{"notice 0 alice left"});
  EXPECT_EQ(NickProblem(chat, {2}, 2, "alice"), "");
}

TEST(ChatModel, MessagesCountCharactersNotBytes) {
  GameState chat;
  std::string euros;
  for (int i = 0; i < 4096; ++i) euros += "\xe2\x82\xac";
  EXPECT_EQ(Commands(Command(GameKind::kChat, chat, {1}, 1, "message", euros))[0].substr(0, 7),
            "message");
  EXPECT_EQ(Command(GameKind::kChat, chat, {1}, 1, "message", euros + "!").sends[0].command,
            "invalid");
  EXPECT_EQ(Command(GameKind::kChat, chat, {1}, 1, "message", "").sends[0].command, "invalid");
}

TEST(PongModel, SidesStartWaitingAndResume) {
  GameState pong;
  EXPECT_EQ(Commands(Joined(GameKind::kPong, pong, {1}, 1)),
            std::vector<std::string>{"side 1 left"});
  EXPECT_FALSE(pong.clock);
  EXPECT_EQ(Commands(Joined(GameKind::kPong, pong, {1, 2}, 2)),
            (std::vector<std::string>{"side 2 right", "start 0 "}));
  EXPECT_TRUE(pong.clock);
  EXPECT_EQ(Commands(Resumed(GameKind::kPong, pong, {1, 2}, 2)),
            std::vector<std::string>{"side 2 right"});
  EXPECT_TRUE(Command(GameKind::kPong, pong, {1, 2}, 1, "move", " 42.5 ").sends.empty());
  EXPECT_EQ(Command(GameKind::kPong, pong, {1, 2}, 1, "move", "1e3").sends[0].command, "invalid");
  EXPECT_EQ(Commands(Left(GameKind::kPong, pong, {2}, 1)), std::vector<std::string>{"waiting 0 "});
  EXPECT_FALSE(pong.clock);
  // The newcomer takes the free side, and the game starts again.
  EXPECT_EQ(Commands(Joined(GameKind::kPong, pong, {2, 3}, 3)),
            (std::vector<std::string>{"side 3 left", "start 0 "}));
  Restored(GameKind::kPong, pong, {2, 3});
  EXPECT_TRUE(pong.clock);
}

TEST(EchoModel, EchoesAndThrowsOnBoom) {
  GameState echo;
  EXPECT_EQ(Commands(Command(GameKind::kEcho, echo, {1}, 1, "say", "x y")),
            std::vector<std::string>{"say 1 x y"});
  EXPECT_TRUE(Command(GameKind::kEcho, echo, {1}, 1, "boom", "").script_error);
}

TEST(HostileModel, DecodesEscapesAndSendsOnlyWhatTheServerAccepts) {
  EXPECT_EQ(PercentDecoded("a%3Ab%0a"), std::optional<std::string>("a:b\n"));
  EXPECT_EQ(PercentDecoded("%00"), std::optional<std::string>(std::string(1, '\0')));
  EXPECT_EQ(PercentDecoded("a%4"), std::nullopt);
  EXPECT_EQ(PercentDecoded("%G0"), std::nullopt);
  EXPECT_TRUE(SendableName(std::string(64, 'n')));
  for (const std::string& bad :
       {std::string(65, 'n'), std::string("a b"), std::string("a:b"), std::string("a\r\nb"),
        std::string(1, '\0'), std::string(""), std::string("caf\xc3\xa9")}) {
    EXPECT_FALSE(SendableName(bad)) << bad;
  }
  GameState state;
  EXPECT_TRUE(Command(GameKind::kHostile, state, {1, 2}, 1, "to", "a%0Ab").script_error);
  EXPECT_EQ(Commands(Command(GameKind::kHostile, state, {1, 2}, 2, "to", "go%21")),
            std::vector<std::string>{"go! 2 go%21"});
  EXPECT_EQ(Commands(Command(GameKind::kHostile, state, {1, 2}, 2, "all", "go")),
            std::vector<std::string>{"go 0 go"});
}

TEST(TicTacToeModel, MarksTurnsWinsAndANewGameFollowTheReadme) {
  GameState t;
  EXPECT_EQ(Commands(Joined(GameKind::kTicTacToe, t, {1}, 1)),
            std::vector<std::string>{"mark 1 X"});
  EXPECT_EQ(
      Commands(Command(GameKind::kTicTacToe, t, {1}, 1, "move", "4")),
      std::vector<std::string>{"invalid 1 the game has not started: waiting for an opponent"});
  EXPECT_EQ(Commands(Joined(GameKind::kTicTacToe, t, {1, 2}, 2)),
            (std::vector<std::string>{"mark 2 O", "start 0 ", "world_set 0 board=.........",
                                      "world_set 0 turn=X"}));
  const std::vector<int> both = {1, 2};
  EXPECT_EQ(Commands(Command(GameKind::kTicTacToe, t, both, 2, "move", "4")),
            std::vector<std::string>{"invalid 2 not your turn"});
  EXPECT_EQ(Commands(Command(GameKind::kTicTacToe, t, both, 1, "move", "4")),
            (std::vector<std::string>{"world_set 0 board=....X....", "world_set 0 turn=O",
                                      "board 0 ....X....,O"}));
  EXPECT_EQ(Commands(Command(GameKind::kTicTacToe, t, both, 2, "move", "4")),
            std::vector<std::string>{"invalid 2 cell 4 is taken"});
  EXPECT_EQ(Commands(Command(GameKind::kTicTacToe, t, both, 2, "move", "9")),
            std::vector<std::string>{"invalid 2 a move is a cell index from 0 to 8"});
  Command(GameKind::kTicTacToe, t, both, 2, "move", "0");
  Command(GameKind::kTicTacToe, t, both, 1, "move", "3");
  Command(GameKind::kTicTacToe, t, both, 2, "move", "1");
  const GameResult win = Command(GameKind::kTicTacToe, t, both, 1, "move", "5");
  EXPECT_EQ(Commands(win)[3], "gameover 0 X");
  EXPECT_EQ(Commands(win)[4], "start 0 ");
  EXPECT_EQ(t.board, ".........");
  EXPECT_EQ(Commands(Resumed(GameKind::kTicTacToe, t, both, 2)),
            (std::vector<std::string>{"mark 2 O", "board 2 .........,X"}));
  EXPECT_EQ(Commands(Left(GameKind::kTicTacToe, t, {2}, 1)),
            std::vector<std::string>{"waiting 0 "});
  EXPECT_EQ(TicTacToeResult("XOXXOOOXX"), "draw");
}

TEST(PongModel, ALiveUploadTellsOnlyAPlayerWithoutASideItsNewOne) {
  GameState pong;
  Joined(GameKind::kPong, pong, {1}, 1);
  EXPECT_TRUE(Restored(GameKind::kPong, pong, {1}).sends.empty());
  pong.sides.clear();  // As if the stored side were gone.
  EXPECT_EQ(Commands(Restored(GameKind::kPong, pong, {1})),
            std::vector<std::string>{"side 1 left"});
}

}  // namespace
}  // namespace ggs::props
