// Render: the bytes a step puts on the wire. Well-formed requests are spelled in any of the
// protocol's equivalent ways (Encoding); corruptions follow the grammar of props/step.h.
// Pure: the tokens a step refers to come from the caller.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/protocol.h"
#include "props/step.h"

namespace ggs::props {

struct RenderContext {
  // The token the server gave player (table) `index`, or "" when it is unknown.
  std::function<std::string(int)> player_token;
  std::function<std::string(int)> table_token;
  // The token of the player client slot `index` speaks for, or "" before its hello.
  std::function<std::string(int)> client_token;
  ParserLimits limits;      // The server's limits, which oversize corruptions exceed.
  std::string chat_source;  // games/chat/chat.js as shipped.
  // The shipped source of each game in kUploadableGames, and the server's admin token.
  std::map<std::string, std::string> game_sources;
  std::string admin_token;
};

// The JavaScript source `script` sends (chat with `seats` seats, ...).
std::string ScriptSource(Script script, int seats, const std::string& chat_source);

// The request a well-formed step sends, before encoding: its headers and payload.
struct Request {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
};

// Encodes `request` in the spelling `encoding` asks for.
std::string EncodeRequest(const Request& request, const Encoding& encoding);

// The bytes of `step` (empty for connect, disconnect, restart and wait).
std::string Render(const Step& step, const RenderContext& context);

// Cuts `bytes` at the step's split points (thousandths of the length) into non-empty pieces.
std::vector<std::string> Cut(const std::string& bytes, const std::vector<int>& splits);

}  // namespace ggs::props
