// The figures a swarm measures, as plain mergeable values: what one loop thread (a shard)
// gathers over the run, and what it gathers in each second for the live line and the
// report's time series. Merging shards (or seconds) adds counts and histograms, takes the
// maximum of per-table game counts and the minimum of per-bot tick ratios.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "bots/histogram.h"

namespace ggs::bots {

struct Counters {
  uint64_t msgs_in = 0;
  uint64_t msgs_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;

  void Add(const Counters& other);
};

// Pong's 30 Hz `state` broadcasts as the bots saw them inside the measurement window.
struct TickFigures {
  uint64_t states_received = 0;
  // Per connection, last tick number - first tick number + 1: the states the table sent.
  uint64_t expected_by_tick_numbers = 0;
  // Wall-clock time the bots' tables were in play (from a bot's first state, until it left
  // or the window closed), summed over bots; at 30 Hz it should have carried 30/s states.
  uint64_t play_us = 0;
  uint64_t bots = 0;  // Bots that saw at least one state.
  // The lowest per-bot states_received / expected_by_tick_numbers (1 when none).
  double worst_bot_ratio = 1;
  // The lowest per-bot states_received / (its play time x 30 Hz) (1 when none): how the
  // worst-served table fared when the server falls behind, where a table that skips ticks
  // shows no gap in its tick numbers.
  double worst_bot_wall_clock_ratio = 1;

  void Add(const TickFigures& other);
  // states_received / expected_by_tick_numbers; 0 when nothing was expected.
  double RatioByTickNumbers() const;
  // states_received / (play time x 30 Hz); 0 when nothing was in play.
  double RatioVsWallClock() const;
};

struct TableTally {
  uint64_t games = 0;
  uint64_t points = 0;
};

// One second of the run (or of one shard): the time series' unit.
struct IntervalStats {
  Counters counters;
  Histogram rtt;  // Pings whose pong arrived in this second.
  uint64_t errors = 0;
  int64_t connected = 0;  // Bots connected at the end of the second (a gauge).

  void Merge(const IntervalStats& other);
  void Reset();
};

// Everything one shard (or, merged, the swarm) measured over the run.
struct ShardStats {
  Counters window;     // Inside the measurement window (after the ramp, until the end).
  Counters total;      // Over the whole run, ramp and goodbyes included.
  Histogram rtt;       // Round trips of the pings scheduled inside the window.
  Histogram send_lag;  // How late the swarm sent those pings after their scheduled time.
  uint64_t bots_connected = 0;
  uint64_t bots_failed = 0;
  std::map<std::string, uint64_t> errors_by_code;
  // Connections the server (or the network) closed on a bot, whether it resumed or not.
  uint64_t disconnects = 0;
  uint64_t churn_drops = 0;         // Connections bots dropped on purpose (--churn).
  uint64_t resumes = 0;             // Successful resumes with a token after a drop.
  uint64_t resume_failures = 0;     // Also counted in errors_by_code.
  uint64_t redirects = 0;           // `redirect` replies the bots followed.
  uint64_t reconnects = 0;          // Lost connections after which the bot resumed.
  uint64_t reconnect_failures = 0;  // Lost connections after which it could not.
  Histogram resume_time;            // From a lost connection to the resume's hello reply.
  uint64_t pings_unanswered = 0;    // Still waiting at the end; recorded as lower bounds.
  uint64_t pings_lost = 0;          // In flight when a bot dropped its connection on purpose.
  uint64_t game_messages = 0;       // Game commands received (state, message, notice, ...).
  TickFigures ticks;
  // Per table token, the Pong games and points the bots at the table saw finish. Both bots
  // of a table see the same broadcasts, so tables merge by the larger tally, not the sum.
  std::unordered_map<std::string, TableTally> tables;

  void Merge(const ShardStats& other);
  uint64_t errors() const;
  uint64_t games_played() const;
  uint64_t points() const;
};

}  // namespace ggs::bots
