// Merging the swarm's figures.
#include "bots/swarm_stats.h"

#include <algorithm>

namespace ggs::bots {
namespace {

constexpr double kTickHz = 30;

}  // namespace

void Counters::Add(const Counters& other) {
  msgs_in += other.msgs_in;
  msgs_out += other.msgs_out;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  pings_sent += other.pings_sent;
  pongs_received += other.pongs_received;
}

void TickFigures::Add(const TickFigures& other) {
  states_received += other.states_received;
  expected_by_tick_numbers += other.expected_by_tick_numbers;
  play_us += other.play_us;
  bots += other.bots;
  worst_bot_ratio = std::min(worst_bot_ratio, other.worst_bot_ratio);
  worst_bot_wall_clock_ratio =
      std::min(worst_bot_wall_clock_ratio, other.worst_bot_wall_clock_ratio);
}

double TickFigures::RatioByTickNumbers() const {
  if (expected_by_tick_numbers == 0) return 0;
  return static_cast<double>(states_received) / static_cast<double>(expected_by_tick_numbers);
}

double TickFigures::RatioVsWallClock() const {
  const double expected = static_cast<double>(play_us) / 1e6 * kTickHz;
  return expected > 0 ? static_cast<double>(states_received) / expected : 0;
}

void IntervalStats::Merge(const IntervalStats& other) {
  counters.Add(other.counters);
  rtt.Merge(other.rtt);
  errors += other.errors;
  connected += other.connected;
}

void IntervalStats::Reset() {
  counters = {};
  rtt.Reset();
  errors = 0;
}

void ShardStats::Merge(const ShardStats& other) {
  window.Add(other.window);
  total.Add(other.total);
  rtt.Merge(other.rtt);
  send_lag.Merge(other.send_lag);
  bots_connected += other.bots_connected;
  bots_failed += other.bots_failed;
  for (const auto& [code, n] : other.errors_by_code) errors_by_code[code] += n;
  disconnects += other.disconnects;
  churn_drops += other.churn_drops;
  resumes += other.resumes;
  resume_failures += other.resume_failures;
  redirects += other.redirects;
  reconnects += other.reconnects;
  reconnect_failures += other.reconnect_failures;
  resume_time.Merge(other.resume_time);
  pings_unanswered += other.pings_unanswered;
  pings_lost += other.pings_lost;
  game_messages += other.game_messages;
  ticks.Add(other.ticks);
  for (const auto& [token, theirs] : other.tables) {
    TableTally& mine = tables[token];
    mine.games = std::max(mine.games, theirs.games);
    mine.points = std::max(mine.points, theirs.points);
  }
}

uint64_t ShardStats::errors() const {
  uint64_t n = 0;
  for (const auto& [code, count] : errors_by_code) n += count;
  return n;
}

uint64_t ShardStats::games_played() const {
  uint64_t n = 0;
  for (const auto& [token, tally] : tables) n += tally.games;
  return n;
}

uint64_t ShardStats::points() const {
  uint64_t n = 0;
  for (const auto& [token, tally] : tables) n += tally.points;
  return n;
}

}  // namespace ggs::bots
