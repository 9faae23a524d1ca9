// PongStrategy: a bot that really plays games/pong. It follows the ball in the server's
// `state` broadcasts, predicts where the ball will cross its paddle (reflecting off the
// walls) and moves the paddle there. To make points happen and games finish, it aims off
// on purpose now and then: on each approach of the ball it decides, from its seeded
// random stream, whether to aim at the ball (within a few units) or clearly past it.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "bots/strategy.h"
#include "bots/tick_meter.h"

namespace ggs::bots {

// One `state` broadcast: `tick,ballX,ballY,leftY,rightY`.
struct PongState {
  int64_t tick = 0;
  double ball_x = 0;
  double ball_y = 0;
  double left_y = 0;
  double right_y = 0;
};

// Parses a state's args; nullopt when malformed.
std::optional<PongState> ParsePongState(std::string_view args);

// Pong's field (games/pong/pong.js): 100 x 100, paddles 20 high at x = 2 and x = 98, whose
// centres stay within [10, 90]; the ball has radius 1 and bounces off y = 1 and y = 99.
struct PongField {
  static constexpr double kSize = 100;
  static constexpr double kLeftX = 2;
  static constexpr double kRightX = 98;
  static constexpr double kBallRadius = 1;
  static constexpr double kPaddleHalf = 10;
  static constexpr double kPaddleMin = 10;
  static constexpr double kPaddleMax = 90;
};

// Reflects a y coordinate that travelled past a wall back into [1, 99], as the ball does.
double FoldIntoField(double y);

// The y at which a ball at (x, y) moving (vx, vy) per tick reaches x = face_x, bouncing off
// the walls; nullopt when it moves away from face_x or not at all horizontally.
std::optional<double> PredictCrossingY(double x, double y, double vx, double vy, double face_x);

// Half the approaches are aimed past the ball: a point then takes about four seconds and a
// game (first to 5) about half a minute, so a 30 s run sees games finish.
struct PongAim {
  double miss_chance = 0.5;  // Share of approaches aimed past the ball.
  double hit_error = 6;      // Largest error when aiming at the ball (paddle half is 10).
  double miss_min = 14;      // Smallest error when aiming past it (a hit needs <= 11).
  double miss_max = 20;
};

class PongStrategy : public Strategy {
 public:
  explicit PongStrategy(const StrategyContext& context, PongAim aim = {});

  void OnGameCommand(std::string_view command, std::string_view args, uint64_t now_us) override;
  std::optional<GameInput> NextInput(uint64_t now_us) override;
  void OnDisconnected(uint64_t now_us) override;
  void Finish(uint64_t now_us, const std::string& table, ShardStats& stats) override;

  // For tests and the report.
  const std::string& side() const { return side_; }
  double target() const { return target_; }
  uint64_t games() const { return games_; }
  uint64_t points() const { return points_; }
  const TickMeter& ticks() const { return ticks_; }

 private:
  void OnState(const PongState& s, uint64_t now_us);
  void Track(const PongState& s);
  void Aim();
  double FaceX() const;

  PongAim aim_;
  std::mt19937_64 rng_;
  TickMeter ticks_;
  std::string side_;  // "left", "right", or empty before the server assigns one.
  std::optional<PongState> last_;
  double vx_ = 0, vy_ = 0;    // Ball velocity per tick, from the last two states.
  bool approaching_ = false;  // The ball moves towards this bot's paddle.
  double error_ = 0;          // This approach's deliberate aim error.
  double target_ = PongField::kSize / 2;
  uint64_t games_ = 0;
  uint64_t points_ = 0;
};

}  // namespace ggs::bots
