// Durability: what a server killed with SIGKILL may have kept of a session, and the model
// the session goes on with once it knows what was kept.
//
// The server writes table state behind (core/write_behind.h): a write acknowledged to a
// client reaches the database within the flush interval, so a SIGKILL loses the writes of
// at most the last interval or so. The fuzzer cannot know which of them reached the disk;
// it accepts any state between two bounds, key by key:
//
//   * every step whose replies the client saw more than the certainty window (the flush
//     interval plus a safety margin) before the kill is durable, and
//   * nothing is invented: every stored value is one the session's acknowledged steps
//     wrote.
//
// The model is reduced to Facts — one string per durable thing the session made (a table
// and whether its game is defined, a player's seat, a game's stored key) — recorded after
// every step. After a kill each fact read back from the database must have the value (or
// the absence) of the last certain record or of a later one. Then the model is rebuilt
// from the database (Reconcile), and the rest of the session checks that the restarted
// server behaves as that stored state says.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/storage.h"
#include "props/session_model.h"

namespace ggs::props {

// Durable fact name -> value; a missing name is an absent thing (a table that ended, a
// player who left, a key never written).
using Facts = std::map<std::string, std::string>;

// The facts of `model`: tables that have not ended (whether defined, their next player
// id), players who are seated (table and id), and the stored keys of chat (`nick:<id>`)
// and tictactoe (`mark:<id>`, `board`, `turn`). Pong's sides are left out: its restored()
// hook rewrites them lazily, when a player first touches the table after a restart.
Facts DurableFacts(const Model& model);

// The tokens the session learned, by model index.
struct SessionTokens {
  const std::vector<std::string>& players;
  const std::vector<std::string>& tables;
};

// The model after a restart that found `stored` in the database: `before` with every
// connection dropped, each table and player present exactly when stored, each table's next
// player id, definition and game state as stored. Fails (code "diverged") when the database
// holds what no model can: a table or player the session does not know, a player at
// another table or with another id, a definition the session never made.
Result<Model> Reconcile(const Model& before, const std::vector<StoredTable>& stored,
                        const SessionTokens& tokens);

// One record of the session's facts: after the step acknowledged at `at_ms` (a steady
// clock's milliseconds; the session's first record is certain whatever its time).
struct FactsRecord {
  double at_ms = 0;
  Facts facts;
};

// Ok when every fact of `observed` has the value (or absence) it has in the last record
// acknowledged at or before `certain_before_ms`, or in a later one. `records` is in order
// and not empty. Otherwise an error (code "diverged") naming the fact, the stored value and
// the values allowed.
Status CheckDurable(const std::vector<FactsRecord>& records, double certain_before_ms,
                    const Facts& observed);

}  // namespace ggs::props
