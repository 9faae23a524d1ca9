// Player: one person known to the server, connected or within the reconnect grace period.
#pragma once

#include <cstdint>
#include <string>

#include "core/timers.h"

namespace ggs {

class Peer;
class Table;

struct Player {
  std::string token;  // Secret: a random version-4 UUID that resumes this player.
  int id = 0;         // The player's id inside its table's game.
  Table* table = nullptr;
  Peer* peer = nullptr;  // nullptr while disconnected.
  // The last VM event sequence number (core/vm_wire.h) sent before `peer` was attached: the
  // effects of events up to it happened while the player was away, and do not reach it.
  uint64_t attached_after = 0;
  Timers::Id grace_timer = 0;  // Running while disconnected.
};

}  // namespace ggs
