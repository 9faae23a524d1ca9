// SqliteStorage: the SQLite database behind ggs, and the only file that calls sqlite3_*.
#include "core/sqlite_storage.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/protocol.h"

namespace ggs {
namespace {

// Bump with every schema change, and teach CreateSchema() to migrate the older version.
constexpr int kSchemaVersion = 2;
// A statement that meets another connection's lock waits this long before failing "busy".
constexpr int kBusyTimeoutMs = 5000;

// Every byte string (names, tokens, sources, keys, values) is stored as a BLOB, so any bytes,
// NUL and invalid UTF-8 included, come back exactly as they went in. The CHECK on kv.ns keeps
// a corrupt namespace out of the database, where LoadTables() could not place it.
constexpr char kSchemaSql[] = R"sql(
CREATE TABLE IF NOT EXISTS games(
  name BLOB NOT NULL, version INTEGER NOT NULL, source BLOB NOT NULL, created INTEGER NOT NULL,
  PRIMARY KEY(name, version));
CREATE TABLE IF NOT EXISTS tables(
  token BLOB PRIMARY KEY NOT NULL, game_name BLOB NOT NULL, game_version INTEGER NOT NULL,
  source BLOB NOT NULL, creator_token BLOB NOT NULL, next_player_id INTEGER NOT NULL,
  seats INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS players(
  token BLOB PRIMARY KEY NOT NULL, table_token BLOB NOT NULL, player_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS players_by_table ON players(table_token);
CREATE TABLE IF NOT EXISTS kv(
  table_token BLOB NOT NULL, ns INTEGER NOT NULL CHECK(ns IN (0, 1)), key BLOB NOT NULL,
  value BLOB NOT NULL, PRIMARY KEY(table_token, ns, key)) WITHOUT ROWID;
)sql";

Status SqliteError(sqlite3* db, std::string_view context) {
  return Status::Error(error::kInternal, std::string(context) + ": " + sqlite3_errmsg(db));
}

// Runs SQL that needs no parameters and returns no rows we want.
Status ExecSql(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return Status::Ok();
  Status status = Status::Error(error::kInternal, message != nullptr ? message : "sqlite error");
  sqlite3_free(message);
  return status;
}

// Returns the first column of the first row of `sql` as text ("" when there is no row).
Result<std::string> QueryValue(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return SqliteError(db, sql);
  int rc = sqlite3_step(stmt);
  std::string value;
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  Status status = rc == SQLITE_ROW || rc == SQLITE_DONE ? Status::Ok() : SqliteError(db, sql);
  sqlite3_finalize(stmt);
  if (!status.ok()) return status;
  return value;
}

bool IsFile(sqlite3* db) {
  const char* name = sqlite3_db_filename(db, "main");
  return name != nullptr && name[0] != '\0';
}

// WAL lets readers run beside the writer, and with synchronous=NORMAL a commit costs no fsync
// (only checkpoints do), which is what makes frequent write-behind flushes cheap.
Status Configure(sqlite3* db) {
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  Result<std::string> mode = QueryValue(db, "PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.status();
  if (IsFile(db) && *mode != "wal") {
    return Status::Error(error::kInternal, "cannot enable WAL; journal_mode is " + *mode);
  }
  return ExecSql(db, "PRAGMA synchronous=NORMAL");
}

// Creates the schema of a new database and refuses one written by a newer server.
Status CreateSchema(sqlite3* db) {
  Result<std::string> found = QueryValue(db, "PRAGMA user_version");
  if (!found.ok()) return found.status();
  const int version = std::atoi(found->c_str());
  if (version == kSchemaVersion) return Status::Ok();
  if (version > kSchemaVersion) {
    return Status::Error(error::kInternal, "database schema version " + *found +
                                               " is newer than this server's " +
                                               std::to_string(kSchemaVersion));
  }
  // Version 1 tables had no seats column: their seats are unknown (0) until a VM declares them.
  const char* migrate = version == 1 ? "ALTER TABLE tables ADD COLUMN seats INTEGER NOT NULL "
                                       "DEFAULT 0;"
                                     : kSchemaSql;
  return ExecSql(db, std::string("BEGIN IMMEDIATE;") + migrate +
                         "PRAGMA user_version = " + std::to_string(kSchemaVersion) + "; COMMIT;");
}

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One prepared statement, prepared when the database opens and reused by every call.
class Statement {
 public:
  explicit Statement(const char* sql) : sql_(sql) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Status Prepare(sqlite3* db) {
    // PERSISTENT tells SQLite the statement lives long, so it allocates it accordingly.
    int rc = sqlite3_prepare_v3(db, sql_, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : SqliteError(db, sql_);
  }
  sqlite3_stmt* get() const { return stmt_; }
  const char* sql() const { return sql_; }

 private:
  const char* sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

// One use of a Statement: binds parameters left to right, steps, reads columns, and resets the
// statement and its bindings when it goes out of scope, ready for the next use.
// Strings are bound without a copy, so REQUIRES: every bound string outlives the Query.
class Query {
 public:
  explicit Query(const Statement& statement) : stmt_(statement.get()) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Bound as a BLOB with an explicit length; data() is never null, so "" stays an empty BLOB.
  void Bind(const std::string& bytes) {
    Keep(sqlite3_bind_blob64(stmt_, next_++, bytes.data(), bytes.size(), nullptr));
  }
  void Bind(int64_t value) { Keep(sqlite3_bind_int64(stmt_, next_++, value)); }

  // Returns SQLITE_ROW, SQLITE_DONE, or the error code of a failed bind or step.
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }

  std::string Bytes(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    if (data == nullptr) return std::string();
    return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  int Int32(int column) const { return static_cast<int>(Int(column)); }

 private:
  // Remembers the first failed bind; Step() reports it instead of running half-bound.
  void Keep(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int next_ = 1;
  int bind_rc_ = SQLITE_OK;
};

TableRow ReadTableRow(const Query& row) {
  return TableRow{row.Bytes(0), row.Bytes(1), row.Int32(2), row.Bytes(3),
                  row.Bytes(4), row.Int32(5), row.Int32(6)};
}

PlayerRow ReadPlayerRow(const Query& row) {
  return PlayerRow{row.Bytes(0), row.Bytes(1), row.Int32(2)};
}

// The map a kv row of namespace `ns` belongs in, or nullptr for an unknown namespace.
std::map<std::string, std::string>* NamespaceItems(StoredTable& table, int64_t ns) {
  if (ns == static_cast<int64_t>(Namespace::kWorld)) return &table.world;
  if (ns == static_cast<int64_t>(Namespace::kLocal)) return &table.local;
  return nullptr;
}

void SortPlayers(std::vector<PlayerRow>& players) {
  // The token breaks ties so that the order never depends on how SQLite scanned the rows.
  std::sort(players.begin(), players.end(), [](const PlayerRow& a, const PlayerRow& b) {
    return std::tie(a.player_id, a.token) < std::tie(b.player_id, b.token);
  });
}

// Table token -> position in the vector LoadTables() returns.
using TablePositions = std::unordered_map<std::string, size_t>;

}  // namespace

// The prepared statements of one connection, and the SQL-level operations built from them.
struct SqliteStorage::Statements {
  explicit Statements(sqlite3* connection) : db(connection) {}

  Status PrepareAll();

  // Runs `statement` with `args` bound in order, ignoring any rows.
  template <typename... Args>
  Status Exec(const Statement& statement, const Args&... args);
  // Runs `statement` with `args` bound in order and calls `on_row(const Query&)` per row.
  template <typename OnRow, typename... Args>
  Status ForEachRow(const Statement& statement, OnRow&& on_row, const Args&... args);
  // Runs `body` between `begin` and COMMIT, rolling back when anything fails.
  template <typename Body>
  Status Transaction(const Statement& begin, Body&& body);

  Status ApplyOne(const StorageOp& op);
  Status ApplyKv(const std::string& table_token, const KvWrite& write);
  Status DeleteTable(const std::string& token);

  Status LoadTableRows(std::vector<StoredTable>& tables, TablePositions& positions);
  Status LoadPlayers(std::vector<StoredTable>& tables, const TablePositions& positions);
  Status LoadKv(std::vector<StoredTable>& tables, const TablePositions& positions);

  Status Fail(const Statement& statement) const {
    return Status::Error(error::kInternal,
                         std::string(sqlite3_errmsg(db)) + " (in: " + statement.sql() + ")");
  }

  sqlite3* db;
  Statement begin_read{"BEGIN"};
  Statement begin_write{"BEGIN IMMEDIATE"};
  Statement commit{"COMMIT"};
  Statement rollback{"ROLLBACK"};
  Statement max_version{"SELECT COALESCE(MAX(version), 0) FROM games WHERE name = ?1"};
  Statement insert_game{"INSERT INTO games(name, version, source, created) VALUES(?1, ?2, ?3, ?4)"};
  Statement latest_games{
      "SELECT name, version, source FROM games AS g"
      " WHERE version = (SELECT MAX(version) FROM games WHERE name = g.name) ORDER BY name"};
  // Creation order: an upsert keeps a row's rowid, and a new row gets one above every row
  // there is, so a restarted coordinator still knows which open table is the oldest.
  Statement select_tables{
      "SELECT token, game_name, game_version, source, creator_token, next_player_id, seats"
      " FROM tables ORDER BY rowid"};
  Statement select_players{"SELECT token, table_token, player_id FROM players"};
  Statement select_kv{"SELECT table_token, ns, key, value FROM kv"};
  Statement put_table{
      "INSERT INTO tables(token, game_name, game_version, source, creator_token, next_player_id,"
      " seats) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(token) DO UPDATE SET"
      " game_name = excluded.game_name, game_version = excluded.game_version,"
      " source = excluded.source, creator_token = excluded.creator_token,"
      " next_player_id = excluded.next_player_id, seats = excluded.seats"};
  Statement delete_table{"DELETE FROM tables WHERE token = ?1"};
  Statement delete_table_players{"DELETE FROM players WHERE table_token = ?1"};
  Statement delete_table_kv{"DELETE FROM kv WHERE table_token = ?1"};
  Statement put_player{
      "INSERT INTO players(token, table_token, player_id) VALUES(?1, ?2, ?3)"
      " ON CONFLICT(token) DO UPDATE SET"
      " table_token = excluded.table_token, player_id = excluded.player_id"};
  Statement delete_player{"DELETE FROM players WHERE token = ?1"};
  Statement kv_set{
      "INSERT INTO kv(table_token, ns, key, value) VALUES(?1, ?2, ?3, ?4)"
      " ON CONFLICT(table_token, ns, key) DO UPDATE SET value = excluded.value"};
  Statement kv_remove{"DELETE FROM kv WHERE table_token = ?1 AND ns = ?2 AND key = ?3"};
  Statement kv_clear{"DELETE FROM kv WHERE table_token = ?1 AND ns = ?2"};
};

Status SqliteStorage::Statements::PrepareAll() {
  for (Statement* statement :
       {&begin_read, &begin_write, &commit, &rollback, &max_version, &insert_game, &latest_games,
        &select_tables, &select_players, &select_kv, &put_table, &delete_table,
        &delete_table_players, &delete_table_kv, &put_player, &delete_player, &kv_set, &kv_remove,
        &kv_clear}) {
    Status status = statement->Prepare(db);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

template <typename... Args>
Status SqliteStorage::Statements::Exec(const Statement& statement, const Args&... args) {
  Query query(statement);
  (query.Bind(args), ...);
  const int rc = query.Step();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : Fail(statement);
}

template <typename OnRow, typename... Args>
Status SqliteStorage::Statements::ForEachRow(const Statement& statement, OnRow&& on_row,
                                             const Args&... args) {
  Query query(statement);
  (query.Bind(args), ...);
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) on_row(query);
  return rc == SQLITE_DONE ? Status::Ok() : Fail(statement);
}

template <typename Body>
Status SqliteStorage::Statements::Transaction(const Statement& begin, Body&& body) {
  Status status = Exec(begin);
  if (!status.ok()) return status;
  status = body();
  if (status.ok()) status = Exec(commit);
  // SQLite rolls back by itself after some errors, and a busy COMMIT leaves the transaction
  // open, so roll back only while one is still open. The first error is the one to report.
  if (!status.ok() && sqlite3_get_autocommit(db) == 0) static_cast<void>(Exec(rollback));
  return status;
}

Status SqliteStorage::Statements::ApplyOne(const StorageOp& op) {
  const TableRow& t = op.table;
  const PlayerRow& p = op.player;
  switch (op.kind) {
    case StorageOp::Kind::kPutTable:
      return Exec(put_table, t.token, t.game_name, int64_t{t.game_version}, t.source.str(),
                  t.creator_token, int64_t{t.next_player_id}, int64_t{t.seats});
    case StorageOp::Kind::kDeleteTable:
      return DeleteTable(t.token);
    case StorageOp::Kind::kPutPlayer:
      return Exec(put_player, p.token, p.table_token, int64_t{p.player_id});
    case StorageOp::Kind::kDeletePlayer:
      return Exec(delete_player, p.token);
    case StorageOp::Kind::kKv:
      return ApplyKv(t.token, op.kv);
  }
  return Status::Error(error::kInternal, "unknown storage operation");
}

Status SqliteStorage::Statements::ApplyKv(const std::string& table_token, const KvWrite& write) {
  const int64_t ns = static_cast<int64_t>(write.ns);
  switch (write.op) {
    case KvWrite::Op::kSet:
      return Exec(kv_set, table_token, ns, write.key, write.value);
    case KvWrite::Op::kRemove:
      return Exec(kv_remove, table_token, ns, write.key);
    case KvWrite::Op::kClear:
      return Exec(kv_clear, table_token, ns);
  }
  return Status::Error(error::kInternal, "unknown namespace operation");
}

Status SqliteStorage::Statements::DeleteTable(const std::string& token) {
  Status status = Exec(delete_table, token);
  if (status.ok()) status = Exec(delete_table_players, token);
  if (status.ok()) status = Exec(delete_table_kv, token);
  return status;
}

Status SqliteStorage::Statements::LoadTableRows(std::vector<StoredTable>& tables,
                                                TablePositions& positions) {
  return ForEachRow(select_tables, [&](const Query& row) {
    StoredTable& table = tables.emplace_back();
    table.row = ReadTableRow(row);
    positions.emplace(table.row.token, tables.size() - 1);
  });
}

// Players and kv rows of a table that no longer exists are left behind by writes that came
// after its deletion; they belong to no stored table, so loading skips them.
Status SqliteStorage::Statements::LoadPlayers(std::vector<StoredTable>& tables,
                                              const TablePositions& positions) {
  Status status = ForEachRow(select_players, [&](const Query& row) {
    PlayerRow player = ReadPlayerRow(row);
    auto it = positions.find(player.table_token);
    if (it != positions.end()) tables[it->second].players.push_back(std::move(player));
  });
  for (StoredTable& table : tables) SortPlayers(table.players);
  return status;
}

Status SqliteStorage::Statements::LoadKv(std::vector<StoredTable>& tables,
                                         const TablePositions& positions) {
  return ForEachRow(select_kv, [&](const Query& row) {
    auto it = positions.find(row.Bytes(0));
    if (it == positions.end()) return;
    std::map<std::string, std::string>* items = NamespaceItems(tables[it->second], row.Int(1));
    // The scan runs in primary-key order, so each key lands at the end of its map.
    if (items != nullptr) items->emplace_hint(items->end(), row.Bytes(2), row.Bytes(3));
  });
}

SqliteStorage::SqliteStorage(sqlite3* db) : db_(db) {}

SqliteStorage::~SqliteStorage() {
  // sqlite3_close() refuses to close a connection that still has prepared statements.
  statements_.reset();
  sqlite3_close(db_);
}

Result<std::unique_ptr<Storage>> SqliteStorage::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // The store owns the connection from here on, so every failure below closes it.
  std::unique_ptr<SqliteStorage> storage(new SqliteStorage(db));
  if (rc != SQLITE_OK) return SqliteError(db, "open " + path);
  Status status = Configure(db);
  if (status.ok()) status = CreateSchema(db);
  if (status.ok()) {
    storage->statements_ = std::make_unique<Statements>(db);
    status = storage->statements_->PrepareAll();
  }
  if (!status.ok()) return Status::Error(status.code(), "open " + path + ": " + status.message());
  return std::unique_ptr<Storage>(std::move(storage));
}

Result<int> SqliteStorage::AddGameVersion(const std::string& name, const std::string& source) {
  Statements& s = *statements_;
  int64_t version = 0;
  // The read and the insert share one write transaction, so two servers on one database
  // cannot both claim the same version.
  Status status = s.Transaction(s.begin_write, [&] {
    Status found = s.ForEachRow(
        s.max_version, [&](const Query& row) { version = row.Int(0) + 1; }, name);
    if (!found.ok()) return found;
    return s.Exec(s.insert_game, name, version, source, UnixSeconds());
  });
  if (!status.ok()) return status;
  return static_cast<int>(version);
}

Result<std::vector<StoredGame>> SqliteStorage::LatestGames() {
  std::vector<StoredGame> games;
  Status status = statements_->ForEachRow(statements_->latest_games, [&](const Query& row) {
    games.push_back(StoredGame{row.Bytes(0), row.Int32(1), row.Bytes(2)});
  });
  if (!status.ok()) return status;
  return games;
}

// Three full scans grouped in memory, instead of queries per table, in one read transaction
// so that the scans see one consistent snapshot.
Result<std::vector<StoredTable>> SqliteStorage::LoadTables() {
  Statements& s = *statements_;
  std::vector<StoredTable> tables;
  TablePositions positions;
  Status status = s.Transaction(s.begin_read, [&] {
    Status loaded = s.LoadTableRows(tables, positions);
    if (loaded.ok()) loaded = s.LoadPlayers(tables, positions);
    if (loaded.ok()) loaded = s.LoadKv(tables, positions);
    return loaded;
  });
  if (!status.ok()) return status;
  return tables;
}

Status SqliteStorage::Apply(const std::vector<StorageOp>& ops) {
  if (ops.empty()) return Status::Ok();
  Statements& s = *statements_;
  return s.Transaction(s.begin_write, [&] {
    for (const StorageOp& op : ops) {
      Status status = s.ApplyOne(op);
      if (!status.ok()) return status;
    }
    return Status::Ok();
  });
}

}  // namespace ggs
