// ChatStrategy: a bot in games/chat, as the thesis's tests had them: it picks a nick when it
// joins, then says something at the bot's input rate and reads what everyone says.
#pragma once

#include <cstdint>
#include <string>

#include "bots/strategy.h"

namespace ggs::bots {

class ChatStrategy : public Strategy {
 public:
  explicit ChatStrategy(const StrategyContext& context);

  // The nick: `bot<index>-<4 hex digits of the seed>`, at most 24 characters, unique within
  // a swarm and unlikely to meet one from another run; never a reserved guest<N> nick.
  std::optional<GameInput> JoinInput() override;
  void OnGameCommand(std::string_view command, std::string_view args, uint64_t now_us) override;
  std::optional<GameInput> NextInput(uint64_t now_us) override;
  void Finish(uint64_t now_us, const std::string& table, ShardStats& stats) override;

  const std::string& nick() const { return nick_; }
  uint64_t messages_heard() const { return messages_heard_; }

 private:
  std::string nick_;
  uint64_t said_ = 0;
  uint64_t messages_heard_ = 0;
};

}  // namespace ggs::bots
