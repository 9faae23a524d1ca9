// Tests of the step checks: which steps may follow a model, and the independent byte
// classes and command list they rest on.
#include "props/step_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ggs::props {
namespace {

// A model with `clients` connected slots, after `steps` (each checked first).
Model After(int clients, const std::vector<Step>& steps = {}) {
  ModelConfig config;
  config.clients = clients;
  Model m = InitialModel(config);
  for (int c = 0; c < clients; ++c) m = Predict(m, MakeStep(Op::kConnect, c)).next;
  for (const Step& s : steps) {
    EXPECT_TRUE(Applicable(m, s)) << Describe(s);
    m = Predict(m, s).next;
  }
  return m;
}

Step Hello(HelloMode mode, int target = 0, std::string game = "") {
  Step s = MakeStep(Op::kHello);
  s.mode = mode;
  s.target = target;
  s.game = std::move(game);
  return s;
}

Step Corrupt(Corruption corruption, std::string text) {
  Step s = MakeStep(Op::kCorrupt);
  s.corruption = corruption;
  s.text = std::move(text);
  return s;
}

TEST(StepCheck, TheClientSlotMustExistAndBeInTheRightState) {
  ModelConfig config;
  config.clients = 2;
  const Model fresh = InitialModel(config);
  const Status unknown = CheckStep(fresh, MakeStep(Op::kPing, 2));
  EXPECT_EQ(unknown.code(), "bad_step");
  EXPECT_EQ(unknown.message(), "no such client slot");
  EXPECT_EQ(CheckStep(fresh, MakeStep(Op::kPing, 0)).message(), "the client is not connected");
  EXPECT_TRUE(Applicable(fresh, MakeStep(Op::kConnect, 1)));
  EXPECT_TRUE(Applicable(fresh, MakeStep(Op::kRestart, 1)));
  EXPECT_FALSE(Applicable(After(2), MakeStep(Op::kConnect, 1)));  // Already open.
  config.restarts = false;
  EXPECT_FALSE(Applicable(InitialModel(config), MakeStep(Op::kRestart, 0)));
}

TEST(StepCheck, NamedTablesAndPlayersMustExist) {
  Model m = After(2);
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kJoin, 0)));
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kResume, 0)));
  m = After(2, {Hello(HelloMode::kNew)});
  EXPECT_TRUE(Applicable(m, Hello(HelloMode::kJoin, 0)));
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kJoin, 1)));
  EXPECT_TRUE(Applicable(m, Hello(HelloMode::kResume, 0)));
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kResume, -1)));
  Step game = MakeStep(Op::kGame);
  game.command = "say";
  game.token = TokenHeader::kPlayer;
  game.target = 0;
  EXPECT_TRUE(Applicable(m, game));
  game.target = 1;
  EXPECT_FALSE(Applicable(m, game));
}

TEST(StepCheck, HeaderValuesMustReadBackUnchanged) {
  const Model m = After(1);
  EXPECT_TRUE(Applicable(m, Hello(HelloMode::kGame, 0, "chat")));
  EXPECT_TRUE(Applicable(m, Hello(HelloMode::kGame, 0, "a\tb")));
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kGame, 0, " chat")));   // Trimmed.
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kGame, 0, "chat\t")));  // Trimmed.
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kGame, 0, "ch\x01t")));
  EXPECT_FALSE(Applicable(m, Hello(HelloMode::kGame, 0, "ch\x7ft")));
  Step game = MakeStep(Op::kGame);
  game.command = std::string(64, 'x');
  EXPECT_TRUE(Applicable(m, game));
  game.command += 'x';
  EXPECT_FALSE(Applicable(m, game));
}

TEST(StepCheck, AnUnknownCommandNamesNoServerCommand) {
  const Model m = After(1);
  Step odd = MakeStep(Op::kOdd);
  odd.oddity = Oddity::kUnknownCommand;
  for (const char* known : {"hello", "define", "ping", "upload", "bye"}) {
    odd.text = known;
    EXPECT_FALSE(Applicable(m, odd)) << known;
  }
  odd.text = "dance";
  EXPECT_TRUE(Applicable(m, odd));
}

TEST(StepCheck, CorruptionsFollowTheirGrammar) {
  const Model m = After(1);
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kBadName, "@")));
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kBadName, "a")));   // A token byte.
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kBadName, "~")));   // Also a token byte.
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kBadName, "@@")));  // One byte only.
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kControlInValue, "\x01")));
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kControlInValue, "\t")));
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kBadLength, "12x")));
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kBadLength, "")));
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kBadLength, std::string(20, '9'))));
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kBadLength, " 12\t")));  // A valid length.
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kNoColon, "a:b")));
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kBinaryJunk, "")));
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kUnendedJunkLine, "garbage")));
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kUnendedJunkLine, "a: b")));  // May be valid.
  EXPECT_TRUE(Applicable(m, Corrupt(Corruption::kUnendedBadByte, std::string(1, '\0'))));
  EXPECT_FALSE(Applicable(m, Corrupt(Corruption::kUnendedBadByte, "\r")));  // Half a CRLF.
  EXPECT_FALSE(Applicable(
      m, Corrupt(Corruption::kBinaryJunk, std::string(m.config.limits.max_header, 'x'))));
}

TEST(StepCheck, EncodingsAndSeatsStayInRange) {
  const Model m = After(1);
  Step ping = MakeStep(Op::kPing);
  ping.encoding.name_case = 4;
  EXPECT_EQ(CheckStep(m, ping).message(), "bad encoding");
  Step define = MakeStep(Op::kDefine);
  define.seats = kAdHocSeats;
  EXPECT_TRUE(Applicable(m, define));
  define.seats = 0;
  EXPECT_FALSE(Applicable(m, define));
}

}  // namespace
}  // namespace ggs::props
