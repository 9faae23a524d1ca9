// DumpTables: the text form of stored tables.
#include "testing/storage_dump.h"

#include "base/escape.h"

namespace ggs {

std::string DumpTables(const std::vector<StoredTable>& tables) {
  std::string out;
  for (const StoredTable& t : tables) {
    const TableRow& r = t.row;
    out += "table " + ReadableBytes(r.token) + " game=" + ReadableBytes(r.game_name) + "/" +
           std::to_string(r.game_version) + " source=" + ReadableBytes(r.source) +
           " creator=" + ReadableBytes(r.creator_token) +
           " next=" + std::to_string(r.next_player_id) +
           (r.seats != 0 ? " seats=" + std::to_string(r.seats) : "") + "\n";
    for (const PlayerRow& p : t.players) {
      out += "  player " + ReadableBytes(p.token) + " id=" + std::to_string(p.player_id) + " in " +
             ReadableBytes(p.table_token) + "\n";
    }
    for (const auto& [key, value] : t.world) {
      out += "  world " + ReadableBytes(key) + "=" + ReadableBytes(value) + "\n";
    }
    for (const auto& [key, value] : t.local) {
      out += "  local " + ReadableBytes(key) + "=" + ReadableBytes(value) + "\n";
    }
  }
  return out;
}

std::string DumpStorage(Storage& storage) {
  Result<std::vector<StoredTable>> tables = storage.LoadTables();
  return tables.ok() ? DumpTables(*tables) : "error: " + tables.status().ToString();
}

}  // namespace ggs
