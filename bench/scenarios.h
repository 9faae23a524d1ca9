// The end-to-end scenarios of `ggs bench`, each against a real server on 127.0.0.1 that it
// starts and stops itself: the echo ceiling, pong driven by the bot swarm, the counter
// game driven at saturation, and start-up and recovery of a database full of tables. The
// scenarios about the worker processes are in bench/worker_scenarios.h.
// Every load is bounded in connections and time and ends by itself.
//
// Thread: blocking; call from one thread.
#pragma once

#include <string>

#include "bench/bench_report.h"
#include "bench/scenario_context.h"
#include "core/status.h"

namespace ggs::bench {

// The echo ceiling at `connections` connections, with pong-state-sized messages.
Result<E2eRow> RunEchoCeiling(const ScenarioContext& c, size_t connections);
// The paced echo at `connections` connections (row echo_paced): the echo server with each
// connection sending kPacedEchoHz pong-state-sized messages a second, one write each, and
// getting each back: pong's 52 messages per bot-second (20 moves and a ping in, 30 states
// and a pong out) as 26 each way, with no protocol and no game. Its us/msg is what the
// kernel and one libuv thread cost per message of that traffic; its cli cpu what the
// sending side costs.
inline constexpr double kPacedEchoHz = 26;
Result<E2eRow> RunPacedEcho(const ScenarioContext& c, size_t connections);
// Pong with `bots` swarm bots (one connection each; ramp included, then the window), against
// `ggs serve --workers workers`. The row is "pong" or "pong_file_db".
Result<E2eRow> RunPong(const ScenarioContext& c, size_t bots, Db db,
                       int workers = DefaultWorkers());
// The counter game at saturation: `connections` players, each at its own one-seat table,
// each command a world write, against `ggs serve --workers workers`. The row is
// "writes_memory" or "writes_file_db", or `scenario` when that is not empty.
Result<E2eRow> RunWrites(const ScenarioContext& c, size_t connections, Db db,
                         int workers = DefaultWorkers(), const std::string& scenario = "");
// Creates `tables` one-seat tables, restarts the server on the same database, and times
// until every table's player has resumed.
Result<RecoveryFigures> RunRecovery(const ScenarioContext& c, size_t tables);

}  // namespace ggs::bench
