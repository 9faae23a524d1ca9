// Durability: facts, their window after a kill, and the model rebuilt from the database.
#include "props/durability.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "base/escape.h"

namespace ggs::props {
namespace {

std::string TableName(int i) { return "table#" + std::to_string(i); }
std::string PlayerName(int p) { return "player#" + std::to_string(p); }

Status Diverged(const std::string& message) {
  return Status::Error("diverged", "after the restart, the database " + message);
}

// The ids of `prefix<id>` keys of a namespace, with their values.
std::map<int, std::string> KeysById(const std::map<std::string, std::string>& ns,
                                    const std::string& prefix) {
  std::map<int, std::string> out;
  for (const auto& [key, value] : ns) {
    if (!key.starts_with(prefix)) continue;
    int id = 0;
    const char* first = key.data() + prefix.size();
    const char* last = key.data() + key.size();
    const auto [end, ec] = std::from_chars(first, last, id);
    if (ec == std::errc() && end == last) out[id] = value;
  }
  return out;
}

std::string ValueOr(const std::map<std::string, std::string>& ns, const std::string& key,
                    const std::string& absent) {
  const auto it = ns.find(key);
  return it == ns.end() ? absent : it->second;
}

// The game state a table's stored namespaces hold, by each game's storage layout
// (games/*/README.md).
GameState StateFrom(GameKind game, const StoredTable& stored) {
  GameState state;
  switch (game) {
    case GameKind::kChat:
      state.nicks = KeysById(stored.local, "nick:");
      break;
    case GameKind::kPong:
      state.sides = KeysById(stored.local, "side:");
      break;
    case GameKind::kTicTacToe:
      state.marks = KeysById(stored.local, "mark:");
      state.board = ValueOr(stored.world, "board", state.board);
      state.turn = ValueOr(stored.world, "turn", "");
      break;
    default:
      break;
  }
  return state;
}

// Makes table `i` of `m` what `stored` says. `players` maps a player token to its index.
Status ReconcileTable(Model& m, int i, const StoredTable& stored,
                      const std::map<std::string, int>& players) {
  TableModel& t = m.tables[i];
  const std::string name = TableName(i);
  if (t.name != stored.row.game_name)
    return Diverged("holds " + name + " as a table of game '" + stored.row.game_name + "'");
  // A named game's table is its game's even when its source was lost: the server takes
  // the registered one (Coordinator::Restore).
  const bool defined = !t.name.empty() || !stored.row.source.empty();
  if (defined && t.game == GameKind::kNone)
    return Diverged("holds a game for " + name + ", which the session never defined");
  if (!defined) {
    t.game = GameKind::kNone;
    t.seats = kAdHocSeats;
  }
  t.ended = false;
  t.next_id = stored.row.next_player_id;
  t.seated.clear();
  for (const PlayerRow& row : stored.players) {
    const auto it = players.find(row.token);
    if (it == players.end()) return Diverged("seats a player the session never made at " + name);
    PlayerModel& p = m.players[it->second];
    if (p.table != i || p.id != row.player_id) {
      return Diverged("seats " + PlayerName(it->second) + " at " + name + " with id " +
                      std::to_string(row.player_id));
    }
    p.gone = false;
    t.seated.push_back(it->second);
  }
  t.state = StateFrom(t.game, stored);
  t.ended = t.seated.empty();  // The server ends a table stored without players.
  return Status::Ok();
}

}  // namespace

Facts DurableFacts(const Model& m) {
  Facts facts;
  for (int i = 0; i < static_cast<int>(m.tables.size()); ++i) {
    const TableModel& t = m.tables[i];
    if (t.ended) continue;
    const std::string name = TableName(i);
    facts[name] = t.game == GameKind::kNone ? "undefined" : "defined";
    facts[name + " next_id"] = std::to_string(t.next_id);
    const GameState& s = t.state;
    if (t.game == GameKind::kChat) {
      for (const auto& [id, nick] : s.nicks) facts[name + " nick:" + std::to_string(id)] = nick;
    }
    if (t.game == GameKind::kTicTacToe) {
      for (const auto& [id, mark] : s.marks) facts[name + " mark:" + std::to_string(id)] = mark;
      if (!s.turn.empty()) {
        facts[name + " board"] = s.board;
        facts[name + " turn"] = s.turn;
      }
    }
  }
  for (int p = 0; p < static_cast<int>(m.players.size()); ++p) {
    const PlayerModel& player = m.players[p];
    if (player.gone) continue;
    facts[PlayerName(p)] = TableName(player.table) + " id " + std::to_string(player.id);
  }
  return facts;
}

Result<Model> Reconcile(const Model& before, const std::vector<StoredTable>& stored,
                        const SessionTokens& tokens) {
  Model m = before;
  // Every connection is gone; so is every player, until the database says otherwise.
  for (ClientModel& c : m.clients) {
    if (c.player >= 0) {
      m.players[c.player].client = -1;
      m.players[c.player].dropped = m.drops++;
    }
    c = ClientModel();
  }
  for (PlayerModel& p : m.players) p.gone = true;
  std::map<std::string, int> players, tables;
  for (int p = 0; p < static_cast<int>(tokens.players.size()); ++p) {
    if (!tokens.players[p].empty()) players[tokens.players[p]] = p;
  }
  for (int i = 0; i < static_cast<int>(tokens.tables.size()); ++i) {
    if (!tokens.tables[i].empty()) tables[tokens.tables[i]] = i;
  }
  std::set<int> found;
  for (const StoredTable& table : stored) {
    const auto it = tables.find(table.row.token);
    if (it == tables.end() || it->second >= static_cast<int>(m.tables.size()))
      return Diverged("holds a table the session never made");
    if (Status s = ReconcileTable(m, it->second, table, players); !s.ok()) return s;
    found.insert(it->second);
  }
  for (int i = 0; i < static_cast<int>(m.tables.size()); ++i) {
    if (found.contains(i)) continue;
    m.tables[i].ended = true;
    m.tables[i].seated.clear();
  }
  for (PlayerModel& p : m.players) {
    if (p.gone) p.dropped = -1;
    if (!p.gone && p.dropped < 0) p.dropped = m.drops++;  // Back from a lost `bye`.
  }
  // The tables come back as after any restart (their restored() hooks run).
  for (TableModel& t : m.tables) {
    if (t.ended || t.game == GameKind::kNone) continue;
    std::vector<int> ids;
    for (const int p : t.seated) ids.push_back(m.players[p].id);
    Restored(t.game, t.state, ids);
  }
  return m;
}

Status CheckDurable(const std::vector<FactsRecord>& records, double certain_before_ms,
                    const Facts& observed) {
  size_t certain = 0;
  for (size_t k = 1; k < records.size(); ++k) {
    if (records[k].at_ms <= certain_before_ms) certain = k;
  }
  std::set<std::string> names;
  for (size_t k = certain; k < records.size(); ++k) {
    for (const auto& entry : records[k].facts) names.insert(entry.first);
  }
  for (const auto& entry : observed) names.insert(entry.first);
  constexpr char kAbsent[] = "(absent)";
  for (const std::string& name : names) {
    const std::string got = ValueOr(observed, name, kAbsent);
    std::vector<std::string> allowed;
    for (size_t k = certain; k < records.size(); ++k) {
      const std::string value = ValueOr(records[k].facts, name, kAbsent);
      if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
        allowed.push_back(value);
    }
    if (std::find(allowed.begin(), allowed.end(), got) != allowed.end()) continue;
    std::string list;
    for (const std::string& value : allowed) {
      list += (list.empty() ? "'" : ", '") + ReadableBytes(value) + "'";
    }
    return Status::Error("diverged", "after the restart, " + name + " is '" + ReadableBytes(got) +
                                         "', but the acknowledged steps since the last " +
                                         "certainly durable one allow only " + list + " (" +
                                         std::to_string(records.size() - certain) +
                                         " records in the window)");
  }
  return Status::Ok();
}

}  // namespace ggs::props
