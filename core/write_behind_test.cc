// Tests of WriteBehind: coalescing rules, failed flushes, and a model-based random test that
// checks the batched result against a std::map model and against unbatched Storage.
#include "core/write_behind.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/sqlite_storage.h"
#include "testing/storage_dump.h"
#include "testing/temp_dir.h"

namespace ggs {
namespace {

using Kind = StorageOp::Kind;

// A scratch directory named for this file.
class ScratchDir : public TempDir {
 public:
  ScratchDir() : TempDir("ggs_write_behind_test") {}
};

std::unique_ptr<Storage> OpenOrDie(const std::string& path) {
  Result<std::unique_ptr<Storage>> storage = SqliteStorage::Open(path);
  EXPECT_TRUE(storage.ok()) << storage.status().ToString();
  return storage.ok() ? std::move(*storage) : nullptr;
}

TableRow Row(const std::string& token) {
  return TableRow{token, "pong", 1, "source of " + token, "creator", 1};
}

KvWrite Set(const std::string& key, const std::string& value, Namespace ns = Namespace::kWorld) {
  return KvWrite{ns, KvWrite::Op::kSet, key, value};
}

KvWrite Remove(const std::string& key, Namespace ns = Namespace::kWorld) {
  return KvWrite{ns, KvWrite::Op::kRemove, key, ""};
}

KvWrite Clear(Namespace ns = Namespace::kWorld) { return KvWrite{ns, KvWrite::Op::kClear, "", ""}; }

// Hands `op` to the WriteBehind call that queues it.
void Send(WriteBehind& store, const StorageOp& op) {
  switch (op.kind) {
    case Kind::kPutTable:
      return store.PutTable(op.table);
    case Kind::kDeleteTable:
      return store.DeleteTable(op.table.token);
    case Kind::kPutPlayer:
      return store.PutPlayer(op.player);
    case Kind::kDeletePlayer:
      return store.DeletePlayer(op.player.token, op.player.table_token);
    case Kind::kKv:
      return store.Write(op.table.token, op.kv);
  }
}

// The meaning of StorageOps, written as plainly as possible over std::maps.
class Model {
 public:
  void Apply(const StorageOp& op) {
    switch (op.kind) {
      case Kind::kPutTable:
        if (!tables_.contains(op.table.token)) created_.push_back(op.table.token);
        tables_[op.table.token] = op.table;
        break;
      case Kind::kDeleteTable:
        DeleteTable(op.table.token);
        break;
      case Kind::kPutPlayer:
        players_[op.player.token] = op.player;
        break;
      case Kind::kDeletePlayer:
        players_.erase(op.player.token);
        break;
      case Kind::kKv:
        ApplyKv(op.table.token, op.kv);
        break;
    }
  }

  // What Storage::LoadTables() should return.
  std::vector<StoredTable> Load() const {
    std::vector<StoredTable> out;
    for (const std::string& token : created_) {
      StoredTable& table = out.emplace_back();
      table.row = tables_.at(token);
      for (const auto& [player_token, player] : players_) {
        if (player.table_token == token) table.players.push_back(player);
      }
      std::sort(table.players.begin(), table.players.end(), [](const auto& a, const auto& b) {
        return std::tie(a.player_id, a.token) < std::tie(b.player_id, b.token);
      });
      for (auto it = kv_.lower_bound({token, INT_MIN, ""});
           it != kv_.end() && std::get<0>(it->first) == token; ++it) {
        (std::get<1>(it->first) == 0 ? table.world : table.local)[std::get<2>(it->first)] =
            it->second;
      }
    }
    return out;
  }

 private:
  using KvKey = std::tuple<std::string, int, std::string>;

  void DeleteTable(const std::string& token) {
    tables_.erase(token);
    std::erase(created_, token);
    std::erase_if(players_, [&](const auto& entry) { return entry.second.table_token == token; });
    std::erase_if(kv_, [&](const auto& entry) { return std::get<0>(entry.first) == token; });
  }

  void ApplyKv(const std::string& token, const KvWrite& write) {
    const int ns = static_cast<int>(write.ns);
    switch (write.op) {
      case KvWrite::Op::kSet:
        kv_[{token, ns, write.key}] = write.value;
        break;
      case KvWrite::Op::kRemove:
        kv_.erase({token, ns, write.key});
        break;
      case KvWrite::Op::kClear:
        std::erase_if(kv_, [&](const auto& entry) {
          return std::get<0>(entry.first) == token && std::get<1>(entry.first) == ns;
        });
        break;
    }
  }

  std::map<std::string, TableRow> tables_;
  std::vector<std::string> created_;  // Table tokens, oldest first: LoadTables' order.
  std::map<std::string, PlayerRow> players_;
  std::map<KvKey, std::string> kv_;
};

const std::vector<std::string> kTables = {"t0", "t1", std::string("t\0\xff", 3)};
const std::vector<std::string> kPlayers = {"p0", "p1", "p2", "p3", std::string("p\0", 2)};
const std::vector<std::string> kKeys = {"a", "b", "c", std::string("\0", 1), "\xc3("};

// Random StorageOps over a few tables, players and keys, so that they collide often.
class OpGenerator {
 public:
  explicit OpGenerator(uint32_t seed) : rng_(seed) {}

  bool Chance(int in) { return Uniform(0, in - 1) == 0; }

  StorageOp Next() {
    const int roll = Uniform(0, 99);
    StorageOp op;
    op.table.token = Pick(kTables);
    if (roll < 55) {
      op.kind = Kind::kKv;
      op.kv = NextKv(roll);
    } else if (roll < 67) {
      op.kind = Kind::kPutTable;
      op.table = TableRow{op.table.token, Bytes(), Uniform(0, 3), Bytes(), Bytes(), Uniform(1, 9)};
    } else if (roll < 72) {
      op.kind = Kind::kDeleteTable;
    } else if (roll < 90) {
      op.kind = Kind::kPutPlayer;
      op.player = PlayerRow{Pick(kPlayers), op.table.token, Uniform(1, 3)};
    } else {
      op.kind = Kind::kDeletePlayer;
      op.player.token = Pick(kPlayers);
    }
    return op;
  }

 private:
  KvWrite NextKv(int roll) {
    const Namespace ns = Chance(2) ? Namespace::kWorld : Namespace::kLocal;
    if (roll < 35) return Set(Pick(kKeys), Bytes(), ns);
    if (roll < 50) return Remove(Pick(kKeys), ns);
    return Clear(ns);
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  const std::string& Pick(const std::vector<std::string>& from) {
    return from[static_cast<size_t>(Uniform(0, static_cast<int>(from.size()) - 1))];
  }
  // Short values with NUL and high bytes among them.
  std::string Bytes() {
    std::string out;
    for (int n = Uniform(0, 4); n > 0; --n) out += "ab\0\xff"[Uniform(0, 3)];
    return out;
  }

  std::mt19937 rng_;
};

// Runs one random session: every op goes to a WriteBehind over a file database, to a model,
// and unbatched to a second Storage; at random flushes, and after a restart, all three agree.
void RunRandomSession(uint32_t seed, int steps) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  ScratchDir dir;
  const std::string path = dir.File("ggs.db");
  std::unique_ptr<Storage> batched = OpenOrDie(path);
  std::unique_ptr<Storage> direct = OpenOrDie(":memory:");
  ASSERT_TRUE(batched != nullptr && direct != nullptr);
  Model model;
  OpGenerator gen(seed);
  {
    WriteBehind store(batched.get());
    auto apply_everywhere = [&](const StorageOp& op) {
      Send(store, op);
      model.Apply(op);
      ASSERT_TRUE(direct->Apply({op}).ok());
    };
    auto flush_and_compare = [&](int step) {
      ASSERT_TRUE(store.Flush().ok());
      ASSERT_EQ(store.pending(), 0u);
      const std::string expected = DumpTables(model.Load());
      ASSERT_EQ(DumpStorage(*direct), expected) << "unbatched storage, step " << step;
      ASSERT_EQ(DumpStorage(*batched), expected) << "write-behind, step " << step;
    };
    for (int step = 0; step < steps; ++step) {
      apply_everywhere(gen.Next());
      if (gen.Chance(15)) flush_and_compare(step);
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Players and keys written after their table was deleted are invisible to LoadTables();
    // recreating every table brings them into the comparison.
    for (const std::string& token : kTables) {
      StorageOp op;
      op.kind = Kind::kPutTable;
      op.table = Row(token);
      apply_everywhere(op);
    }
    flush_and_compare(steps);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_LT(store.flushed(), static_cast<size_t>(steps + 3)) << "nothing was coalesced";
  }
  batched.reset();
  batched = OpenOrDie(path);
  ASSERT_NE(batched, nullptr);
  EXPECT_EQ(DumpStorage(*batched), DumpTables(model.Load())) << "after reopening";
}

TEST(WriteBehindPropertyTest, RandomSessionsMatchModelAndUnbatchedStorage) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    RunRandomSession(seed, 400);
    if (HasFatalFailure()) return;
  }
}

class WriteBehindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = OpenOrDie(":memory:");
    ASSERT_NE(storage_, nullptr);
    store_ = std::make_unique<WriteBehind>(storage_.get());
  }
  void FlushOk() {
    Status status = store_->Flush();
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(store_->pending(), 0u);
  }
  std::string Stored() { return DumpStorage(*storage_); }

  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteBehind> store_;
};

constexpr char kT1[] = "table t1 game=pong/1 source=source of t1 creator=creator next=1\n";
constexpr char kT2[] = "table t2 game=pong/1 source=source of t2 creator=creator next=1\n";

TEST_F(WriteBehindTest, EmptyFlushIsOk) {
  FlushOk();
  EXPECT_EQ(store_->flushed(), 0u);
}

TEST_F(WriteBehindTest, ThousandSetsOfOneKeyCoalesceIntoOne) {
  store_->PutTable(Row("t1"));
  FlushOk();
  for (int i = 0; i < 1000; ++i) store_->Write("t1", Set("k", std::to_string(i)));
  EXPECT_EQ(store_->pending(), 1u);
  FlushOk();
  EXPECT_EQ(store_->flushed(), 2u);
  EXPECT_EQ(Stored(), std::string(kT1) + "  world k=999\n");
}

TEST_F(WriteBehindTest, ADroppedTableWritesNothingAndLeavesTheOthersQueued) {
  store_->PutTable(Row("t1"));
  store_->PutTable(Row("t2"));
  FlushOk();
  store_->PutTable(Row("t1"));
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  store_->Write("t1", Set("k", "stale"));
  store_->Write("t1", Set("k", "stale", Namespace::kLocal));
  store_->Write("t2", Set("k", "kept"));
  store_->DeletePlayer("p2", "t1");
  store_->DropTable("t1");
  EXPECT_EQ(store_->pending(), 1u);
  store_->Write("t1", Set("j", "later"));  // Written after the drop: queued as usual.
  EXPECT_EQ(store_->pending(), 2u);
  FlushOk();
  EXPECT_EQ(Stored(), std::string(kT1) + "  world j=later\n" + kT2 + "  world k=kept\n");
}

TEST_F(WriteBehindTest, SameKeyInOtherNamespaceOrTableIsNotCoalesced) {
  store_->Write("t1", Set("k", "1"));
  store_->Write("t1", Set("k", "2", Namespace::kLocal));
  store_->Write("t2", Set("k", "3"));
  // A naive concatenation of table and key would make these two the same key.
  store_->Write("t1", Set("xk", "4"));
  store_->Write("t1x", Set("k", "5"));
  EXPECT_EQ(store_->pending(), 5u);
}

TEST_F(WriteBehindTest, ClearDropsEarlierQueuedWritesOfItsNamespace) {
  store_->PutTable(Row("t1"));
  store_->Write("t1", Set("old", "1"));
  FlushOk();
  store_->Write("t1", Set("a", "1"));
  store_->Write("t1", Remove("old"));
  store_->Write("t1", Set("c", "1", Namespace::kLocal));
  store_->Write("t1", Clear());
  EXPECT_EQ(store_->pending(), 2u);  // The local write and the clear.
  store_->Write("t1", Set("a", "2"));
  EXPECT_EQ(store_->pending(), 3u);
  FlushOk();
  EXPECT_EQ(Stored(), std::string(kT1) + "  world a=2\n  local c=1\n");
}

TEST_F(WriteBehindTest, DeleteTableDropsEarlierQueuedOpsOfThatTableOnly) {
  store_->PutTable(Row("t1"));
  store_->Write("t1", Set("stored", "1"));
  FlushOk();
  store_->PutTable(Row("t1"));
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  store_->Write("t1", Set("k", "1"));
  store_->Write("t1", Set("l", "1", Namespace::kLocal));
  store_->Write("t1", Clear(Namespace::kLocal));
  store_->PutTable(Row("t2"));
  store_->Write("t2", Set("k", "2"));
  store_->DeleteTable("t1");
  // t2's row and key, the deletion, and p1's queued seat, which the deletion removes.
  EXPECT_EQ(store_->pending(), 4u);
  store_->DeleteTable("t1");
  EXPECT_EQ(store_->pending(), 4u);
  FlushOk();
  EXPECT_EQ(Stored(), std::string(kT2) + "  world k=2\n");
}

TEST_F(WriteBehindTest, WritesAfterDeleteTableSurviveIt) {
  store_->PutTable(Row("t1"));
  store_->Write("t1", Set("k", "old"));
  store_->DeleteTable("t1");
  store_->PutTable(Row("t1"));
  store_->Write("t1", Set("k", "new"));
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  FlushOk();
  EXPECT_EQ(Stored(), std::string(kT1) + "  player p1 id=1 in t1\n  world k=new\n");
}

TEST_F(WriteBehindTest, DeletePlayerReplacesQueuedPut) {
  store_->PutTable(Row("t1"));
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  store_->PutPlayer(PlayerRow{"p2", "t1", 2});
  FlushOk();
  store_->PutPlayer(PlayerRow{"p1", "t1", 3});
  store_->DeletePlayer("p1", "");
  store_->PutPlayer(PlayerRow{"p3", "t1", 4});
  store_->DeletePlayer("p3", "");
  EXPECT_EQ(store_->pending(), 2u);
  FlushOk();
  EXPECT_EQ(Stored(), std::string(kT1) + "  player p2 id=2 in t1\n");
}

// Regression: a player queued into a table that is then deleted must end up deleted, even
// when the database still has it seated at another table.
TEST_F(WriteBehindTest, PlayerMovedIntoDeletedTableIsDeleted) {
  store_->PutTable(Row("t1"));
  store_->PutTable(Row("t2"));
  store_->PutPlayer(PlayerRow{"p1", "t2", 1});
  FlushOk();
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  store_->DeleteTable("t1");
  FlushOk();
  EXPECT_EQ(Stored(), kT2);
}

// Regression: a player's last write must not be moved before a deletion of its new table.
TEST_F(WriteBehindTest, PlayerSeatedAfterItsTableWasDeletedKeepsTheSeat) {
  store_->PutTable(Row("t1"));
  store_->PutTable(Row("t2"));
  FlushOk();
  store_->PutPlayer(PlayerRow{"p1", "t2", 1});
  store_->DeleteTable("t1");
  store_->PutTable(Row("t1"));
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  FlushOk();
  // The recreated t1 is the newest table, so it loads after t2.
  EXPECT_EQ(Stored(), std::string(kT2) + kT1 + "  player p1 id=1 in t1\n");
}

TEST_F(WriteBehindTest, PlayerWritesCoalesceAcrossDeletionsOfOtherTables) {
  store_->PutTable(Row("t1"));
  store_->PutPlayer(PlayerRow{"p1", "t1", 1});
  store_->DeleteTable("t2");
  store_->PutPlayer(PlayerRow{"p1", "t1", 2});
  EXPECT_EQ(store_->pending(), 3u);
  FlushOk();
  EXPECT_EQ(Stored(), std::string(kT1) + "  player p1 id=2 in t1\n");
}

// Storage refuses an unknown namespace, which gives a test a flush that fails.
TEST_F(WriteBehindTest, FailedFlushKeepsTheQueueAndStillCoalesces) {
  const Namespace bad = static_cast<Namespace>(7);
  store_->PutTable(Row("t1"));
  store_->Write("t1", Set("k", "1"));
  store_->Write("t1", Set("x", "1", bad));
  store_->Write("t1", Set("k2", "1"));
  store_->Write("t1", Remove("k2"));
  Status status = store_->Flush();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), "internal");
  EXPECT_EQ(store_->pending(), 4u);
  EXPECT_EQ(store_->flushed(), 0u);
  EXPECT_EQ(Stored(), "");
  ASSERT_FALSE(store_->Flush().ok());
  store_->Write("t1", Set("k", "2"));
  EXPECT_EQ(store_->pending(), 4u);
  store_->Write("t1", Clear(bad));  // Drops the write that fails.
  EXPECT_EQ(store_->pending(), 4u);
  FlushOk();
  EXPECT_EQ(store_->flushed(), 4u);
  EXPECT_EQ(Stored(), std::string(kT1) + "  world k=2\n");
}

}  // namespace
}  // namespace ggs
