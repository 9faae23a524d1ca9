// End-to-end tests of the blocking client's hello following `redirect` replies
// (docs/protocol.md): a real `ggs serve` behind one or two redirectors (testing/redirector.h,
// fake cluster nodes that answer every hello with a redirect).
#include "cli/e2e_support.h"
#include "testing/redirector.h"

namespace ggs::e2e {
namespace {

class RedirectTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    StartServer({"--games", std::string(GGS_SOURCE_DIR) + "/games"});
  }

  std::string server() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  static std::unique_ptr<Redirector> StartRedirector(const std::string& target) {
    Result<std::unique_ptr<Redirector>> r = Redirector::Start(target);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r.value()) : nullptr;
  }

  // Says `hello` to the redirector on `port`, following redirects.
  static Result<SyncClient::Hello> HelloVia(int port, const Packet& hello) {
    Result<std::unique_ptr<SyncClient>> client = SyncClient::Connect("127.0.0.1", port);
    if (!client.ok()) return client.status();
    return SyncClient::SayHello(std::move(client.value()), hello);
  }
};

TEST_F(RedirectTest, AHelloFollowsRedirectsAndIsSeatedAtTheRealServer) {
  // first -> second -> the server: the second hears the hello the client re-sent.
  auto second = StartRedirector(server());
  auto first = StartRedirector(second->address());
  Packet hello = ServerCommand(command::kHello);
  hello.Add(header::kGame, "chat");
  Result<SyncClient::Hello> seated = HelloVia(first->port(), hello);
  ASSERT_TRUE(seated.ok()) << seated.status().message();
  EXPECT_EQ(seated->redirects, 2);
  ASSERT_EQ(ClientCommandOf(seated->reply), command::kHello) << seated->reply.payload;
  Result<HelloReply> reply = ParseHelloReply(seated->reply.payload);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(Expect(*seated->client, "notice").payload, "guest1 joined");

  const std::vector<Packet> at_first = first->received();
  const std::vector<Packet> at_second = second->received();
  ASSERT_EQ(at_first.size(), 1u);
  ASSERT_EQ(at_second.size(), 1u);
  EXPECT_EQ(at_first[0], hello);
  EXPECT_EQ(RedirectsOf(at_first[0]), 0);
  Packet resent = hello;
  resent.Add(header::kRedirects, "1");
  EXPECT_EQ(at_second[0], resent);

  // A resume through the redirectors keeps its Token and its payload, and resumes the player.
  seated->client->Close();
  Packet resume = ServerCommand(command::kHello, reply->table);
  resume.Add(header::kToken, reply->player);
  Result<SyncClient::Hello> resumed = HelloVia(first->port(), resume);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  ASSERT_EQ(ClientCommandOf(resumed->reply), command::kHello) << resumed->reply.payload;
  Result<HelloReply> again = ParseHelloReply(resumed->reply.payload);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->player, reply->player);
  EXPECT_EQ(again->table, reply->table);
  ASSERT_EQ(second->received().size(), 2u);
  const Packet resent_resume = second->received()[1];
  EXPECT_EQ(*resent_resume.Find(header::kToken), reply->player);
  EXPECT_EQ(resent_resume.payload, reply->table);
  EXPECT_EQ(*resent_resume.Find(header::kRedirects), "1");
}

TEST_F(RedirectTest, AFourthRedirectIsAnErrorAfterThreeWereFollowed) {
  auto loop = StartRedirector("");
  loop->set_target(loop->address());  // Every hello comes back to it.
  Packet hello = ServerCommand(command::kHello);
  hello.Add(header::kGame, "chat");
  Result<SyncClient::Hello> seated = HelloVia(loop->port(), hello);
  ASSERT_FALSE(seated.ok());
  EXPECT_EQ(seated.status().code(), "too_many_redirects");
  EXPECT_NE(seated.status().message().find("more than 3 times"), std::string::npos)
      << seated.status().message();
  const std::vector<Packet> seen = loop->received();
  ASSERT_EQ(seen.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(RedirectsOf(seen[i]), i);
}

TEST_F(RedirectTest, ARedirectThatIsNotHostPortIsAClearError) {
  for (const std::string bad : {"not an address", "127.0.0.1:0", "", "127.0.0.1:99999"}) {
    auto junk = StartRedirector(bad);
    Result<SyncClient::Hello> seated = HelloVia(junk->port(), ServerCommand(command::kHello));
    ASSERT_FALSE(seated.ok()) << bad;
    EXPECT_EQ(seated.status().code(), "bad_redirect") << bad;
    EXPECT_NE(seated.status().message().find("not HOST:PORT"), std::string::npos);
  }
  // The server is unharmed, and a hello without redirects is answered directly.
  Result<SyncClient::Hello> direct = HelloVia(server_->port(), ServerCommand(command::kHello));
  ASSERT_TRUE(direct.ok()) << direct.status().message();
  EXPECT_EQ(direct->redirects, 0);
  EXPECT_EQ(ClientCommandOf(direct->reply), command::kHello);
}

}  // namespace
}  // namespace ggs::e2e
