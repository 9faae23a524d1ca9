// SqliteStorage: the Storage home in a SQLite database, the embedded single-node default
// (`ggs serve --db FILE`). The only file with sqlite3_*.
//
// The database runs in WAL mode with synchronous=NORMAL; every byte string is a BLOB, so
// any bytes come back exactly as they went in. Its schema carries a version (PRAGMA
// user_version): an older one is migrated, a newer one refused.
//
// Thread: one thread at a time. Not copyable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/storage.h"

struct sqlite3;

namespace ggs {

class SqliteStorage final : public Storage {
 public:
  // Opens (creating when missing) the database at `path`; ":memory:" gives an in-memory
  // database. Creates the schema, enables WAL (on files) and synchronous=NORMAL.
  static Result<std::unique_ptr<Storage>> Open(const std::string& path);
  ~SqliteStorage() override;

  Result<int> AddGameVersion(const std::string& name, const std::string& source) override;
  Result<std::vector<StoredGame>> LatestGames() override;
  // Three full scans in one read transaction, so they see one consistent snapshot.
  Result<std::vector<StoredTable>> LoadTables() override;
  Status Apply(const std::vector<StorageOp>& ops) override;

 private:
  explicit SqliteStorage(sqlite3* db);
  struct Statements;
  sqlite3* db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace ggs
