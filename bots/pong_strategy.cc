// PongStrategy: ball tracking, crossing prediction and deliberate aim error.
#include "bots/pong_strategy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ggs::bots {
namespace {

constexpr double kTop = PongField::kBallRadius;
constexpr double kBottom = PongField::kSize - PongField::kBallRadius;
// A jump larger than this between two states is a new serve, not motion (the ball moves at
// most 3 units a tick).
constexpr double kLargestStep = 5;

bool ParseNumber(std::string_view text, double& out) {
  // strtod needs a terminated string; state fields are short.
  char buf[32];
  if (text.empty() || text.size() >= sizeof buf) return false;
  text.copy(buf, text.size());
  buf[text.size()] = '\0';
  char* end = nullptr;
  out = std::strtod(buf, &end);
  return end == buf + text.size() && std::isfinite(out);
}

}  // namespace

std::optional<PongState> ParsePongState(std::string_view args) {
  std::string_view fields[5];
  for (int i = 0; i < 5; ++i) {
    const size_t comma = args.find(',');
    if ((comma == std::string_view::npos) != (i == 4)) return std::nullopt;
    fields[i] = args.substr(0, comma);
    args.remove_prefix(comma == std::string_view::npos ? args.size() : comma + 1);
  }
  PongState s;
  auto [end, ec] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), s.tick);
  if (ec != std::errc() || end != fields[0].data() + fields[0].size()) return std::nullopt;
  if (!ParseNumber(fields[1], s.ball_x) || !ParseNumber(fields[2], s.ball_y) ||
      !ParseNumber(fields[3], s.left_y) || !ParseNumber(fields[4], s.right_y)) {
    return std::nullopt;
  }
  return s;
}

double FoldIntoField(double y) {
  // Bouncing between two walls is a triangle wave with period twice their distance.
  const double span = kBottom - kTop;
  double t = std::fmod(y - kTop, 2 * span);
  if (t < 0) t += 2 * span;
  return kTop + (t <= span ? t : 2 * span - t);
}

std::optional<double> PredictCrossingY(double x, double y, double vx, double vy, double face_x) {
  if (vx == 0 || (face_x - x) / vx < 0) return std::nullopt;
  const double ticks = (face_x - x) / vx;
  return FoldIntoField(y + vy * ticks);
}

PongStrategy::PongStrategy(const StrategyContext& context, PongAim aim)
    : aim_(aim), rng_(context.seed), ticks_(context.clock) {}

double PongStrategy::FaceX() const {
  return side_ == "left" ? PongField::kLeftX + PongField::kBallRadius
                         : PongField::kRightX - PongField::kBallRadius;
}

void PongStrategy::OnGameCommand(std::string_view command, std::string_view args, uint64_t now_us) {
  if (command == "state") {
    if (std::optional<PongState> s = ParsePongState(args)) OnState(*s, now_us);
  } else if (command == "side") {
    side_ = std::string(args);
  } else if (command == "point") {
    ++points_;
    last_.reset();  // The next state is a fresh serve from the centre.
  } else if (command == "gameover") {
    ++games_;
  } else if (command == "waiting") {
    ticks_.EndSegment(now_us);
    last_.reset();
  }
}

void PongStrategy::OnState(const PongState& s, uint64_t now_us) {
  ticks_.OnState(s.tick, now_us);
  Track(s);
  if (side_.empty()) return;
  const bool approaching = side_ == "left" ? vx_ < 0 : vx_ > 0;
  if (approaching && !approaching_) Aim();
  approaching_ = approaching;
  if (!approaching) {
    target_ = PongField::kSize / 2;  // Wait in the middle for the return.
    return;
  }
  const std::optional<double> y = PredictCrossingY(s.ball_x, s.ball_y, vx_, vy_, FaceX());
  if (y) target_ = std::clamp(*y + error_, PongField::kPaddleMin, PongField::kPaddleMax);
}

void PongStrategy::Track(const PongState& s) {
  if (last_ && s.tick > last_->tick) {
    const double dt = static_cast<double>(s.tick - last_->tick);
    const double dx = (s.ball_x - last_->ball_x) / dt;
    const double dy = (s.ball_y - last_->ball_y) / dt;
    if (std::abs(dx) <= kLargestStep && std::abs(dy) <= kLargestStep) {
      vx_ = dx;
      vy_ = dy;
    } else {
      vx_ = vy_ = 0;
    }
  }
  last_ = s;
}

void PongStrategy::Aim() {
  std::uniform_real_distribution<double> unit(0, 1);
  if (unit(rng_) < aim_.miss_chance) {
    // Aim past the ball, towards the middle of the field, where the clamp on the paddle's
    // position cannot turn the miss into a hit.
    const double size = aim_.miss_min + unit(rng_) * (aim_.miss_max - aim_.miss_min);
    const std::optional<double> y =
        last_ ? PredictCrossingY(last_->ball_x, last_->ball_y, vx_, vy_, FaceX()) : std::nullopt;
    error_ = y.value_or(PongField::kSize / 2) < PongField::kSize / 2 ? size : -size;
  } else {
    error_ = (unit(rng_) * 2 - 1) * aim_.hit_error;
  }
}

std::optional<GameInput> PongStrategy::NextInput(uint64_t /*now_us*/) {
  if (side_.empty()) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", target_);
  return GameInput{"move", buf};
}

void PongStrategy::OnDisconnected(uint64_t now_us) {
  ticks_.EndSegment(now_us);
  last_.reset();
}

void PongStrategy::Finish(uint64_t /*now_us*/, const std::string& table, ShardStats& stats) {
  ticks_.AddTo(stats.ticks);
  if (table.empty() || (games_ == 0 && points_ == 0)) return;
  TableTally& tally = stats.tables[table];
  tally.games = std::max(tally.games, games_);
  tally.points = std::max(tally.points, points_);
}

}  // namespace ggs::bots
