// End-to-end tests of the WebSocket transport: a real `ggs serve --http`, players on /ws
// beside players on the game port, and the close codes of bad frames.
#include "cli/e2e_support.h"
#include "client/http_client.h"
#include "client/ws_client.h"

namespace ggs::e2e {
namespace {

class WebSocketTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    StartServerWithHttp(dir_->path(), {"--games", std::string(GGS_SOURCE_DIR) + "/games",
                                       "--max-header", "1KiB", "--max-payload", "4KiB"});
  }

  std::unique_ptr<WsClient> ConnectWs() {
    auto client = WsClient::Connect("127.0.0.1", http_port_);
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? std::move(client.value()) : nullptr;
  }

  static Packet ExpectWs(WsClient& c, const std::string& command) {
    Result<Packet> p = c.Receive();
    EXPECT_TRUE(p.ok()) << "waiting for " << command << ": " << p.status().message();
    if (!p.ok()) return {};
    EXPECT_EQ(ClientCommandOf(*p), command) << p->payload << " " << ErrorCodeOf(*p);
    return *p;
  }

  static HelloReply HelloWs(WsClient& c, const std::string& game) {
    Packet p = ServerCommand(command::kHello);
    p.Add(header::kGame, game);
    EXPECT_TRUE(c.Send(p).ok());
    Result<HelloReply> r = ParseHelloReply(ExpectWs(c, command::kHello).payload);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : HelloReply{};
  }
};

TEST_F(WebSocketTest, HelloAndPingOverWebSocket) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->SendServer(command::kPing, "over ws").ok());
  EXPECT_EQ(ExpectWs(*ws, command::kPong).payload, "over ws");
  // A text message carries a packet just as well.
  ASSERT_TRUE(ws->SendMessage(websocket::kText, Encode(ServerCommand(command::kPing, "t"))).ok());
  EXPECT_EQ(ExpectWs(*ws, command::kPong).payload, "t");
  const HelloReply hello = HelloWs(*ws, "chat");
  EXPECT_TRUE(hello.defined);
  EXPECT_EQ(ExpectWs(*ws, "notice").payload, "guest1 joined");
}

TEST_F(WebSocketTest, AWebSocketPlayerAndATcpPlayerChatAtOneTable) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  const HelloReply first = HelloWs(*ws, "chat");
  EXPECT_EQ(ExpectWs(*ws, "notice").payload, "guest1 joined");
  auto tcp = Connect();
  ASSERT_TRUE(tcp);
  EXPECT_EQ(Hello(*tcp, first.table).table, first.table);
  EXPECT_EQ(Expect(*tcp, "notice").payload, "guest2 joined");
  EXPECT_EQ(ExpectWs(*ws, "notice").payload, "guest2 joined");
  ASSERT_TRUE(ws->SendGame("message", "from the browser").ok());
  ASSERT_TRUE(tcp->SendGame("message", "from tcp").ok());
  EXPECT_EQ(ExpectWs(*ws, "message").payload, "guest1: from the browser");
  EXPECT_EQ(ExpectWs(*ws, "message").payload, "guest2: from tcp");
  EXPECT_EQ(Expect(*tcp, "message").payload, "guest1: from the browser");
  EXPECT_EQ(Expect(*tcp, "message").payload, "guest2: from tcp");
  ASSERT_TRUE(ws->SendServer(command::kBye).ok());
  ExpectWs(*ws, command::kBye);
  EXPECT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->close_code(), websocket::kNormalClosure);
  EXPECT_EQ(Expect(*tcp, "notice").payload, "guest1 left");
}

TEST_F(WebSocketTest, PingFramesAreAnswered) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->SendMessage(websocket::kPing, "are you there").ok());
  Result<WebSocketCodec::Message> m = ws->ReceiveMessage();
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->opcode, websocket::kPong);
  EXPECT_EQ(m->data, "are you there");
}

TEST_F(WebSocketTest, AFragmentedMessageIsOnePacket) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  const std::string bytes = Encode(ServerCommand(command::kPing, "in pieces"));
  const std::array<uint8_t, 4> mask = {1, 2, 3, 4};
  ASSERT_TRUE(ws->SendFrame({false, 0, websocket::kBinary, bytes.substr(0, 5), mask}).ok());
  ASSERT_TRUE(ws->SendFrame({false, 0, websocket::kContinuation, bytes.substr(5, 9), mask}).ok());
  ASSERT_TRUE(ws->SendFrame({true, 0, websocket::kContinuation, bytes.substr(14), mask}).ok());
  EXPECT_EQ(ExpectWs(*ws, command::kPong).payload, "in pieces");
}

TEST_F(WebSocketTest, AnUnmaskedFrameClosesWithProtocolError) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  const std::string ping = Encode(ServerCommand(command::kPing));
  ASSERT_TRUE(ws->SendFrame({true, 0, websocket::kBinary, ping, std::nullopt}).ok());
  EXPECT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->close_code(), websocket::kProtocolError);
}

TEST_F(WebSocketTest, AnOversizedMessageClosesWithMessageTooBig) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  // --max-header 1KiB + --max-payload 4KiB: 5 KiB at most.
  ASSERT_TRUE(ws->SendMessage(websocket::kBinary, std::string(5 * 1024 + 1, 'x')).ok());
  EXPECT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->close_code(), websocket::kMessageTooBig);
}

TEST_F(WebSocketTest, TextThatIsNotUtf8ClosesWithInvalidPayload) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->SendMessage(websocket::kText, "\xff\xfe").ok());
  EXPECT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->close_code(), websocket::kInvalidPayload);
}

TEST_F(WebSocketTest, ABrokenPacketIsAnsweredAsOnTcp) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->SendMessage(websocket::kBinary, "No colon\n\n").ok());
  Packet error = ExpectWs(*ws, command::kError);
  EXPECT_EQ(ErrorCodeOf(error), error::kMalformed);
  EXPECT_TRUE(ws->WaitClosed());
  // Two packets in one message are refused too.
  auto two = ConnectWs();
  ASSERT_TRUE(two);
  const std::string ping = Encode(ServerCommand(command::kPing));
  ASSERT_TRUE(two->SendMessage(websocket::kBinary, ping + ping).ok());
  EXPECT_EQ(ErrorCodeOf(ExpectWs(*two, command::kError)), error::kMalformed);
  // And a header over --max-header, as on TCP.
  auto big = ConnectWs();
  ASSERT_TRUE(big);
  Packet p = ServerCommand(command::kPing);
  p.Add("X-Big", std::string(2000, 'h'));
  ASSERT_TRUE(big->Send(p).ok());
  EXPECT_EQ(ErrorCodeOf(ExpectWs(*big, command::kError)), error::kHeaderTooLarge);
}

TEST_F(WebSocketTest, ABadHandshakeIsRefused) {
  Result<std::vector<HttpResponse>> r = HttpExchange(
      "127.0.0.1", http_port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].status, 426);
  Result<HttpResponse> plain = HttpGet("127.0.0.1", http_port_, "/ws");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->status, 426);
}

// The limits, deadlines and rate of the game port hold for WebSocket players too.
class WebSocketLimitsTest : public WebSocketTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    StartServerWithHttp(dir_->path(),
                        {"--max-connections-per-ip", "2", "--max-commands-per-s", "5"});
  }
};

class WebSocketDeadlineTest : public WebSocketTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    StartServerWithHttp(dir_->path(), {"--hello-timeout", "400"});
  }
};

TEST_F(WebSocketLimitsTest, OneConnectionLimitForBothListeners) {
  // The start-up probe's connection may still count for a moment: retry until each of the
  // two connections is held, then a third on either listener is refused.
  std::unique_ptr<WsClient> ws;
  std::unique_ptr<SyncClient> tcp;
  for (int i = 0; i < 100 && !(ws && tcp); ++i) {
    if (!ws) {
      auto attempt = WsClient::Connect("127.0.0.1", http_port_);
      if (attempt.ok()) ws = std::move(attempt.value());
    }
    if (ws && !tcp) {
      auto attempt = Connect();
      if (attempt && attempt->SendServer(command::kPing).ok()) {
        Result<Packet> p = attempt->Receive();
        if (p.ok() && ClientCommandOf(*p) == command::kPong) tcp = std::move(attempt);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(ws && tcp);
  Result<std::unique_ptr<WsClient>> refused = WsClient::Connect("127.0.0.1", http_port_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("503"), std::string::npos)
      << refused.status().message();
  auto third = Connect();
  ASSERT_TRUE(third);
  ExpectError(*third, error::kTooManyConnections);
}

TEST_F(WebSocketDeadlineTest, TheHelloDeadlineHoldsOverWebSocket) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  EXPECT_EQ(ErrorCodeOf(ExpectWs(*ws, command::kError)), error::kTimeout);
  EXPECT_TRUE(ws->WaitClosed());
}

TEST_F(WebSocketLimitsTest, TheCommandRateHoldsOverWebSocket) {
  auto ws = ConnectWs();
  ASSERT_TRUE(ws);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(ws->SendServer(command::kPing).ok());
  bool limited = false;
  for (int i = 0; i < 20 && !limited; ++i) {
    Result<Packet> p = ws->Receive();
    ASSERT_TRUE(p.ok()) << p.status().message();
    limited = ErrorCodeOf(*p) == error::kRateLimited;
  }
  EXPECT_TRUE(limited);
}

}  // namespace
}  // namespace ggs::e2e
