// Storage: the SQLite database behind ggs. The only file with sqlite3_*.
//
// It holds the registry of named games (every version), and every table: its game source
// and version, its players and their seats, and its `world` and `localStorage` namespaces.
// The database runs in WAL mode. Table state is written through WriteBehind
// (core/write_behind.h) in batched transactions; the game registry is written directly.
//
// Thread: one thread at a time. Not copyable.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/kv_namespace.h"
#include "core/status.h"

struct sqlite3;

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
  std::string source;     // Empty while the table awaits its `define`.
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
  PlayerRow player;  // kPutPlayer; for kDeletePlayer only player.token is used.
  KvWrite kv;        // kKv.
};

class Storage {
 public:
  // Opens (creating when missing) the database at `path`; ":memory:" gives an in-memory
  // database. Creates the schema, enables WAL (on files) and synchronous=NORMAL.
  static Result<std::unique_ptr<Storage>> Open(const std::string& path);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  // Adds a new version of game `name` and returns its number (1 for the first).
  Result<int> AddGameVersion(const std::string& name, const std::string& source);
  // The newest version of every registered game, ordered by name.
  Result<std::vector<StoredGame>> LatestGames();

  // Every stored table with its players and namespaces, oldest table first (in the order
  // the tables were first stored; rewriting a table's row keeps its place).
  Result<std::vector<StoredTable>> LoadTables();

  // Applies `ops` in order in one transaction; on failure nothing is applied.
  // kDeleteTable also deletes the table's players and namespaces.
  Status Apply(const std::vector<StorageOp>& ops);

 private:
  explicit Storage(sqlite3* db);
  struct Statements;
  sqlite3* db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace ggs
