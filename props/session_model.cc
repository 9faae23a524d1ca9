// SessionModel: the prediction of every step, one small function per request.
#include "props/session_model.h"

#include <algorithm>
#include <array>

#include "base/escape.h"
#include "core/protocol.h"

namespace ggs::props {
namespace {

// The games a server started with --games games/ has registered under these names.
struct NamedGame {
  const char* name;
  GameKind kind;
  int seats;
};
constexpr std::array<NamedGame, 3> kNamedGames = {{{"chat", GameKind::kChat, 64},
                                                   {"pong", GameKind::kPong, 2},
                                                   {"tictactoe", GameKind::kTicTacToe, 2}}};

const NamedGame* FindNamedGame(const std::string& name) {
  for (const NamedGame& g : kNamedGames) {
    if (name == g.name) return &g;
  }
  return nullptr;
}

Expected Reply(std::string command, std::optional<std::string> payload) {
  Expected e;
  e.command = std::move(command);
  e.payload = std::move(payload);
  return e;
}

Expected Error(std::string code) {
  Expected e;
  e.command = "error";
  e.error_code = std::move(code);
  return e;
}

std::vector<int> SeatedIds(const Model& m, const TableModel& t) {
  std::vector<int> ids;
  for (const int p : t.seated) ids.push_back(m.players[p].id);
  return ids;
}

// Queues a game's sends for the seated players who are connected.
void Deliver(Outcome& o, const TableModel& t, const GameResult& result) {
  for (const GameSend& send : result.sends) {
    // Rejections are checked by command: their wording is the game's to change.
    std::optional<std::string> payload;
    if (send.command != "invalid") payload = send.args;
    for (const int p : t.seated) {
      const PlayerModel& player = o.next.players[p];
      if (player.client >= 0 && (send.to == 0 || send.to == player.id)) {
        o.clients[player.client].packets.push_back(Reply(send.command, payload));
      }
    }
  }
}

// The connection of client `c` is gone; its player keeps its seat.
void Drop(Model& m, int c) {
  const int p = m.clients[c].player;
  if (p >= 0) {
    m.players[p].client = -1;
    m.players[p].dropped = m.drops++;
  }
  m.clients[c] = ClientModel();
}

void Close(Outcome& o, int c) {
  o.clients[c].closes = true;
  Drop(o.next, c);
}

void ReplyHello(Outcome& o, int c, int p, bool new_player, bool new_table) {
  const PlayerModel& player = o.next.players[p];
  const TableModel& t = o.next.tables[player.table];
  Expected e = Reply("hello", std::nullopt);
  e.player = p;
  e.table = player.table;
  e.new_player = new_player;
  e.new_table = new_table;
  e.defined = !(t.game == GameKind::kNone && t.creator == p);
  o.clients[c].packets.push_back(e);
}

// Seats a new player for client `c` at table `ti`, replies, and runs the join hook.
void Seat(Outcome& o, int c, int ti, bool new_table) {
  Model& n = o.next;
  const int p = static_cast<int>(n.players.size());
  TableModel& t = n.tables[ti];
  if (new_table && t.name.empty()) t.creator = p;
  n.players.push_back({ti, t.next_id++, c, false, -1});
  t.seated.push_back(p);
  n.clients[c].player = p;
  ReplyHello(o, c, p, true, new_table);
  if (t.game == GameKind::kNone) return;
  const GameResult joined = Joined(t.game, t.state, SeatedIds(n, t), n.players[p].id);
  Deliver(o, t, joined);
}

int NewTable(Model& n, const NamedGame* game) {
  TableModel t;
  if (game) {
    t.game = game->kind;
    t.name = game->name;
    t.seats = game->seats;
  }
  n.tables.push_back(t);
  return static_cast<int>(n.tables.size()) - 1;
}

bool Full(const TableModel& t) { return t.seated.size() >= static_cast<size_t>(t.seats); }

// The oldest table of `game` with a free seat, or -1.
int OpenTableOf(const Model& m, const std::string& game) {
  for (size_t i = 0; i < m.tables.size(); ++i) {
    const TableModel& t = m.tables[i];
    if (!t.ended && t.name == game && !Full(t)) return static_cast<int>(i);
  }
  return -1;
}

void Resume(Outcome& o, int c, int p) {
  Model& n = o.next;
  if (n.players[p].gone) return o.clients[c].packets.push_back(Error(error::kNoSuchPlayer));
  if (const int old = n.players[p].client; old >= 0) {
    o.clients[old].packets.push_back(Error("resumed"));
    o.clients[old].closes = true;
    n.clients[old] = ClientModel();
  }
  n.players[p].client = c;
  n.players[p].dropped = -1;
  n.clients[c].player = p;
  ReplyHello(o, c, p, false, false);
  const TableModel& t = n.tables[n.players[p].table];
  if (t.game != GameKind::kNone)
    Deliver(o, t, Resumed(t.game, t.state, SeatedIds(n, t), n.players[p].id));
}

void JoinTable(Outcome& o, int c, int ti) {
  const TableModel& t = o.next.tables[ti];
  if (t.ended) return o.clients[c].packets.push_back(Error(error::kNoSuchTable));
  if (Full(t)) return o.clients[c].packets.push_back(Error(error::kTableFull));
  Seat(o, c, ti, false);
}

void JoinGame(Outcome& o, int c, const std::string& name) {
  const NamedGame* game = FindNamedGame(name);
  if (!game) return o.clients[c].packets.push_back(Error(error::kNoSuchGame));
  const int open = OpenTableOf(o.next, name);
  if (open >= 0) return Seat(o, c, open, false);
  Seat(o, c, NewTable(o.next, game), true);
}

void PredictHello(Outcome& o, const Step& s) {
  const int c = s.client;
  auto& out = o.clients[c].packets;
  if (const int own = o.next.clients[c].player; own >= 0) {
    const bool other_token =
        (s.mode == HelloMode::kResume && s.target != own) || s.mode == HelloMode::kUnknownToken;
    return out.push_back(Error(other_token ? error::kBadRequest : error::kAlreadyHello));
  }
  switch (s.mode) {
    case HelloMode::kNew:
      return Seat(o, c, NewTable(o.next, nullptr), true);
    case HelloMode::kJoin:
      return JoinTable(o, c, s.target);
    case HelloMode::kGame:
      return JoinGame(o, c, s.game);
    case HelloMode::kResume:
      return Resume(o, c, s.target);
    case HelloMode::kUnknownTable:
      return out.push_back(Error(error::kNoSuchTable));
    case HelloMode::kUnknownToken:
      return out.push_back(Error(error::kNoSuchPlayer));
    case HelloMode::kGameAndTable:
      return out.push_back(Error(error::kBadRequest));
  }
}

GameKind ScriptGame(Script script) {
  if (script == Script::kChat) return GameKind::kChat;
  if (script == Script::kEcho) return GameKind::kEcho;
  if (script == Script::kHostile) return GameKind::kHostile;
  return GameKind::kNone;
}

void PredictDefine(Outcome& o, const Step& s) {
  Model& n = o.next;
  auto& out = o.clients[s.client].packets;
  const int own = n.clients[s.client].player;
  if (own < 0) return out.push_back(Error(error::kNoHello));
  TableModel& t = n.tables[n.players[own].table];
  if (t.game != GameKind::kNone) return out.push_back(Error(error::kAlreadyDefined));
  if (t.creator != own) return out.push_back(Error(error::kNotCreator));
  const GameKind game = ScriptGame(s.script);
  if (game == GameKind::kNone) return out.push_back(Error(error::kDefineFailed));
  t.game = game;
  t.seats = s.seats;
  for (const int p : t.seated) {
    if (n.players[p].client >= 0)
      o.clients[n.players[p].client].packets.push_back(Reply("defined", ""));
  }
  const std::vector<int> ids = SeatedIds(n, t);
  for (const int id : ids) Deliver(o, t, Joined(t.game, t.state, ids, id));
}

// False when the packet's Token names another player than the client's own.
bool TokenMatches(const Step& s, int own) {
  switch (s.token) {
    case TokenHeader::kNone:
    case TokenHeader::kOwn:
      return true;
    case TokenHeader::kPlayer:
      return s.target == own;
    case TokenHeader::kUnknown:
      return false;
  }
  return true;
}

void PredictGame(Outcome& o, const Step& s) {
  Model& n = o.next;
  auto& out = o.clients[s.client].packets;
  const int own = n.clients[s.client].player;
  if (own >= 0 && !TokenMatches(s, own)) return out.push_back(Error(error::kBadRequest));
  // Game strings end at NUL, so the server refuses such an argument outright.
  if (s.text.find('\0') != std::string::npos) return out.push_back(Error(error::kBadRequest));
  if (own < 0) return out.push_back(Error(error::kNoHello));
  TableModel& t = n.tables[n.players[own].table];
  if (t.game == GameKind::kNone) return out.push_back(Error(error::kNotDefined));
  const GameResult result =
      Command(t.game, t.state, SeatedIds(n, t), n.players[own].id, s.command, Payload(s));
  if (result.script_error) return out.push_back(Error(error::kScriptError));
  Deliver(o, t, result);
}

// Player `p` leaves its table for good: the game's `playerLeft` runs, and a table whose
// last player left ends.
void Leave(Outcome& o, int p) {
  Model& n = o.next;
  PlayerModel& player = n.players[p];
  TableModel& t = n.tables[player.table];
  std::erase(t.seated, p);
  player.gone = true;
  player.dropped = -1;
  if (player.client >= 0) n.clients[player.client].player = -1;
  player.client = -1;
  if (t.game != GameKind::kNone) Deliver(o, t, Left(t.game, t.state, SeatedIds(n, t), player.id));
  t.ended = t.seated.empty();
}

void PredictBye(Outcome& o, const Step& s) {
  if (const int own = o.next.clients[s.client].player; own >= 0) Leave(o, own);
  o.clients[s.client].packets.push_back(Reply("bye", ""));
  Close(o, s.client);
}

// Past the grace period every disconnected player is gone, in the order their grace
// periods started (the order of their disconnections).
void PredictWait(Outcome& o) {
  std::vector<int> expired;
  for (int p = 0; p < static_cast<int>(o.next.players.size()); ++p) {
    const PlayerModel& player = o.next.players[p];
    if (!player.gone && player.client < 0) expired.push_back(p);
  }
  std::sort(expired.begin(), expired.end(),
            [&](int a, int b) { return o.next.players[a].dropped < o.next.players[b].dropped; });
  for (const int p : expired) Leave(o, p);
}

const char* CorruptionCode(Corruption c) {
  if (c == Corruption::kOversizeLength) return error::kPayloadTooLarge;
  if (c == Corruption::kOversizeHeader) return error::kHeaderTooLarge;
  return error::kMalformed;
}

void PredictCorrupt(Outcome& o, const Step& s) {
  // A payload that never ends is not an error: the server waits, and the client hangs up.
  if (s.corruption == Corruption::kTruncatedPayload) return Drop(o.next, s.client);
  auto& out = o.clients[s.client].packets;
  if (s.corruption == Corruption::kShortLength) out.push_back(Reply("pong", s.text));
  out.push_back(Error(CorruptionCode(s.corruption)));
  Close(o, s.client);
}

void PredictOdd(Outcome& o, const Step& s) {
  auto& out = o.clients[s.client].packets;
  switch (s.oddity) {
    case Oddity::kUnknownCommand:
      return out.push_back(Error(error::kUnknownCommand));
    case Oddity::kBothCommands:
    case Oddity::kNoCommand:
      return out.push_back(Error(error::kBadRequest));
    case Oddity::kUpload:
      return out.push_back(Error(s.number == 0 ? error::kBadRequest : error::kUnauthorized));
  }
}

// A new version of a registered game; with `live`, every running table of the game moves
// to it the way a table comes back after a restart (its `restored` hook runs), except that
// its players stay connected and get what the hook sends.
void PredictUpload(Outcome& o, const Step& s) {
  Model& n = o.next;
  ExpectedUpload upload{s.game, ++n.uploads[s.game], s.live, 0};
  if (s.live) {
    for (TableModel& t : n.tables) {
      if (t.ended || t.name != s.game) continue;
      ++upload.moved;
      Deliver(o, t, Restored(t.game, t.state, SeatedIds(n, t)));
    }
  }
  Expected e = Reply("uploaded", std::nullopt);
  e.upload = upload;
  o.clients[s.client].packets.push_back(e);
}

// A clean restart drops every connection; every table comes back with its players, who
// wait for their clients to resume.
void PredictRestart(Outcome& o) {
  Model& n = o.next;
  for (int c = 0; c < static_cast<int>(n.clients.size()); ++c) Drop(n, c);
  for (TableModel& t : n.tables) {
    // What the hook sends is lost: nobody is connected yet.
    if (!t.ended) Restored(t.game, t.state, SeatedIds(n, t));
  }
}

}  // namespace

Model InitialModel(const ModelConfig& config) {
  Model m;
  m.config = config;
  m.clients.resize(static_cast<size_t>(std::max(1, config.clients)));
  return m;
}

Outcome Predict(const Model& m, const Step& s) {
  Outcome o{m, std::vector<ClientExpectation>(m.clients.size())};
  switch (s.op) {
    case Op::kConnect:
      o.next.clients[s.client].open = true;
      break;
    case Op::kDisconnect:
      Drop(o.next, s.client);
      break;
    case Op::kHello:
      PredictHello(o, s);
      break;
    case Op::kDefine:
      PredictDefine(o, s);
      break;
    case Op::kGame:
      PredictGame(o, s);
      break;
    case Op::kPing:
      o.clients[s.client].packets.push_back(Reply("pong", Payload(s)));
      break;
    case Op::kBye:
      PredictBye(o, s);
      break;
    case Op::kCorrupt:
      PredictCorrupt(o, s);
      break;
    case Op::kOdd:
      PredictOdd(o, s);
      break;
    case Op::kRestart:
    case Op::kKill:  // At best everything acknowledged was kept; the runner reads what was.
      PredictRestart(o);
      break;
    case Op::kUpload:
      PredictUpload(o, s);
      break;
    case Op::kWait:
      PredictWait(o);
      break;
  }
  for (int c = 0; c < static_cast<int>(m.clients.size()); ++c) {
    o.clients[c].noise = AtPong(m, c) || AtPong(o.next, c);
  }
  return o;
}

bool AtPong(const Model& m, int client) {
  const int p = m.clients[client].player;
  if (p < 0) return false;
  const TableModel& t = m.tables[m.players[p].table];
  return !t.ended && t.game == GameKind::kPong;
}

bool ClockRuns(const Model& m, int client) {
  if (!AtPong(m, client)) return false;
  return m.tables[m.players[m.clients[client].player].table].state.clock;
}

std::string Show(const Expected& e) {
  if (e.command == "error") return "error " + e.error_code;
  if (e.upload) {
    const ExpectedUpload& u = *e.upload;
    std::string out = "uploaded " + u.game + ",<version#" + std::to_string(u.nth) + ">";
    if (u.live) out += "," + std::to_string(u.moved) + ",0";
    return out;
  }
  if (e.command == "hello") {
    return "hello " + std::string(e.new_player ? "<new " : "<") + "player#" +
           std::to_string(e.player) + ">," + (e.defined ? "true" : "false") + "," +
           (e.new_table ? "<new " : "<") + "table#" + std::to_string(e.table) + ">";
  }
  return e.command + (e.payload ? " \"" + ReadableBytes(*e.payload) + "\"" : " (any payload)");
}

}  // namespace ggs::props
