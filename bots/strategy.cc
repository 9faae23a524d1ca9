// The table of games the swarm plays.
#include "bots/strategy.h"

#include "bots/chat_strategy.h"
#include "bots/pong_strategy.h"

namespace ggs::bots {
namespace {

struct GameEntry {
  const char* name;
  double input_hz;
  std::unique_ptr<Strategy> (*make)(const StrategyContext&);
};

// Pong plays at 20 inputs a second; a chat bot says something every five seconds.
const GameEntry kGames[] = {
    {"pong", 20,
     [](const StrategyContext& c) -> std::unique_ptr<Strategy> {
       return std::make_unique<PongStrategy>(c);
     }},
    {"chat", 0.2,
     [](const StrategyContext& c) -> std::unique_ptr<Strategy> {
       return std::make_unique<ChatStrategy>(c);
     }},
};

const GameEntry* Find(std::string_view game) {
  for (const GameEntry& g : kGames) {
    if (game == g.name) return &g;
  }
  return nullptr;
}

}  // namespace

bool KnownGame(std::string_view game) { return Find(game) != nullptr; }

double DefaultInputHz(std::string_view game) {
  const GameEntry* g = Find(game);
  return g ? g->input_hz : 1;
}

Result<std::unique_ptr<Strategy>> MakeStrategy(std::string_view game, const StrategyContext& c) {
  const GameEntry* g = Find(game);
  if (!g) return Status::Error("unknown_game", "no bot strategy for game " + std::string(game));
  return g->make(c);
}

}  // namespace ggs::bots
