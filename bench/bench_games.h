// The small games the benchmarks install next to the shipped ones: a counter that writes
// the world on every command (the durability scenario) and a one-seat game that does
// nothing (the start-up scenario's 5,000 tables). Pong itself is embedded from games/.
#pragma once

#include <string>

#include "core/status.h"

namespace ggs::bench {

// `counter`: one seat; every command increments a world counter under one of 64 keys
// (GGS.world.setItem, which also broadcasts `world_set key=value`: the only reply).
extern const char kCounterSource[];
// `solo`: one seat; every command is answered with `ok`; it keeps no state.
extern const char kSoloSource[];

// Writes DIR/counter/counter.js, DIR/solo/solo.js and DIR/pong/pong.js, the layout
// `ggs serve --games DIR` installs. Fails with code "io".
Status WriteBenchGames(const std::string& dir);

}  // namespace ggs::bench
