// Player: one person known to the server, connected or within the reconnect grace period.
#pragma once

#include <string>

#include "core/timers.h"

namespace ggs {

class Peer;
class Table;

struct Player {
  std::string token;  // Secret: a random version-4 UUID that resumes this player.
  int id = 0;         // The player's id inside its table's game.
  Table* table = nullptr;
  Peer* peer = nullptr;        // nullptr while disconnected.
  Timers::Id grace_timer = 0;  // Running while disconnected.
};

}  // namespace ggs
