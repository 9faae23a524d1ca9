// The end-to-end scenarios about `ggs serve --workers`, the VM worker processes and their
// supervision (docs/architecture.md, "The worker pool"): how long the tables of a worker
// killed with SIGKILL take to answer again, and what a table whose every command loops
// forever costs its neighbours. The third worker figure, the boundary's CPU per message,
// comes from the writes scenario run at several --workers (bench/scenarios.h, RunWrites).
// Each starts and stops its own server, like the scenarios of bench/scenarios.h.
//
// Thread: blocking; call from one thread.
#pragma once

#include "bench/bench_report.h"
#include "bench/scenario_context.h"
#include "core/status.h"

namespace ggs::bench {

// Starts `ggs serve --workers 1`, so that every table is on the one worker, seats a player
// at each of `tables` one-seat counter tables (one connection each) and has each table
// answer one command; then kills the worker with SIGKILL and, at once, every player sends
// a command. Times, per table, from the kill until its reply arrived. Fails with code "io"
// when the server does not start or no player could be seated, "no_worker" when the server
// does not have exactly one child process to kill.
Result<WorkerRecoveryFigures> RunWorkerRecovery(const ScenarioContext& c, size_t tables);

// Starts `ggs serve --workers 2 --restart-limit 1000` and seats `neighbours` players at
// one-seat counter tables, each sending 50 commands a second (TablePlayers::Paced: round
// trips timed from each command's schedule). Measures their round trips for c.duration_s
// with nothing else running (after c.warmup_s), then for c.duration_s while one more
// player, at a table of the `spin` game (every command loops forever), sends a command,
// gets script_timeout when the budget kill comes, and sends the next at once; then for
// c.duration_s beside a player of the `heavy` game (every command the heaviest legal
// callback) sending commands back to back. Fails with code "io" when the server does not
// start or no neighbour, runaway or heavy player could be seated.
Result<NeighbourFigures> RunNeighbour(const ScenarioContext& c, size_t neighbours);

}  // namespace ggs::bench
