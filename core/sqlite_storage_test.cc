// Tests of what only the SQLite home of Storage has: its file, schema version and migration,
// and its errors. core/storage_test.cc tests what both homes share.
#include "core/sqlite_storage.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "testing/storage_dump.h"
#include "testing/storage_ops.h"
#include "testing/temp_dir.h"

namespace ggs {
namespace {

// A scratch directory named for this file.
class ScratchDir : public TempDir {
 public:
  ScratchDir() : TempDir("ggs_storage_test") {}
};

std::unique_ptr<Storage> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Storage>> storage = SqliteStorage::Open(path);
  EXPECT_TRUE(storage.ok()) << storage.status().ToString();
  return storage.ok() ? std::move(*storage) : nullptr;
}

// Runs `sql` on a second, independent connection and returns the first column of its first
// row. Only tests look at the database behind Storage's back.
std::string SqlValue(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string value;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST(SqliteStorageTest, OpenFailureIsAnInternalError) {
  Result<std::unique_ptr<Storage>> storage = SqliteStorage::Open("/nonexistent/dir/ggs.db");
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), "internal");
  EXPECT_NE(storage.status().message().find("/nonexistent/dir/ggs.db"), std::string::npos)
      << storage.status().message();
}

TEST(SqliteStorageTest, FileDatabaseUsesWalAndRecordsSchemaVersion) {
  ScratchDir dir;
  std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(SqlValue(dir.File("ggs.db"), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(SqlValue(dir.File("ggs.db"), "PRAGMA user_version"), "2");
  EXPECT_EQ(SqlValue(dir.File("ggs.db"), "SELECT count(*) FROM sqlite_schema WHERE type='table'"),
            "4");
}

TEST(SqliteStorageTest, RefusesDatabaseFromNewerServer) {
  ScratchDir dir;
  SqlValue(dir.File("ggs.db"), "PRAGMA user_version = 99");
  ASSERT_EQ(SqlValue(dir.File("ggs.db"), "PRAGMA user_version"), "99");
  Result<std::unique_ptr<Storage>> storage = SqliteStorage::Open(dir.File("ggs.db"));
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), "internal");
  EXPECT_NE(storage.status().message().find("newer"), std::string::npos);
}

// A database of schema version 1 (no seats column) opens, keeps its rows, and gains the
// column with seats unknown (0).
TEST(SqliteStorageTest, AVersionOneDatabaseIsMigrated) {
  ScratchDir dir;
  const std::string path = dir.File("ggs.db");
  SqlValue(path.c_str(),
           "CREATE TABLE tables(token BLOB PRIMARY KEY NOT NULL, game_name BLOB NOT NULL,"
           " game_version INTEGER NOT NULL, source BLOB NOT NULL, creator_token BLOB NOT NULL,"
           " next_player_id INTEGER NOT NULL)");
  SqlValue(path.c_str(),
           "CREATE TABLE players(token BLOB PRIMARY KEY NOT NULL, table_token BLOB NOT NULL,"
           " player_id INTEGER NOT NULL)");
  SqlValue(path.c_str(),
           "CREATE TABLE games(name BLOB NOT NULL, version INTEGER NOT NULL, source BLOB NOT "
           "NULL, created INTEGER NOT NULL, PRIMARY KEY(name, version))");
  SqlValue(path.c_str(),
           "CREATE TABLE kv(table_token BLOB NOT NULL, ns INTEGER NOT NULL CHECK(ns IN (0, 1)),"
           " key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY(table_token, ns, key))"
           " WITHOUT ROWID");
  SqlValue(path.c_str(),
           "INSERT INTO tables VALUES(CAST('t1' AS BLOB), CAST('chat' AS BLOB), 2,"
           " CAST('src' AS BLOB), CAST('c' AS BLOB), 3)");
  SqlValue(path.c_str(), "PRAGMA user_version = 1");
  std::unique_ptr<Storage> storage = OpenOrDie(path);
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(SqlValue(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(DumpStorage(*storage), "table t1 game=chat/2 source=src creator=c next=3\n");
  ASSERT_TRUE(storage->Apply({PutTableOp(TableRow{"t1", "chat", 2, "src", "c", 3, 64})}).ok());
  EXPECT_EQ(DumpStorage(*storage), "table t1 game=chat/2 source=src creator=c next=3 seats=64\n");
}

}  // namespace
}  // namespace ggs
