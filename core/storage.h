// Storage: the durable state behind ggs, as an interface with two homes — SqliteStorage
// (core/sqlite_storage.h, the embedded single-node default) and RedisStorage
// (core/redis_storage.h, `ggs serve --cluster redis://...`).
//
// A store holds the registry of named games (every version), and every table: its game
// source and version, its players and their seats, and its `world` and `localStorage`
// namespaces. Table state is written through WriteBehind (core/write_behind.h) in batched
// transactions; the game registry is written directly. Both homes return the same thing for
// the same calls (core/storage_test.cc runs one suite against each).
//
// Thread: one thread at a time. Not copyable.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/shared_text.h"
#include "core/kv_namespace.h"
#include "core/status.h"

namespace ggs {

struct StoredGame {
  std::string name;
  int version = 0;
  std::string source;
};

// One table's row: everything about a table except its players and namespaces.
struct TableRow {
  std::string token;
  std::string game_name;  // Empty for a table whose game was sent with `define`.
  int game_version = 0;   // 0 for a `define`d game.
  SharedText source;      // Empty while the table awaits its `define`; shared with the
                          // games registry's copy when it is a registered version.
  std::string creator_token;
  int next_player_id = 1;
  int seats = 0;  // As the game's VM declared them; 0 until it has.
};

struct PlayerRow {
  std::string token;
  std::string table_token;
  int player_id = 0;
};

struct StoredTable {
  TableRow row;
  std::vector<PlayerRow> players;  // Ordered by player_id.
  std::map<std::string, std::string> world;
  std::map<std::string, std::string> local;
};

// One change to table state. Applied in order within one transaction.
struct StorageOp {
  enum class Kind { kPutTable, kDeleteTable, kPutPlayer, kDeletePlayer, kKv };
  Kind kind = Kind::kKv;
  TableRow table;    // kPutTable; for kDeleteTable and kKv only table.token is used.
  PlayerRow player;  // kPutPlayer; for kDeletePlayer player.token, and player.table_token
                     // for the fencing of a cluster node (core/cluster_directory.h).
  KvWrite kv;        // kKv.

  // The table the operation writes for: the player's table for the player operations.
  const std::string& table_token() const {
    return kind == Kind::kPutPlayer || kind == Kind::kDeletePlayer ? player.table_token
                                                                   : table.token;
  }
};

class Storage {
 public:
  Storage() = default;
  virtual ~Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Adds a new version of game `name` and returns its number (1 for the first).
  virtual Result<int> AddGameVersion(const std::string& name, const std::string& source) = 0;
  // The newest version of every registered game, ordered by name (bytewise).
  virtual Result<std::vector<StoredGame>> LatestGames() = 0;

  // Every stored table with its players and namespaces, oldest table first (in the order
  // the tables were first stored; rewriting a table's row keeps its place; a table deleted
  // and stored again is the newest). Players and keys of a token that has no table row are
  // not loaded.
  virtual Result<std::vector<StoredTable>> LoadTables() = 0;

  // Applies `ops` in order in one transaction; on failure nothing is applied.
  // kDeleteTable also deletes the table's players and namespaces. A kKv op whose namespace
  // is neither world nor local fails the whole batch.
  virtual Status Apply(const std::vector<StorageOp>& ops) = 0;
};

}  // namespace ggs
