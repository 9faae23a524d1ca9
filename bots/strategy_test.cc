#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "bots/chat_strategy.h"
#include "bots/pong_strategy.h"

namespace ggs::bots {
namespace {

constexpr uint64_t kSecond = 1000000;

TEST(PongStateTest, ParsesTheFiveFields) {
  const std::optional<PongState> s = ParsePongState("42,50.5,12,10,89.99");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tick, 42);
  EXPECT_DOUBLE_EQ(s->ball_x, 50.5);
  EXPECT_DOUBLE_EQ(s->ball_y, 12);
  EXPECT_DOUBLE_EQ(s->left_y, 10);
  EXPECT_DOUBLE_EQ(s->right_y, 89.99);
}

TEST(PongStateTest, RejectsMalformedArgs) {
  for (const char* bad : {"", "1,2,3,4", "1,2,3,4,5,6", "x,2,3,4,5", "1,2,,4,5", "1.5,2,3,4,5",
                          "1,2,3,4,5x", "1,nan,3,4,5"}) {
    EXPECT_FALSE(ParsePongState(bad)) << bad;
  }
}

TEST(PongPredictionTest, StraightLineWithoutWalls) {
  // From x=50 to the right face at 97: 47 ticks at vx=1, rising 0.5 a tick.
  EXPECT_NEAR(*PredictCrossingY(50, 20, 1, 0.5, 97), 43.5, 1e-9);
  EXPECT_NEAR(*PredictCrossingY(50, 50, -2, 0, 3), 50, 1e-9);
}

TEST(PongPredictionTest, MovingAwayOrStillHasNoCrossing) {
  EXPECT_FALSE(PredictCrossingY(50, 50, -1, 0, 97));
  EXPECT_FALSE(PredictCrossingY(50, 50, 0, 1, 97));
}

TEST(PongPredictionTest, ReflectsOffBothWalls) {
  EXPECT_DOUBLE_EQ(FoldIntoField(50), 50);
  EXPECT_DOUBLE_EQ(FoldIntoField(-3), 5);                // 4 past the top wall at 1.
  EXPECT_DOUBLE_EQ(FoldIntoField(103), 95);              // 4 past the bottom wall at 99.
  EXPECT_DOUBLE_EQ(FoldIntoField(1 + 98 * 2 + 10), 11);  // Down, up, and 10 more.
  // 47 ticks at vy=-3 from y=20: 141 units; 19 up to the wall at 1, 98 down to the wall at
  // 99, and the last 24 up again.
  EXPECT_NEAR(*PredictCrossingY(50, 20, 1, -3, 97), 99 - 24, 1e-9);
}

// A step-by-step simulation of the ball (as pong.js moves it) agrees with the prediction.
TEST(PongPredictionTest, AgreesWithSimulatingTheBall) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> pos(5, 95), speed(-3, 3);
  for (int trial = 0; trial < 1000; ++trial) {
    double x = pos(rng), y = pos(rng), vx = speed(rng), vy = speed(rng);
    if (std::abs(vx) < 0.2) continue;
    const double face = vx > 0 ? 97 : 3;
    const double predicted = *PredictCrossingY(x, y, vx, vy, face);
    // Simulate whole ticks, then the fraction of the last one.
    const double ticks = (face - x) / vx;
    for (int t = 0; t < static_cast<int>(ticks); ++t) {
      y += vy;
      if (y < 1) {
        y = 2 - y;
        vy = -vy;
      } else if (y > 99) {
        y = 198 - y;
        vy = -vy;
      }
    }
    const double simulated = FoldIntoField(y + vy * (ticks - std::floor(ticks)));
    EXPECT_NEAR(predicted, simulated, 1e-6) << trial;
  }
}

class PongStrategyTest : public ::testing::Test {
 protected:
  PongStrategyTest() {
    clock_.window_start_us = 0;
    clock_.end_us = 100 * kSecond;
  }
  StrategyContext Context(uint64_t seed) { return {0, seed, &clock_}; }
  RunClock clock_;
};

TEST_F(PongStrategyTest, SendsNothingBeforeItHasASide) {
  PongStrategy s(Context(1));
  EXPECT_FALSE(s.NextInput(0));
  s.OnGameCommand("side", "left", 0);
  ASSERT_TRUE(s.NextInput(0));
  EXPECT_EQ(s.NextInput(0)->command, "move");
  EXPECT_EQ(s.NextInput(0)->args, "50.0");
}

TEST_F(PongStrategyTest, MovesToMeetTheBallWhenAimingToHit) {
  PongStrategy s(Context(1), PongAim{.miss_chance = 0, .hit_error = 0});
  s.OnGameCommand("side", "right", 0);
  s.OnGameCommand("state", "1,50,20,50,50", 1000);
  s.OnGameCommand("state", "2,51,20.5,50,50", 2000);
  EXPECT_NEAR(s.target(), 43.5, 1e-9);
  EXPECT_EQ(s.NextInput(3000)->args, "43.5");
}

TEST_F(PongStrategyTest, WaitsInTheMiddleWhileTheBallMovesAway) {
  PongStrategy s(Context(1), PongAim{.miss_chance = 0, .hit_error = 0});
  s.OnGameCommand("side", "left", 0);
  s.OnGameCommand("state", "1,50,20,50,50", 1000);
  s.OnGameCommand("state", "2,51,20.5,50,50", 2000);
  EXPECT_DOUBLE_EQ(s.target(), 50);
}

TEST_F(PongStrategyTest, AHitAimStaysWithinThePaddleAndAMissOutsideIt) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    for (double miss : {0.0, 1.0}) {
      PongStrategy s(Context(seed), PongAim{.miss_chance = miss});
      s.OnGameCommand("side", "right", 0);
      s.OnGameCommand("state", "1,50,30,50,50", 1000);
      s.OnGameCommand("state", "2,51,30,50,50", 2000);
      const double offset = std::abs(s.target() - 30);
      if (miss == 0) {
        EXPECT_LE(offset, 6) << seed;
      } else {
        EXPECT_GT(offset, PongField::kPaddleHalf + PongField::kBallRadius) << seed;
      }
    }
  }
}

TEST_F(PongStrategyTest, ASeedMakesTheSameChoices) {
  PongStrategy a(Context(9)), b(Context(9));
  for (PongStrategy* s : {&a, &b}) {
    s->OnGameCommand("side", "left", 0);
    s->OnGameCommand("state", "1,50,30,50,50", 1000);
    s->OnGameCommand("state", "2,49,31,50,50", 2000);
  }
  EXPECT_DOUBLE_EQ(a.target(), b.target());
}

TEST_F(PongStrategyTest, CountsPointsGamesAndStatesIntoTheShard) {
  PongStrategy s(Context(1));
  s.OnGameCommand("side", "left", 0);
  for (int tick = 1; tick <= 30; ++tick) {
    s.OnGameCommand("state", std::to_string(tick) + ",50,50,50,50", tick * 33333);
  }
  s.OnGameCommand("point", "right", 2 * kSecond);
  s.OnGameCommand("gameover", "right", 2 * kSecond);
  ShardStats stats;
  s.Finish(3 * kSecond, "table-1", stats);
  EXPECT_EQ(stats.games_played(), 1u);
  EXPECT_EQ(stats.points(), 1u);
  EXPECT_EQ(stats.ticks.states_received, 30u);
  EXPECT_EQ(stats.ticks.bots, 1u);
}

TEST(ChatStrategyTest, PicksAValidNickThenChats) {
  RunClock clock;
  ChatStrategy s(StrategyContext{123456, 0xabcdef, &clock});
  const std::optional<GameInput> nick = s.JoinInput();
  ASSERT_TRUE(nick);
  EXPECT_EQ(nick->command, "nick");
  EXPECT_EQ(nick->args, "bot123456-cdef");
  EXPECT_LE(nick->args.size(), 24u);
  const std::optional<GameInput> said = s.NextInput(0);
  ASSERT_TRUE(said);
  EXPECT_EQ(said->command, "message");
  EXPECT_EQ(said->args, "hello from bot123456-cdef #1");
  s.OnGameCommand("message", "a: hi", 0);
  s.OnGameCommand("notice", "a joined", 0);
  EXPECT_EQ(s.messages_heard(), 1u);
}

TEST(StrategyTableTest, KnowsPongAndChat) {
  RunClock clock;
  EXPECT_TRUE(KnownGame("pong"));
  EXPECT_TRUE(KnownGame("chat"));
  EXPECT_FALSE(KnownGame("tetris"));
  EXPECT_EQ(DefaultInputHz("pong"), 20);
  EXPECT_TRUE(MakeStrategy("chat", {0, 1, &clock}).ok());
  EXPECT_EQ(MakeStrategy("tetris", {0, 1, &clock}).status().code(), "unknown_game");
}

}  // namespace
}  // namespace ggs::bots
