// SessionModel: the fuzzer's model of one session with a ggs server — which clients are
// connected, the players and tables they created, each table's game — and the prediction of
// what every client must receive after each step.
//
// The model is the protocol's promises written as a pure function (Predict) from the state
// before a step to the state after it and the packets each client must get, in order:
// hello replies, `defined`, the games' notices and messages, error codes, and which errors
// close the connection. It knows nothing of tokens; players and tables are indexes in the
// order the session created them. Which steps may follow a model is props/step_check.h.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/protocol.h"
#include "props/game_models.h"
#include "props/step.h"

namespace ggs::props {

inline constexpr int kAdHocSeats = 10000;  // An undefined table's seats (core's kMaxSeats).

// The registered games an upload step may send a new version of: the shipped source, as
// it is, so that a restart (which installs the games directory's source when it differs
// from the newest version) adds no version of its own. An upload needs a --max-payload of
// at least `max_source`, a bound on the shipped source's size that the fuzzer checks.
struct UploadableGame {
  const char* name;
  size_t max_source;
};
inline constexpr std::array<UploadableGame, 3> kUploadableGames = {
    {{"chat", 8 * 1024}, {"pong", 16 * 1024}, {"tictactoe", 8 * 1024}}};

struct ModelConfig {
  int clients = 4;       // Client slots.
  ParserLimits limits;   // The server's --max-header and --max-payload.
  bool restarts = true;  // Restart steps are possible (the fuzzer owns the server).
  bool uploads = false;  // Upload steps are possible (the fuzzer knows the admin token).
  // 0: the server's reconnect grace outlasts any session. Otherwise the grace in
  // milliseconds, which wait steps sleep past (grace mode; no restarts then).
  int grace_ms = 0;
  // Kill steps are possible (SIGKILL restarts; needs `restarts`).
  bool kills = false;

  bool operator==(const ModelConfig& o) const {
    return clients == o.clients && limits.max_header == o.limits.max_header &&
           limits.max_payload == o.limits.max_payload && restarts == o.restarts &&
           uploads == o.uploads && grace_ms == o.grace_ms && kills == o.kills;
  }
};

struct ClientModel {
  bool open = false;
  int player = -1;  // The player this connection speaks for.

  bool operator==(const ClientModel&) const = default;
};

struct PlayerModel {
  int table = -1;
  int id = 0;         // The player's id in its table's game.
  int client = -1;    // The client slot it is connected on, or -1 (within its grace period).
  bool gone = false;  // Left with `bye`, or its grace period ran out.
  int dropped = -1;   // While disconnected: when, as the order of disconnections.

  bool operator==(const PlayerModel&) const = default;
};

struct TableModel {
  GameKind game = GameKind::kNone;
  std::string name;  // The registered game for tables seated by `Game:`, else "".
  int creator = -1;  // The player who created an ad hoc table (and may define it).
  int seats = kAdHocSeats;
  int next_id = 1;
  std::vector<int> seated;  // Player indexes in seat order.
  bool ended = false;       // Its last player left.
  GameState state;

  bool operator==(const TableModel&) const = default;
};

struct Model {
  ModelConfig config;
  std::vector<ClientModel> clients;
  std::vector<PlayerModel> players;
  std::vector<TableModel> tables;
  std::map<std::string, int> uploads;  // Versions of each game this session uploaded.
  int drops = 0;                       // Disconnections of players so far.
};

// An `uploaded` reply. Versions are counted on the server's whole life, which the model
// does not see: the session's first upload of a game must name a version after the ones
// installed before (so at least 2), and each later one the next.
struct ExpectedUpload {
  std::string game;
  int nth = 0;  // This session's nth upload of `game`, from 1.
  bool live = false;
  int moved = 0;  // Running tables that moved (live only); none refuses the same source.
};

// One packet a client must receive.
struct Expected {
  std::string command;                 // Its Client-Command.
  std::optional<std::string> payload;  // The exact payload, when the model knows it.
  std::string error_code;              // For `error`.
  // For `hello`: the reply names player `player` and table `table`; a new one's token is
  // learned from the reply.
  int player = -1;
  int table = -1;
  bool new_player = false;
  bool new_table = false;
  bool defined = false;
  std::optional<ExpectedUpload> upload;  // For `uploaded`.
};

struct ClientExpectation {
  std::vector<Expected> packets;  // In order.
  bool closes = false;            // The server closes the connection after the packets.
  bool noise = false;             // Pong's clock packets may arrive in between.
};

struct Outcome {
  Model next;
  std::vector<ClientExpectation> clients;  // One per client slot.
};

Model InitialModel(const ModelConfig& config);

// What `step` does. REQUIRES: CheckStep(model, step).ok() (props/step_check.h).
Outcome Predict(const Model& model, const Step& step);

// True when client `client` is seated at a pong table that has not ended.
bool AtPong(const Model& model, int client);
// True when client `client` is seated at a pong table whose clock runs, so that `state`
// packets keep arriving.
bool ClockRuns(const Model& model, int client);

// A one-line description of an expected packet for transcripts.
std::string Show(const Expected& expected);

}  // namespace ggs::props
