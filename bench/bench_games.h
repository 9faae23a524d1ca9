// The small games the benchmarks install next to the shipped ones: a counter that writes
// the world on every command (the durability scenario), a one-seat game that does
// nothing (the start-up scenario's 5,000 tables) and one whose every command never ends
// (the neighbour scenario's runaway table). Pong itself is embedded from games/.
#pragma once

#include <string>

#include "core/status.h"

namespace ggs::bench {

// `counter`: one seat; every command increments a world counter under one of 64 keys
// (GGS.world.setItem, which also broadcasts `world_set key=value`: the only reply).
extern const char kCounterSource[];
// `solo`: one seat; every command is answered with `ok`; it keeps no state.
extern const char kSoloSource[];

// `spin`: one seat; every command loops forever, so that with --workers the server kills
// its worker when the event budget runs out and answers script_timeout.
extern const char kSpinSource[];

// `heavy`: one seat; every command writes 2,000 keys of 390 bytes to localStorage (the most
// --max-writes-per-event allows by default; 780 KB) and answers `done`: the heaviest legal
// callback's work for the server, without a broadcast per write.
extern const char kHeavySource[];

// Writes DIR/counter/counter.js, DIR/solo/solo.js, DIR/spin/spin.js, DIR/heavy/heavy.js
// and DIR/pong/pong.js,
// the layout `ggs serve --games DIR` installs. Fails with code "io".
Status WriteBenchGames(const std::string& dir);

}  // namespace ggs::bench
