// HOST:PORT, as flags and config files spell an address: one parser for the server's
// --listen and every client's --server.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ggs {

struct HostPort {
  std::string host;  // A name or an address; IPv6 without its brackets.
  int port = 0;      // 0 to 65535.
};

// Splits "HOST:PORT" (also "[::1]:PORT"). Fails with code "bad_address" and a message that
// quotes the text.
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace ggs
