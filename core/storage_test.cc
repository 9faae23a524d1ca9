// Tests of the Storage interface, written once and run against both homes: SqliteStorage on a
// file, and RedisStorage on a real redis-server child (testing/redis_process.h). Each home
// must return exactly what the other returns for the same calls. The tests of what only one
// home has are in core/sqlite_storage_test.cc and core/redis_storage_test.cc.
#include "core/storage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/redis_storage.h"
#include "core/sqlite_storage.h"
#include "testing/redis_process.h"
#include "testing/storage_dump.h"
#include "testing/storage_ops.h"
#include "testing/temp_dir.h"

namespace ggs {
namespace {

enum class Home { kSqlite, kRedis };

std::string HomeName(const ::testing::TestParamInfo<Home>& info) {
  return info.param == Home::kSqlite ? "Sqlite" : "Redis";
}

void PrintTo(Home home, std::ostream* os) { *os << (home == Home::kSqlite ? "SQLite" : "Redis"); }

// The redis-server of this test process, started by the first test that needs it. A missing
// redis-server fails the test (with what to install), never skips it.
Result<RedisProcess*> SharedRedis() {
  // Destroyed, and so stopped, when the test process exits.
  static Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
  if (!redis.ok()) return redis.status();
  return redis.value().get();
}

// A store of one home, empty at the start of each test, that can be opened again (a new
// connection to the same database or the same keys).
class Store {
 public:
  explicit Store(Home home) : home_(home), dir_("ggs_storage_test") {
    static int counter = 0;
    prefix_ = "test" + std::to_string(getpid()) + "-" + std::to_string(++counter) + ":";
  }

  Result<std::unique_ptr<Storage>> Open() {
    if (home_ == Home::kSqlite) return SqliteStorage::Open(dir_.File("ggs.db"));
    Result<RedisProcess*> redis = SharedRedis();
    if (!redis.ok()) return redis.status();
    return RedisStorage::Open((*redis)->url(), prefix_);
  }

 private:
  Home home_;
  TempDir dir_;
  std::string prefix_;
};

class StorageTest : public ::testing::TestWithParam<Home> {
 protected:
  void SetUp() override {
    storage_ = OpenOrFail();
    ASSERT_NE(storage_, nullptr);
  }

  std::unique_ptr<Storage> OpenOrFail() {
    Result<std::unique_ptr<Storage>> storage = store_.Open();
    EXPECT_TRUE(storage.ok()) << storage.status().ToString();
    return storage.ok() ? std::move(*storage) : nullptr;
  }

  Store store_{GetParam()};
  std::unique_ptr<Storage> storage_;
};

INSTANTIATE_TEST_SUITE_P(Homes, StorageTest, ::testing::Values(Home::kSqlite, Home::kRedis),
                         HomeName);

TEST_P(StorageTest, NewStoreIsEmpty) {
  Result<std::vector<StoredTable>> tables = storage_->LoadTables();
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  EXPECT_TRUE(tables->empty());
  Result<std::vector<StoredGame>> games = storage_->LatestGames();
  ASSERT_TRUE(games.ok()) << games.status().ToString();
  EXPECT_TRUE(games->empty());
}

TEST_P(StorageTest, ReopenedStoreKeepsEverything) {
  ASSERT_TRUE(storage_->AddGameVersion("pong", "v1").ok());
  ASSERT_TRUE(storage_
                  ->Apply({PutTableOp(TestTableRow("t1")), PutPlayerOp("p1", "t1", 1),
                           SetOp("t1", "score", "3"), SetOp("t1", "me", "x", Namespace::kLocal)})
                  .ok());
  const std::string before = DumpStorage(*storage_);
  storage_.reset();
  std::unique_ptr<Storage> storage = OpenOrFail();
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

TEST_P(StorageTest, GameVersionsCountPerNameAndLatestIsNewest) {
  const std::vector<std::pair<std::string, int>> adds = {{"pong", 1}, {"pong", 2}, {"chat", 1},
                                                         {"pong", 3}, {"chat", 2}, {"abc", 1}};
  for (const auto& [name, expected] : adds) {
    Result<int> version = storage_->AddGameVersion(name, name + " v" + std::to_string(expected));
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    EXPECT_EQ(*version, expected) << name;
  }
  Result<std::vector<StoredGame>> games = storage_->LatestGames();
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

TEST_P(StorageTest, PutTableUpsertsTheWholeRow) {
  ASSERT_TRUE(storage_->Apply({PutTableOp(TestTableRow("t1"))}).ok());
  ASSERT_TRUE(storage_->Apply({PutTableOp(TableRow{"t1", "", 0, "defined", "c2", 7, 5})}).ok());
  EXPECT_EQ(DumpStorage(*storage_), "table t1 game=/0 source=defined creator=c2 next=7 seats=5\n");
}

TEST_P(StorageTest, TablesLoadInCreationOrderAndARewriteKeepsItsPlace) {
  ASSERT_TRUE(storage_
                  ->Apply({PutTableOp(TestTableRow("b")), PutTableOp(TestTableRow("c")),
                           PutTableOp(TestTableRow("a"))})
                  .ok());
  ASSERT_TRUE(storage_->Apply({PutTableOp(TableRow{"b", "chat", 2, "s", "c", 4, 2})}).ok());
  Result<std::vector<StoredTable>> tables = storage_->LoadTables();
  ASSERT_TRUE(tables.ok());
  std::vector<std::string> order;
  for (const StoredTable& t : *tables) order.push_back(t.row.token);
  EXPECT_EQ(order, (std::vector<std::string>{"b", "c", "a"}));
}

TEST_P(StorageTest, PlayersComeOrderedByPlayerId) {
  ASSERT_TRUE(
      storage_
          ->Apply({PutTableOp(TestTableRow("t1")), PutPlayerOp("c", "t1", 3),
                   PutPlayerOp("a", "t1", 1), PutPlayerOp("b", "t1", 2), PutPlayerOp("d", "t1", 4),
                   DeletePlayerOp("d"), PutPlayerOp("a", "t1", 5)})
          .ok());
  Result<std::vector<StoredTable>> tables = storage_->LoadTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  std::vector<std::string> order;
  for (const PlayerRow& p : (*tables)[0].players) order.push_back(p.token);
  EXPECT_EQ(order, (std::vector<std::string>{"b", "c", "a"}));
}

// A player token names one seat: stored again for another table, it leaves the first.
TEST_P(StorageTest, APlayerStoredForAnotherTableLeavesTheFirst) {
  ASSERT_TRUE(storage_
                  ->Apply({PutTableOp(TestTableRow("t1")), PutTableOp(TestTableRow("t2")),
                           PutPlayerOp("p", "t1", 1), PutPlayerOp("p", "t2", 3)})
                  .ok());
  const std::string t2 = "table t2 game=pong/1 source=source of t2 creator=creator of t2 next=1\n";
  EXPECT_EQ(DumpStorage(*storage_),
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 next=1\n" + t2 +
                "  player p id=3 in t2\n");
  ASSERT_TRUE(storage_->Apply({DeleteTableOp("t1")}).ok());
  EXPECT_EQ(DumpStorage(*storage_), t2 + "  player p id=3 in t2\n");
  ASSERT_TRUE(storage_->Apply({DeleteTableOp("t2"), PutTableOp(TestTableRow("t2"))}).ok());
  EXPECT_EQ(DumpStorage(*storage_), t2);
}

TEST_P(StorageTest, KvSetRemoveAndClearTouchOneNamespace) {
  ASSERT_TRUE(
      storage_
          ->Apply({PutTableOp(TestTableRow("t1")), SetOp("t1", "a", "1"), SetOp("t1", "b", "2"),
                   SetOp("t1", "a", "3"), SetOp("t1", "a", "L", Namespace::kLocal),
                   KvOp("t1", Namespace::kWorld, KvWrite::Op::kRemove, "b"),
                   KvOp("t1", Namespace::kWorld, KvWrite::Op::kRemove, "missing")})
          .ok());
  EXPECT_EQ(DumpStorage(*storage_),
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 "
            "next=1\n  world a=3\n  local a=L\n");
  ASSERT_TRUE(storage_->Apply({KvOp("t1", Namespace::kWorld, KvWrite::Op::kClear)}).ok());
  EXPECT_EQ(DumpStorage(*storage_),
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 "
            "next=1\n  local a=L\n");
}

TEST_P(StorageTest, DeleteTableRemovesItsPlayersAndKvOnly) {
  ASSERT_TRUE(
      storage_
          ->Apply({PutTableOp(TestTableRow("t1")), PutTableOp(TestTableRow("t2")),
                   PutPlayerOp("p1", "t1", 1), PutPlayerOp("p2", "t2", 1), SetOp("t1", "k", "1"),
                   SetOp("t2", "k", "2"), SetOp("t1", "l", "1", Namespace::kLocal)})
          .ok());
  const std::string t2 =
      "table t2 game=pong/1 source=source of t2 creator=creator of t2 next=1\n"
      "  player p2 id=1 in t2\n  world k=2\n";
  ASSERT_TRUE(storage_->Apply({DeleteTableOp("t1")}).ok());
  EXPECT_EQ(DumpStorage(*storage_), t2);
  // Recreating t1 shows that its players and keys are gone, not merely hidden; it is now
  // the newest table, so it loads last.
  ASSERT_TRUE(storage_->Apply({PutTableOp(TestTableRow("t1"))}).ok());
  EXPECT_EQ(DumpStorage(*storage_),
            t2 + "table t1 game=pong/1 source=source of t1 creator=creator of t1 next=1\n");
}

// Writes for a token without a table row are kept but not loaded, until a table of that
// token is stored.
TEST_P(StorageTest, WritesForAMissingTableAppearWithItsRow) {
  ASSERT_TRUE(storage_->Apply({SetOp("t9", "k", "v"), PutPlayerOp("p", "t9", 2)}).ok());
  EXPECT_EQ(DumpStorage(*storage_), "");
  ASSERT_TRUE(storage_->Apply({PutTableOp(TestTableRow("t9"))}).ok());
  EXPECT_EQ(DumpStorage(*storage_),
            "table t9 game=pong/1 source=source of t9 creator=creator of t9 next=1\n"
            "  player p id=2 in t9\n  world k=v\n");
}

TEST_P(StorageTest, BytesRoundTripExactly) {
  const std::string nul("a\0b", 3);
  const std::string invalid_utf8 = "\xff\xfe\xc3(\x80";
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
  }();
  const std::string token(std::string("t\0", 2) + invalid_utf8);
  ASSERT_TRUE(storage_
                  ->Apply({PutTableOp(TableRow{token, nul, 2, all_bytes, invalid_utf8, 3}),
                           PutPlayerOp(nul, token, 1), SetOp(token, nul, invalid_utf8),
                           SetOp(token, invalid_utf8, nul), SetOp(token, "", ""),
                           SetOp(token, "all", all_bytes, Namespace::kLocal)})
                  .ok());
  ASSERT_TRUE(storage_->AddGameVersion(nul, all_bytes).ok());
  storage_.reset();
  std::unique_ptr<Storage> storage = OpenOrFail();
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

TEST_P(StorageTest, EmptyApplyIsOk) {
  EXPECT_TRUE(storage_->Apply({}).ok());
  EXPECT_EQ(DumpStorage(*storage_), "");
}

// A namespace other than world and local fails the batch in the middle: nothing of it stays.
TEST_P(StorageTest, FailedApplyRollsBackEverything) {
  ASSERT_TRUE(storage_->Apply({PutTableOp(TestTableRow("t1")), SetOp("t1", "k", "before")}).ok());
  const std::string before = DumpStorage(*storage_);
  Status status = storage_->Apply({SetOp("t1", "k", "after"), PutTableOp(TestTableRow("t2")),
                                   SetOp("t1", "bad", "x", static_cast<Namespace>(7)),
                                   PutTableOp(TestTableRow("t3"))});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), "internal");
  EXPECT_EQ(DumpStorage(*storage_), before);
  // The connection is not left inside the failed transaction.
  ASSERT_TRUE(storage_->Apply({SetOp("t1", "k", "later")}).ok());
  EXPECT_NE(DumpStorage(*storage_).find("world k=later"), std::string::npos);
}

TEST_P(StorageTest, LoadsFiveThousandTablesWithTenKeysEach) {
  constexpr int kTables = 5000;
  constexpr int kKeys = 10;
  std::vector<StorageOp> ops;
  for (int t = 0; t < kTables; ++t) {
    const std::string token = "table" + std::to_string(t);
    ops.push_back(PutTableOp(TestTableRow(token)));
    ops.push_back(PutPlayerOp("player" + std::to_string(t), token, 1));
    for (int k = 0; k < kKeys; ++k) {
      ops.push_back(SetOp(token, "key" + std::to_string(k), std::to_string(t * kKeys + k),
                          k % 2 == 0 ? Namespace::kWorld : Namespace::kLocal));
    }
  }
  ASSERT_TRUE(storage_->Apply(ops).ok());
  storage_.reset();
  std::unique_ptr<Storage> storage = OpenOrFail();
  ASSERT_NE(storage, nullptr);
  Result<std::vector<StoredTable>> tables = storage->LoadTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), static_cast<size_t>(kTables));
  std::set<std::string> seen;
  for (size_t i = 0; i < tables->size(); ++i) {
    const StoredTable& table = (*tables)[i];
    EXPECT_EQ(table.row.token, "table" + std::to_string(i));  // Creation order.
    seen.insert(table.row.token);
    ASSERT_EQ(table.players.size(), 1u);
    EXPECT_EQ(table.players[0].token, "player" + std::to_string(i));
    ASSERT_EQ(table.world.size() + table.local.size(), static_cast<size_t>(kKeys));
    for (int k = 0; k < kKeys; ++k) {
      const auto& items = k % 2 == 0 ? table.world : table.local;
      auto it = items.find("key" + std::to_string(k));
      ASSERT_NE(it, items.end());
      EXPECT_EQ(it->second, std::to_string(static_cast<int>(i) * kKeys + k));
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kTables));
}

// Random batches over a few tokens, keys and players, each applied to both homes: after each
// batch, both load the same tables, players and namespaces in the same order.
TEST(StorageHomesTest, RandomBatchesLoadTheSameFromBothHomes) {
  Store sqlite_store(Home::kSqlite);
  Store redis_store(Home::kRedis);
  Result<std::unique_ptr<Storage>> sqlite = sqlite_store.Open();
  ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
  Result<std::unique_ptr<Storage>> redis = redis_store.Open();
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<StorageOp> ops;
      for (int i = 0, n = 1 + pick(12); i < n; ++i) {
        const std::string table = "t" + std::to_string(pick(4));
        const std::string player = "p" + std::to_string(pick(6));
        const Namespace ns = pick(2) == 0 ? Namespace::kWorld : Namespace::kLocal;
        const std::string key = "k" + std::to_string(pick(5));
        switch (pick(8)) {
          case 0:
            ops.push_back(PutTableOp(TableRow{table, "g", pick(3), "src", "c", pick(9), pick(4)}));
            break;
          case 1:
            ops.push_back(DeleteTableOp(table));
            break;
          case 2:
            ops.push_back(PutPlayerOp(player, table, pick(5)));
            break;
          case 3:
            ops.push_back(DeletePlayerOp(player));
            break;
          case 4:
            ops.push_back(KvOp(table, ns, KvWrite::Op::kRemove, key));
            break;
          case 5:
            ops.push_back(KvOp(table, ns, KvWrite::Op::kClear));
            break;
          default:
            ops.push_back(SetOp(table, key, std::to_string(rng()), ns));
        }
      }
      ASSERT_TRUE((*sqlite)->Apply(ops).ok());
      ASSERT_TRUE((*redis)->Apply(ops).ok());
      ASSERT_EQ(DumpStorage(**redis), DumpStorage(**sqlite))
          << "seed " << seed << ", batch " << batch;
    }
  }
}

}  // namespace
}  // namespace ggs
