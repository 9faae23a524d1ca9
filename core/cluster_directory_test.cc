// Tests of the cluster's directory (core/cluster_directory.h) in its Redis home, on a real
// redis-server child: leases, claims with their epochs, fenced batches, and the registry of
// nodes. Also the load a node publishes (core/cluster.h).
#include "core/cluster_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/cluster.h"
#include "core/redis_storage.h"
#include "testing/redis_process.h"
#include "testing/storage_ops.h"

namespace ggs {
namespace {

constexpr char kA[] = "127.0.0.1:9001";
constexpr char kB[] = "127.0.0.1:9002";

// Two nodes' connections to one Redis: each node has its own store and fences.
class ClusterDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(*redis);
    a_ = Open();
    b_ = Open();
    ASSERT_TRUE(a_ && b_);
  }
  std::unique_ptr<Storage> Open() {
    Result<std::unique_ptr<Storage>> s = RedisStorage::Open(redis_->url());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static ClusterDirectory& Dir(std::unique_ptr<Storage>& s) {
    return *static_cast<RedisStorage*>(s.get());
  }
  ClusterDirectory& a() { return Dir(a_); }
  ClusterDirectory& b() { return Dir(b_); }

  // A new table's row and its world key k=value.
  static std::vector<StorageOp> NewTable(const std::string& token, const std::string& value) {
    return {PutTableOp(TestTableRow(token)), Set(token, value)[0]};
  }
  static std::vector<StorageOp> Set(const std::string& token, const std::string& value) {
    return {KvOp(token, Namespace::kWorld, KvWrite::Op::kSet, "k", value)};
  }
  // Fences t1 and t2 as node A's fresh tables and stores both with k=value.
  void TwoTablesOfA(const std::string& value) {
    a().Fence("t1", TableOwner{kA, 1}, true);
    a().Fence("t2", TableOwner{kA, 1}, true);
    std::vector<StorageOp> both = NewTable("t1", value);
    for (StorageOp& op : NewTable("t2", value)) both.push_back(op);
    ASSERT_TRUE(a_->Apply(both).ok());
  }
  std::string WorldK(const std::string& token) {
    Result<StoredTable> t = a().LoadTable(token);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->world["k"] : "";
  }

  std::unique_ptr<RedisProcess> redis_;
  std::unique_ptr<Storage> a_;
  std::unique_ptr<Storage> b_;
};

TEST_F(ClusterDirectoryTest, ATableMadeByANodeIsOwnedByItFromItsFirstBatch) {
  a().Fence("t1", TableOwner{kA, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "v")).ok());
  Result<std::vector<TableOwner>> owners = b().Owners({"t1", "t2"});
  ASSERT_TRUE(owners.ok());
  EXPECT_EQ((*owners)[0], (TableOwner{kA, 1}));
  EXPECT_EQ((*owners)[1], TableOwner{});
  Result<std::vector<std::string>> owned = b().OwnedBy(kA);
  ASSERT_TRUE(owned.ok());
  EXPECT_EQ(*owned, std::vector<std::string>{"t1"});
  EXPECT_TRUE(a().TakeLost().empty());
}

TEST_F(ClusterDirectoryTest, AClaimSucceedsOnlyOnceTheOwnersLeaseHasExpired) {
  ASSERT_TRUE(a().RenewLease(kA, "", "0 0", 300).ok());
  a().Fence("t1", TableOwner{kA, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "v")).ok());

  Result<uint64_t> early = b().Claim("t1", kB);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), "owned");
  EXPECT_EQ(early.status().message(), kA);

  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // Past A's lease.
  Result<uint64_t> late = b().Claim("t1", kB);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(*late, 2u);
  EXPECT_TRUE(b().OwnedBy(kA)->empty());
  EXPECT_EQ(*b().OwnedBy(kB), std::vector<std::string>{"t1"});
  // A second claimant finds the new, live-or-not owner: B holds no lease here, so it may
  // claim again, and the epoch rises each time.
  EXPECT_EQ(*a().Claim("t1", kA), 3u);
  Result<uint64_t> missing = a().Claim("nope", kA);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "no_such_table");
}

TEST_F(ClusterDirectoryTest, ANodeRestartedOnItsAddressTakesItsTablesBackWithANewEpoch) {
  ASSERT_TRUE(a().RenewLease(kA, "", "0 0", 60000).ok());
  a().Fence("t1", TableOwner{kA, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "v")).ok());
  // The restarted process is the same node: its own live lease does not stop it.
  Result<uint64_t> epoch = b().Claim("t1", kA);
  ASSERT_TRUE(epoch.ok()) << epoch.status().ToString();
  EXPECT_EQ(*epoch, 2u);
}

TEST_F(ClusterDirectoryTest, AFencedBatchForALostTableWritesNothingForIt) {
  TwoTablesOfA("a1");
  // B takes t1 over (A's lease is gone: it never had one) and writes to it.
  Result<uint64_t> epoch = b().Claim("t1", kB);
  ASSERT_TRUE(epoch.ok());
  b().Fence("t1", TableOwner{kB, *epoch}, false);
  ASSERT_TRUE(b_->Apply(Set("t1", "b")).ok());

  // A, unaware, writes to both: t2's write lands, t1's is dropped and t1 reported lost.
  std::vector<StorageOp> stale = Set("t1", "a2");
  stale.push_back(Set("t2", "a2")[0]);
  ASSERT_TRUE(a_->Apply(stale).ok());
  EXPECT_EQ(WorldK("t1"), "b");
  EXPECT_EQ(WorldK("t2"), "a2");
  const auto lost = a().TakeLost();
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].first, "t1");
  EXPECT_EQ(lost[0].second, (TableOwner{kB, 2}));
  EXPECT_TRUE(a().TakeLost().empty());
  // Unfenced once lost: nothing more is checked for it (the node has let it go).
  ASSERT_TRUE(a_->Apply(Set("t2", "a3")).ok());
  EXPECT_EQ(WorldK("t2"), "a3");
}

TEST_F(ClusterDirectoryTest, ATableDeletedByItsOwnerLeavesNoOwnerRecord) {
  a().Fence("t1", TableOwner{kA, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "v")).ok());
  StorageOp del;
  del.kind = StorageOp::Kind::kDeleteTable;
  del.table.token = "t1";
  ASSERT_TRUE(a_->Apply({del}).ok());
  EXPECT_EQ((*b().Owners({"t1"}))[0], TableOwner{});
  EXPECT_TRUE(b().OwnedBy(kA)->empty());
  // A node that lost the table before it was deleted writes nothing back: no zombie.
  b().Fence("t1", TableOwner{kB, 5}, false);
  ASSERT_TRUE(b_->Apply(Set("t1", "zombie")).ok());
  EXPECT_EQ(b().TakeLost().size(), 1u);
  EXPECT_FALSE(a().LoadTable("t1").ok());
}

TEST_F(ClusterDirectoryTest, NodesAreListedAliveWhileTheirLeaseHoldsAndForgottenWhenEmpty) {
  Result<bool> first = a().RenewLease(kA, "127.0.0.1:8081", "3 5\npong t9", 300);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first);  // A new lease.
  EXPECT_TRUE(*a().RenewLease(kA, "127.0.0.1:8081", "3 5\npong t9", 300));
  ASSERT_TRUE(b().RenewLease(kB, "", "0 0", 60000).ok());
  Result<std::vector<NodeRecord>> nodes = b().Nodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].id, kA);
  EXPECT_EQ((*nodes)[0].web_address, "127.0.0.1:8081");
  EXPECT_TRUE((*nodes)[0].alive);
  EXPECT_EQ(ParseClusterLoad((*nodes)[0].load), (ClusterLoad{3, 5, {{"pong", "t9"}}}));
  EXPECT_FALSE(*b().ForgetNode(kA));  // Alive.

  a().Fence("t1", TableOwner{kA, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "v")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_FALSE((*b().Nodes())[0].alive);
  EXPECT_FALSE(*b().RenewLease(kA, "", "0 0", 300));  // Expired: a lapse.
  ASSERT_TRUE(b().ReleaseLease(kA).ok());
  EXPECT_FALSE(*b().ForgetNode(kA));  // Still owns t1.
  ASSERT_TRUE(b().Claim("t1", kB).ok());
  EXPECT_TRUE(*b().ForgetNode(kA));
  ASSERT_EQ(b().Nodes()->size(), 1u);
}

TEST_F(ClusterDirectoryTest, PlayersAreFoundByTokenAndTheGamesSerialCountsUploadsAndLiveOnes) {
  a().Fence("t1", TableOwner{kA, 1}, true);
  std::vector<StorageOp> ops = NewTable("t1", "v");
  StorageOp player;
  player.kind = StorageOp::Kind::kPutPlayer;
  player.player = PlayerRow{"p1", "t1", 1};
  ops.push_back(player);
  ASSERT_TRUE(a_->Apply(ops).ok());
  EXPECT_EQ(*b().TableOfPlayer("p1"), "t1");
  EXPECT_EQ(*b().TableOfPlayer("p2"), "");
  EXPECT_EQ(*b().GamesSerial(), 0u);
  ASSERT_TRUE(a_->AddGameVersion("pong", "var seats = 2;").ok());
  ASSERT_TRUE(a_->AddGameVersion("pong", "var seats = 2; // 2").ok());
  EXPECT_EQ(*b().GamesSerial(), 2u);
  EXPECT_TRUE(b().LiveVersions()->empty());
  ASSERT_TRUE(a().MarkLive("pong", 2).ok());
  EXPECT_EQ(*b().GamesSerial(), 3u);  // The other nodes look again.
  EXPECT_EQ(*b().LiveVersions(), (std::map<std::string, int>{{"pong", 2}}));
}

TEST_F(ClusterDirectoryTest, ATableLetGoWritesNothingMoreOnceFencingIsOn) {
  TwoTablesOfA("v");
  a().Unfence("t1");  // Let go (another node claimed it while this one's lease lapsed).
  std::vector<StorageOp> stale = Set("t1", "stale");
  stale.push_back(Set("t2", "fresh")[0]);
  ASSERT_TRUE(a_->Apply(stale).ok());
  EXPECT_EQ(WorldK("t1"), "v");
  EXPECT_EQ(WorldK("t2"), "fresh");
}

TEST_F(ClusterDirectoryTest, EveryNodeOwnsItsTablesAgainAfterRedisLostItsData) {
  a().Fence("t1", TableOwner{kA, 1}, true);
  b().Fence("t2", TableOwner{kB, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "a")).ok());
  ASSERT_TRUE(b_->Apply(NewTable("t2", "b")).ok());
  ASSERT_TRUE(RedisInline(redis_->port(), "FLUSHALL").ok());  // A restart without persistence.
  ASSERT_TRUE(a_->Apply(NewTable("t1", "a2")).ok());
  ASSERT_TRUE(b_->Apply(NewTable("t2", "b2")).ok());  // The store id is new to B too.
  EXPECT_TRUE(a().TakeLost().empty());
  EXPECT_TRUE(b().TakeLost().empty());
  EXPECT_EQ((*a().Owners({"t1", "t2"})), (std::vector<TableOwner>{{kA, 1}, {kB, 1}}));
  EXPECT_EQ(WorldK("t1"), "a2");
  EXPECT_EQ(WorldK("t2"), "b2");
  // Once both have seen the new id, a deletion by a newer owner is told apart again.
  ASSERT_TRUE(RedisInline(redis_->port(), "DEL ggs:owner:t2").ok());
  ASSERT_TRUE(b_->Apply(Set("t2", "zombie")).ok());
  EXPECT_EQ(b().TakeLost().size(), 1u);
}

TEST_F(ClusterDirectoryTest, AClaimOfATableNoLongerStoredCleansItsOwnership) {
  a().Fence("t1", TableOwner{kA, 1}, true);
  ASSERT_TRUE(a_->Apply(NewTable("t1", "v")).ok());
  ASSERT_TRUE(RedisInline(redis_->port(), "DEL ggs:table:t1").ok());
  Result<uint64_t> claim = b().Claim("t1", kB, kA);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.status().code(), "no_such_table");
  EXPECT_TRUE(b().OwnedBy(kA)->empty());
  EXPECT_EQ((*b().Owners({"t1"}))[0], TableOwner{});
}

TEST(ClusterLoadTest, FormatsAndParsesBack) {
  const ClusterLoad load{12, 30, {{"chat", "t-1"}, {"pong", "t-2"}}};
  EXPECT_EQ(FormatClusterLoad(load), "12 30\nchat t-1\npong t-2");
  EXPECT_EQ(ParseClusterLoad(FormatClusterLoad(load)), load);
  EXPECT_EQ(ParseClusterLoad(""), ClusterLoad{});
  EXPECT_EQ(ParseClusterLoad("junk"), ClusterLoad{});
  EXPECT_EQ(ParseClusterLoad("1 2\nbad\n x\npong t"), (ClusterLoad{1, 2, {{"pong", "t"}}}));
}

}  // namespace
}  // namespace ggs
