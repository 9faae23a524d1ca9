// Tests of Storage: the schema, the game registry, Apply() and LoadTables() on SQLite.
#include "core/storage.h"

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
#include "testing/temp_dir.h"

namespace ggs {
namespace {

// A scratch directory named for this file.
class ScratchDir : public TempDir {
 public:
  ScratchDir() : TempDir("ggs_storage_test") {}
};

TableRow Row(const std::string& token, const std::string& game = "pong") {
  return TableRow{token, game, 1, "source of " + token, "creator of " + token, 1};
}

StorageOp PutTable(const TableRow& row) {
  StorageOp op;
  op.kind = StorageOp::Kind::kPutTable;
  op.table = row;
  return op;
}

StorageOp DeleteTable(const std::string& token) {
  StorageOp op;
  op.kind = StorageOp::Kind::kDeleteTable;
  op.table.token = token;
  return op;
}

StorageOp PutPlayer(const std::string& token, const std::string& table, int id) {
  StorageOp op;
  op.kind = StorageOp::Kind::kPutPlayer;
  op.player = PlayerRow{token, table, id};
  return op;
}

StorageOp DeletePlayer(const std::string& token) {
  StorageOp op;
  op.kind = StorageOp::Kind::kDeletePlayer;
  op.player.token = token;
  return op;
}

StorageOp Kv(const std::string& table, Namespace ns, KvWrite::Op kind, const std::string& key = "",
             const std::string& value = "") {
  StorageOp op;
  op.kind = StorageOp::Kind::kKv;
  op.table.token = table;
  op.kv = KvWrite{ns, kind, key, value};
  return op;
}

StorageOp Set(const std::string& table, const std::string& key, const std::string& value,
              Namespace ns = Namespace::kWorld) {
  return Kv(table, ns, KvWrite::Op::kSet, key, value);
}

std::unique_ptr<Storage> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Storage>> storage = Storage::Open(path);
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

TEST(StorageTest, NewInMemoryDatabaseIsEmpty) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  Result<std::vector<StoredTable>> tables = storage->LoadTables();
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  EXPECT_TRUE(tables->empty());
  Result<std::vector<StoredGame>> games = storage->LatestGames();
  ASSERT_TRUE(games.ok()) << games.status().ToString();
  EXPECT_TRUE(games->empty());
}

TEST(StorageTest, OpenFailureIsAnInternalError) {
  Result<std::unique_ptr<Storage>> storage = Storage::Open("/nonexistent/dir/ggs.db");
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), "internal");
  EXPECT_NE(storage.status().message().find("/nonexistent/dir/ggs.db"), std::string::npos)
      << storage.status().message();
}

TEST(StorageTest, FileDatabaseUsesWalAndRecordsSchemaVersion) {
  ScratchDir dir;
  std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(SqlValue(dir.File("ggs.db"), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(SqlValue(dir.File("ggs.db"), "PRAGMA user_version"), "2");
  EXPECT_EQ(SqlValue(dir.File("ggs.db"), "SELECT count(*) FROM sqlite_schema WHERE type='table'"),
            "4");
}

TEST(StorageTest, RefusesDatabaseFromNewerServer) {
  ScratchDir dir;
  SqlValue(dir.File("ggs.db"), "PRAGMA user_version = 99");
  ASSERT_EQ(SqlValue(dir.File("ggs.db"), "PRAGMA user_version"), "99");
  Result<std::unique_ptr<Storage>> storage = Storage::Open(dir.File("ggs.db"));
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.status().code(), "internal");
  EXPECT_NE(storage.status().message().find("newer"), std::string::npos);
}

TEST(StorageTest, ReopenedFileKeepsEverything) {
  ScratchDir dir;
  std::string before;
  {
    std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
    ASSERT_NE(storage, nullptr);
    ASSERT_TRUE(storage->AddGameVersion("pong", "v1").ok());
    ASSERT_TRUE(storage
                    ->Apply({PutTable(Row("t1")), PutPlayer("p1", "t1", 1), Set("t1", "score", "3"),
                             Set("t1", "me", "x", Namespace::kLocal)})
                    .ok());
    before = DumpStorage(*storage);
  }
  std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(DumpStorage(*storage), before);
  EXPECT_EQ(before,
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 next=1\n"
            "  player p1 id=1 in t1\n  world score=3\n  local me=x\n");
  Result<std::vector<StoredGame>> games = storage->LatestGames();
  ASSERT_TRUE(games.ok());
  ASSERT_EQ(games->size(), 1u);
  EXPECT_EQ((*games)[0].source, "v1");
}

TEST(StorageTest, GameVersionsCountPerNameAndLatestIsNewest) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  const std::vector<std::pair<std::string, int>> adds = {{"pong", 1}, {"pong", 2}, {"chat", 1},
                                                         {"pong", 3}, {"chat", 2}, {"abc", 1}};
  for (const auto& [name, expected] : adds) {
    Result<int> version = storage->AddGameVersion(name, name + " v" + std::to_string(expected));
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    EXPECT_EQ(*version, expected) << name;
  }
  Result<std::vector<StoredGame>> games = storage->LatestGames();
  ASSERT_TRUE(games.ok());
  ASSERT_EQ(games->size(), 3u);
  EXPECT_EQ((*games)[0].name, "abc");
  EXPECT_EQ((*games)[0].version, 1);
  EXPECT_EQ((*games)[1].name, "chat");
  EXPECT_EQ((*games)[1].version, 2);
  EXPECT_EQ((*games)[1].source, "chat v2");
  EXPECT_EQ((*games)[2].name, "pong");
  EXPECT_EQ((*games)[2].version, 3);
  EXPECT_EQ((*games)[2].source, "pong v3");
}

TEST(StorageTest, PutTableUpsertsTheWholeRow) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage->Apply({PutTable(Row("t1"))}).ok());
  ASSERT_TRUE(storage->Apply({PutTable(TableRow{"t1", "", 0, "defined", "c2", 7, 5})}).ok());
  EXPECT_EQ(DumpStorage(*storage), "table t1 game=/0 source=defined creator=c2 next=7 seats=5\n");
}

// A database of schema version 1 (no seats column) opens, keeps its rows, and gains the
// column with seats unknown (0).
TEST(StorageTest, AVersionOneDatabaseIsMigrated) {
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
  ASSERT_TRUE(storage->Apply({PutTable(TableRow{"t1", "chat", 2, "src", "c", 3, 64})}).ok());
  EXPECT_EQ(DumpStorage(*storage), "table t1 game=chat/2 source=src creator=c next=3 seats=64\n");
}

TEST(StorageTest, PlayersComeOrderedByPlayerId) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage
                  ->Apply({PutTable(Row("t1")), PutPlayer("c", "t1", 3), PutPlayer("a", "t1", 1),
                           PutPlayer("b", "t1", 2), PutPlayer("d", "t1", 4), DeletePlayer("d"),
                           PutPlayer("a", "t1", 5)})
                  .ok());
  Result<std::vector<StoredTable>> tables = storage->LoadTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  std::vector<std::string> order;
  for (const PlayerRow& p : (*tables)[0].players) order.push_back(p.token);
  EXPECT_EQ(order, (std::vector<std::string>{"b", "c", "a"}));
}

TEST(StorageTest, KvSetRemoveAndClearTouchOneNamespace) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage
                  ->Apply({PutTable(Row("t1")), Set("t1", "a", "1"), Set("t1", "b", "2"),
                           Set("t1", "a", "3"), Set("t1", "a", "L", Namespace::kLocal),
                           Kv("t1", Namespace::kWorld, KvWrite::Op::kRemove, "b"),
                           Kv("t1", Namespace::kWorld, KvWrite::Op::kRemove, "missing")})
                  .ok());
  EXPECT_EQ(DumpStorage(*storage),
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 "
            "next=1\n  world a=3\n  local a=L\n");
  ASSERT_TRUE(storage->Apply({Kv("t1", Namespace::kWorld, KvWrite::Op::kClear)}).ok());
  EXPECT_EQ(DumpStorage(*storage),
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 "
            "next=1\n  local a=L\n");
}

TEST(StorageTest, DeleteTableRemovesItsPlayersAndKvOnly) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage
                  ->Apply({PutTable(Row("t1")), PutTable(Row("t2")), PutPlayer("p1", "t1", 1),
                           PutPlayer("p2", "t2", 1), Set("t1", "k", "1"), Set("t2", "k", "2"),
                           Set("t1", "l", "1", Namespace::kLocal)})
                  .ok());
  const std::string t2 =
      "table t2 game=pong/1 source=source of t2 creator=creator of t2 next=1\n"
      "  player p2 id=1 in t2\n  world k=2\n";
  ASSERT_TRUE(storage->Apply({DeleteTable("t1")}).ok());
  EXPECT_EQ(DumpStorage(*storage), t2);
  // Recreating t1 shows that its players and keys are gone, not merely hidden; it is now
  // the newest table, so it loads last.
  ASSERT_TRUE(storage->Apply({PutTable(Row("t1"))}).ok());
  EXPECT_EQ(DumpStorage(*storage),
            t2 + "table t1 game=pong/1 source=source of t1 creator=creator of t1 next=1\n");
}

TEST(StorageTest, BytesRoundTripExactly) {
  ScratchDir dir;
  const std::string nul("a\0b", 3);
  const std::string invalid_utf8 = "\xff\xfe\xc3(\x80";
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
  }();
  const std::string token(std::string("t\0", 2) + invalid_utf8);
  {
    std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
    ASSERT_NE(storage, nullptr);
    ASSERT_TRUE(storage
                    ->Apply({PutTable(TableRow{token, nul, 2, all_bytes, invalid_utf8, 3}),
                             PutPlayer(nul, token, 1), Set(token, nul, invalid_utf8),
                             Set(token, invalid_utf8, nul), Set(token, "", ""),
                             Set(token, "all", all_bytes, Namespace::kLocal)})
                    .ok());
    ASSERT_TRUE(storage->AddGameVersion(nul, all_bytes).ok());
  }
  std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
  ASSERT_NE(storage, nullptr);
  Result<std::vector<StoredTable>> tables = storage->LoadTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  const StoredTable& t = (*tables)[0];
  EXPECT_EQ(t.row.token, token);
  EXPECT_EQ(t.row.game_name, nul);
  EXPECT_EQ(t.row.source, all_bytes);
  EXPECT_EQ(t.row.creator_token, invalid_utf8);
  ASSERT_EQ(t.players.size(), 1u);
  EXPECT_EQ(t.players[0].token, nul);
  EXPECT_EQ(t.players[0].table_token, token);
  EXPECT_EQ(t.world, (std::map<std::string, std::string>{
                         {"", ""}, {nul, invalid_utf8}, {invalid_utf8, nul}}));
  EXPECT_EQ(t.local, (std::map<std::string, std::string>{{"all", all_bytes}}));
  Result<std::vector<StoredGame>> games = storage->LatestGames();
  ASSERT_TRUE(games.ok());
  ASSERT_EQ(games->size(), 1u);
  EXPECT_EQ((*games)[0].name, nul);
  EXPECT_EQ((*games)[0].source, all_bytes);
}

TEST(StorageTest, EmptyApplyIsOk) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  EXPECT_TRUE(storage->Apply({}).ok());
  EXPECT_EQ(DumpStorage(*storage), "");
}

// The schema refuses a namespace other than world and local, which gives a test a way to make
// an operation fail in the middle of a transaction.
TEST(StorageTest, FailedApplyRollsBackEverything) {
  std::unique_ptr<Storage> storage = OpenOrDie(":memory:");
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage->Apply({PutTable(Row("t1")), Set("t1", "k", "before")}).ok());
  const std::string before = DumpStorage(*storage);
  Status status =
      storage->Apply({Set("t1", "k", "after"), PutTable(Row("t2")),
                      Set("t1", "bad", "x", static_cast<Namespace>(7)), PutTable(Row("t3"))});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), "internal");
  EXPECT_NE(status.message().find("CHECK constraint failed"), std::string::npos)
      << status.message();
  EXPECT_EQ(DumpStorage(*storage), before);
  // The connection is not left inside the failed transaction.
  ASSERT_TRUE(storage->Apply({Set("t1", "k", "later")}).ok());
  EXPECT_NE(DumpStorage(*storage).find("world k=later"), std::string::npos);
}

TEST(StorageTest, LoadsFiveThousandTablesWithTenKeysEach) {
  ScratchDir dir;
  constexpr int kTables = 5000;
  constexpr int kKeys = 10;
  {
    std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
    ASSERT_NE(storage, nullptr);
    std::vector<StorageOp> ops;
    for (int t = 0; t < kTables; ++t) {
      const std::string token = "table" + std::to_string(t);
      ops.push_back(PutTable(Row(token)));
      ops.push_back(PutPlayer("player" + std::to_string(t), token, 1));
      for (int k = 0; k < kKeys; ++k) {
        ops.push_back(Set(token, "key" + std::to_string(k), std::to_string(t * kKeys + k),
                          k % 2 == 0 ? Namespace::kWorld : Namespace::kLocal));
      }
    }
    ASSERT_TRUE(storage->Apply(ops).ok());
  }
  std::unique_ptr<Storage> storage = OpenOrDie(dir.File("ggs.db"));
  ASSERT_NE(storage, nullptr);
  Result<std::vector<StoredTable>> tables = storage->LoadTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), static_cast<size_t>(kTables));
  std::set<std::string> seen;
  for (const StoredTable& table : *tables) {
    const int t = std::stoi(table.row.token.substr(5));
    seen.insert(table.row.token);
    ASSERT_EQ(table.players.size(), 1u);
    EXPECT_EQ(table.players[0].token, "player" + std::to_string(t));
    ASSERT_EQ(table.world.size() + table.local.size(), static_cast<size_t>(kKeys));
    for (int k = 0; k < kKeys; ++k) {
      const auto& items = k % 2 == 0 ? table.world : table.local;
      auto it = items.find("key" + std::to_string(k));
      ASSERT_NE(it, items.end());
      EXPECT_EQ(it->second, std::to_string(t * kKeys + k));
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kTables));
}

}  // namespace
}  // namespace ggs
