// Tests of what only the Redis home of Storage has: its URL, its prefix, a lost server, and
// its batches as transactions, on a real redis-server child. core/storage_test.cc tests what
// both homes share.
#include "core/redis_storage.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "testing/redis_process.h"
#include "testing/server_process.h"
#include "testing/storage_dump.h"
#include "testing/storage_ops.h"

namespace ggs {
namespace {

class RedisStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(*redis);
  }

  std::unique_ptr<Storage> OpenOrFail(const std::string& prefix = kDefaultRedisPrefix) {
    Result<std::unique_ptr<Storage>> storage = RedisStorage::Open(redis_->url(), prefix);
    EXPECT_TRUE(storage.ok()) << storage.status().ToString();
    return storage.ok() ? std::move(*storage) : nullptr;
  }

  std::unique_ptr<RedisProcess> redis_;
};

TEST(RedisUrlTest, ParsesHostAndPort) {
  Result<HostPort> a = ParseRedisUrl("redis://127.0.0.1:6379");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6379);
  Result<HostPort> b = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
}

TEST(RedisUrlTest, RefusesWhatIsNotRedisHostPort) {
  for (const char* bad :
       {"", "127.0.0.1:6379", "http://h:1", "redis://", "redis://host", "redis://host:0",
        "redis://host:99999", "redis://:6379", "redis://h:1/0"}) {
    Result<HostPort> r = ParseRedisUrl(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "bad_address") << bad;
    EXPECT_NE(r.status().message().find("redis://HOST:PORT"), std::string::npos) << bad;
  }
}

TEST(RedisUnreachableTest, OpenFailsWithIoNamingTheUrl) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  const std::string url = "redis://127.0.0.1:" + std::to_string(*port);
  Result<std::unique_ptr<Storage>> storage = RedisStorage::Open(url);
  ASSERT_FALSE(storage.ok());
  EXPECT_TRUE(storage.status().IsIo()) << storage.status().ToString();
  EXPECT_NE(storage.status().message().find("cannot reach Redis at " + url), std::string::npos)
      << storage.status().message();
}

TEST_F(RedisStorageTest, PrefixesKeepStoresApart) {
  std::unique_ptr<Storage> a = OpenOrFail("a:");
  std::unique_ptr<Storage> b = OpenOrFail("b:");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Apply({PutTableOp(TestTableRow("t1")), SetOp("t1", "k", "a")}).ok());
  ASSERT_TRUE(a->AddGameVersion("pong", "a").ok());
  EXPECT_EQ(DumpStorage(*b), "");
  Result<std::vector<StoredGame>> games = b->LatestGames();
  ASSERT_TRUE(games.ok());
  EXPECT_TRUE(games->empty());
  Result<std::string> b_keys = RedisInline(redis_->port(), "EXISTS b:tables");
  ASSERT_TRUE(b_keys.ok());
  EXPECT_EQ(*b_keys, ":0");
  Result<std::string> a_keys = RedisInline(redis_->port(), "EXISTS a:tables a:table:t1 a:world:t1");
  ASSERT_TRUE(a_keys.ok());
  EXPECT_EQ(*a_keys, ":3");
}

// A batch whose EXEC reply is lost is sent again by the next flush: applying it twice gives
// what applying it once gives.
TEST_F(RedisStorageTest, ABatchAppliedTwiceEqualsOnce) {
  std::unique_ptr<Storage> storage = OpenOrFail();
  ASSERT_NE(storage, nullptr);
  const std::vector<StorageOp> batch = {PutTableOp(TestTableRow("t1")),
                                        PutTableOp(TestTableRow("t2")),
                                        SetOp("t1", "k", "1"),
                                        PutPlayerOp("p", "t1", 1),
                                        DeleteTableOp("t1"),
                                        PutTableOp(TestTableRow("t1")),
                                        SetOp("t1", "k", "2"),
                                        PutPlayerOp("p", "t2", 2),
                                        KvOp("t2", Namespace::kLocal, KvWrite::Op::kClear)};
  ASSERT_TRUE(storage->Apply(batch).ok());
  const std::string once = DumpStorage(*storage);
  ASSERT_TRUE(storage->Apply(batch).ok());
  EXPECT_EQ(DumpStorage(*storage), once);
}

// A lost server fails the calls made while it is away, and the first call after it is back
// reconnects; nothing crashes and nothing of a failed batch is half-written.
TEST_F(RedisStorageTest, ALostServerFailsCallsAndTheNextCallReconnects) {
  std::unique_ptr<Storage> storage = OpenOrFail();
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage->Apply({PutTableOp(TestTableRow("t1"))}).ok());
  const int port = redis_->port();
  redis_->Stop();
  Status lost = storage->Apply({SetOp("t1", "k", "v")});
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.code(), "internal");
  EXPECT_NE(lost.message().find("redis"), std::string::npos) << lost.message();
  EXPECT_FALSE(storage->LoadTables().ok());
  EXPECT_FALSE(storage->AddGameVersion("pong", "x").ok());
  Result<std::unique_ptr<RedisProcess>> again = RedisProcess::Start(port);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  redis_ = std::move(*again);
  // The new server is empty (the tests keep nothing on disk); the retried batch lands whole.
  ASSERT_TRUE(storage->Apply({PutTableOp(TestTableRow("t1")), SetOp("t1", "k", "v")}).ok());
  EXPECT_EQ(DumpStorage(*storage),
            "table t1 game=pong/1 source=source of t1 creator=creator of t1 next=1\n"
            "  world k=v\n");
}

}  // namespace
}  // namespace ggs
