// End-to-end tests of `ggs serve --cluster redis://HOST:PORT` (single node): a real server
// process keeping its games and tables in a real redis-server child, restarted cleanly and
// killed, and the errors of a bad URL or an unreachable Redis.
#include <chrono>
#include <thread>

#include "base/file.h"
#include "cli/redis_e2e_support.h"

namespace ggs::e2e {
namespace {

class ClusterTest : public RedisE2eTest {
 protected:
  void SetUp() override {
    RedisE2eTest::SetUp();
    if (redis_) cluster_ = redis_->url();
  }

  // Receives packets until one with `command` (and `payload`, when not empty) arrives;
  // others (world_set broadcasts, notices) pass.
  static Packet ExpectSoon(SyncClient& c, const std::string& command,
                           const std::string& payload = "") {
    for (int i = 0; i < 20; ++i) {
      Result<Packet> p = c.Receive(5000);
      EXPECT_TRUE(p.ok()) << "waiting for " << command << ": " << p.status().message();
      if (!p.ok()) return {};
      if (ClientCommandOf(*p) == command && (payload.empty() || p->payload == payload)) return *p;
    }
    ADD_FAILURE() << "no " << command << " in 20 packets";
    return {};
  }

  // A notebook table with `key=value` written by its creator; returns the creator's hello.
  HelloReply NotebookWith(SyncClient& c, const std::string& key_value) {
    HelloReply r = Hello(c);
    Define(c, kNotebookGame);
    EXPECT_TRUE(c.SendGame("set", key_value).ok());
    Expect(c, command::kWorldSet);
    Expect(c, "ok");
    return r;
  }

  // Resumes `player` on a new connection and asks for `key`.
  std::string ResumeAndGet(const HelloReply& before, const std::string& key) {
    auto c = Connect();
    if (c == nullptr) return "";
    const HelloReply again = Hello(*c, "", "", before.player);
    EXPECT_EQ(again.table, before.table);
    EXPECT_TRUE(again.defined);
    Expect(*c, "welcome_back");
    EXPECT_TRUE(c->SendGame("get", key).ok());
    return Expect(*c, "value").payload;
  }
};

TEST_F(ClusterTest, RestartAfterSigtermKeepsWorldAndLocalStorageInRedis) {
  StartServer();
  HelloReply r;
  {
    auto a = Connect();
    ASSERT_NE(a, nullptr);
    r = NotebookWith(*a, "score=7");
  }
  const int port = server_->port();
  EXPECT_EQ(server_->Stop(), 0);
  StartServer({}, port);
  EXPECT_EQ(ResumeAndGet(r, "score"), "7/7");
}

TEST_F(ClusterTest, RestartAfterSigkillPastTheFlushIntervalKeepsTheState) {
  StartServer();
  auto a = Connect();
  ASSERT_NE(a, nullptr);
  const HelloReply r = NotebookWith(*a, "score=9");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // Many flush intervals (20 ms).
  const int port = server_->port();
  server_->Kill();
  a.reset();
  // On the same address it is the same node, and takes its tables back at once (a node on
  // another address would take them once the dead one's lease expired).
  StartServer({}, port);
  EXPECT_EQ(ResumeAndGet(r, "score"), "9/9");
}

// The shipped chat game, installed from --games into Redis's game registry: a nickname
// (the game's localStorage) survives a restart, and the game is not installed twice.
TEST_F(ClusterTest, ChatNicknameSurvivesARestart) {
  const std::string games = std::string(GGS_SOURCE_DIR) + "/games";
  StartServer({"--games", games});
  HelloReply r;
  {
    auto a = Connect();
    ASSERT_NE(a, nullptr);
    r = Hello(*a, "", "chat");
    EXPECT_TRUE(r.defined);
    ASSERT_TRUE(a->SendGame("nick", "alice").ok());
    ExpectSoon(*a, "notice", "guest1 is now alice");
  }
  const int port = server_->port();
  EXPECT_EQ(server_->Stop(), 0);
  StartServer({"--games", games}, port);
  auto a = Connect();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Hello(*a, "", "", r.player).table, r.table);
  ASSERT_TRUE(a->SendGame("message", "back").ok());
  EXPECT_EQ(ExpectSoon(*a, "message").payload, "alice: back");
  Result<std::string> versions = RedisInline(redis_->port(), "HLEN ggs:game:chat");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(*versions, ":1");
}

// Redis lost while the server runs: flushes fail and are logged, the writes stay queued,
// the server keeps serving, and once Redis is back the next flush writes them.
TEST_F(ClusterTest, ALostRedisKeepsWritesQueuedUntilItIsBack) {
  StartServer();
  auto a = Connect();
  ASSERT_NE(a, nullptr);
  const HelloReply r = NotebookWith(*a, "before=1");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int port = redis_->port();
  redis_->Stop();
  ASSERT_TRUE(a->SendGame("set", "during=2").ok());
  Expect(*a, command::kWorldSet);
  Expect(*a, "ok");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // Failed flushes.
  ASSERT_TRUE(a->SendGame("get", "during").ok());
  EXPECT_EQ(Expect(*a, "value").payload, "2/2");  // Still serving.
  // An empty Redis (the tests' servers keep nothing on disk) comes back on the same port:
  // the writes queued while it was away land there.
  Result<std::unique_ptr<RedisProcess>> again = RedisProcess::Start(port);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  redis_ = std::move(*again);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool landed = false;
  while (!landed && std::chrono::steady_clock::now() < deadline) {
    // HGET answers a bulk string: "$1" heads the one-byte value "2".
    Result<std::string> value =
        RedisInline(redis_->port(), "HGET ggs:world:" + r.table + " during");
    landed = value.ok() && *value == "$1";
    if (!landed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(landed);
  ASSERT_TRUE(a->SendGame("get", "before").ok());
  EXPECT_EQ(Expect(*a, "value").payload, "1/1");
  a.reset();
  EXPECT_EQ(server_->Stop(), 0);
  Result<std::string> log = ReadFile(this->log());
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("storage flush failed"), std::string::npos);
  EXPECT_NE(log->find("storage flush succeeded again"), std::string::npos);
}

}  // namespace
}  // namespace ggs::e2e
