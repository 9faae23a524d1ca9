// ChatStrategy: nick, then messages.
#include "bots/chat_strategy.h"

#include <cstdio>

namespace ggs::bots {

ChatStrategy::ChatStrategy(const StrategyContext& context) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "bot%zu-%04x", context.bot_index,
                static_cast<unsigned>(context.seed & 0xffff));
  nick_ = buf;
}

std::optional<GameInput> ChatStrategy::JoinInput() { return GameInput{"nick", nick_}; }

void ChatStrategy::OnGameCommand(std::string_view command, std::string_view /*args*/,
                                 uint64_t /*now_us*/) {
  if (command == "message") ++messages_heard_;
}

std::optional<GameInput> ChatStrategy::NextInput(uint64_t /*now_us*/) {
  ++said_;
  return GameInput{"message", "hello from " + nick_ + " #" + std::to_string(said_)};
}

void ChatStrategy::Finish(uint64_t, const std::string&, ShardStats&) {}

}  // namespace ggs::bots
