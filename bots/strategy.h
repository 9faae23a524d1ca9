// Strategy: how a bot plays one game. The bot owns the connection, the pings and the input
// clock; the strategy reads the game's commands and decides each input. Strategies are
// pure (no I/O, time passed in), so they are tested without a server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bots/run_clock.h"
#include "bots/swarm_stats.h"
#include "core/status.h"

namespace ggs::bots {

struct GameInput {
  std::string command;  // Sent as `Game-Command: command`.
  std::string args;     // The payload.
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // The input to send right after the first hello, if any (a chat nick).
  virtual std::optional<GameInput> JoinInput() { return std::nullopt; }
  // A command from the game arrived at `now_us`.
  virtual void OnGameCommand(std::string_view command, std::string_view args, uint64_t now_us) = 0;
  // Called at the bot's input rate: the input to send now, if any.
  virtual std::optional<GameInput> NextInput(uint64_t now_us) = 0;
  // The bot lost its connection (on purpose or not) at `now_us`.
  virtual void OnDisconnected(uint64_t /*now_us*/) {}
  // The run is over at `now_us`: adds this bot's game figures to `stats`. `table` is the
  // token of the bot's table.
  virtual void Finish(uint64_t now_us, const std::string& table, ShardStats& stats) = 0;
};

struct StrategyContext {
  size_t bot_index = 0;
  uint64_t seed = 0;                // This bot's own seed.
  const RunClock* clock = nullptr;  // For the measurement window.
};

// The games the swarm can play.
bool KnownGame(std::string_view game);
// Inputs per bot per second when --input-hz is not given.
double DefaultInputHz(std::string_view game);
// A fresh strategy for one bot. Fails with code "unknown_game".
Result<std::unique_ptr<Strategy>> MakeStrategy(std::string_view game, const StrategyContext& c);

}  // namespace ggs::bots
