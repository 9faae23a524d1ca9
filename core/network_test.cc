// Tests of Network and Connection against real sockets: the loop runs on the test thread,
// a blocking SyncClient on a second thread, and every test ends by proving the loop closed
// cleanly. Every wait is bounded; no test measures time.
#include "core/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/sync_client.h"
#include "core/connection.h"
#include "core/loop.h"
#include "core/protocol.h"

namespace ggs {
namespace {

// Longer than any test should take; reaching it fails the test instead of hanging it.
constexpr uint64_t kWatchdogMs = 10000;
constexpr char kHost[] = "127.0.0.1";

// Records what the network reports and answers every packet with `echo` and its payload,
// and every framing error with the error, as the server's dispatcher would.
class RecordingHandler final : public ConnectionHandler {
 public:
  void OnPacket(Connection& connection, Packet packet) override {
    if (std::find(open.begin(), open.end(), &connection) == open.end()) open.push_back(&connection);
    std::string bytes;
    AppendClientCommand(bytes, "echo", packet.payload);
    connection.Send(bytes);
    packets.push_back(std::move(packet));
    if (network) turns.push_back(network->turn());
  }
  void OnFramingError(Connection& connection, const Status& error) override {
    std::string bytes;
    AppendError(bytes, error.code(), error.message());
    connection.Send(bytes);
    connection.CloseAfterFlush();
    framing_errors.push_back(error);
  }
  void OnRefused(Connection& connection, const Status& error) override {
    connection.SendError(error);
    refusals.push_back(error);
  }
  void OnClose(Connection& connection) override {
    open.erase(std::remove(open.begin(), open.end(), &connection), open.end());
    ++closes;
  }

  std::vector<Packet> packets;
  std::vector<Status> framing_errors;
  std::vector<Status> refusals;
  const Network* network = nullptr;  // When set, each packet's loop turn goes to turns.
  std::vector<uint64_t> turns;
  std::vector<Connection*> open;  // Connections that sent a packet and are not closed.
  int closes = 0;
};

// What a client thread saw, read by the test thread after joining it.
struct Seen {
  std::string command;  // Client-Command of the reply, or the error's code.
  std::string code;     // Error-Code of the reply.
  std::string payload;
};

// Waits for the next packet on `client`; on failure, records the failure's code as the
// command, so that an assertion on the command shows what went wrong.
Seen Next(SyncClient& client) {
  Result<Packet> packet = client.Receive();
  if (!packet.ok()) return {"(" + packet.status().ToString() + ")", "", ""};
  return {std::string(ClientCommandOf(*packet)), std::string(ErrorCodeOf(*packet)),
          packet->payload};
}

std::unique_ptr<SyncClient> Connect(int port) {
  Result<std::unique_ptr<SyncClient>> client = SyncClient::Connect(kHost, port);
  return client.ok() ? std::move(client.value()) : nullptr;
}

class NetworkTest : public ::testing::Test {
 protected:
  void StartNetwork(NetworkOptions options = {}) {
    network_ = std::make_unique<Network>(&loop_, &handler_, options);
    const Status listening = network_->Listen(kHost, 0);
    ASSERT_TRUE(listening.ok()) << listening.ToString();
    port_ = network_->port();
  }

  // Runs the loop until `done()` holds; false if the watchdog ran out first.
  bool RunUntil(const std::function<bool()>& done) {
    const uint64_t give_up = loop_.NowMs() + kWatchdogMs;
    const Timers::Id poll = loop_.Start(1, true, [&] {
      if (done() || loop_.NowMs() >= give_up) loop_.Quit();
    });
    loop_.Run();
    loop_.Stop(poll);
    return done();
  }

  // libuv's rule for its own tests: every test ends by proving the loop closed cleanly.
  void TearDown() override {
    network_.reset();
    EXPECT_TRUE(loop_.Close()) << "a handle was left open";
  }

  Loop loop_;
  RecordingHandler handler_;
  std::unique_ptr<Network> network_;
  int port_ = 0;
  std::atomic<bool> client_done_ = false;
};

TEST_F(NetworkTest, ListenOnPortZeroPicksAPort) {
  StartNetwork();
  EXPECT_GT(port_, 0);
  EXPECT_LE(port_, 65535);
  EXPECT_EQ(network_->connection_count(), 0u);
  EXPECT_EQ(network_->accepted(), 0u);
}

TEST_F(NetworkTest, ListenOnABadAddressFails) {
  network_ = std::make_unique<Network>(&loop_, &handler_, NetworkOptions{});
  const Status s = network_->Listen("not an address", 0);
  EXPECT_EQ(s.code(), error::kInternal);
}

TEST_F(NetworkTest, ListenOnATakenPortFails) {
  StartNetwork();
  Network second(&loop_, &handler_, NetworkOptions{});
  const Status s = second.Listen(kHost, port_);
  EXPECT_EQ(s.code(), error::kInternal) << s.ToString();
}

TEST_F(NetworkTest, PacketReachesTheHandlerAndSendReachesTheClient) {
  StartNetwork();
  Seen reply;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      if (c->SendServer("ping", "hello").ok()) reply = Next(*c);
    }
    client_done_ = true;
  });
  // The client's socket closes as its thread ends; the server then sees the close.
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  ASSERT_EQ(handler_.packets.size(), 1u);
  ASSERT_NE(handler_.packets[0].Find(header::kServerCommand), nullptr);
  EXPECT_EQ(*handler_.packets[0].Find(header::kServerCommand), command::kPing);
  EXPECT_EQ(handler_.packets[0].payload, "hello");
  EXPECT_EQ(reply.command, "echo");
  EXPECT_EQ(reply.payload, "hello");
  EXPECT_EQ(handler_.closes, 1);
  EXPECT_EQ(network_->accepted(), 1u);
  EXPECT_EQ(network_->refused(), 0u);
}

TEST_F(NetworkTest, PacketsInOneWriteAreEachHandledInOrder) {
  StartNetwork();
  std::vector<Seen> replies;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      std::string bytes;
      for (const char* payload : {"a", "b", "c"}) {
        bytes += Encode(ServerCommand(command::kPing, payload));
      }
      if (c->SendRaw(bytes).ok()) {
        for (int i = 0; i < 3; ++i) replies.push_back(Next(*c));
      }
    }
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  ASSERT_EQ(handler_.packets.size(), 3u);
  ASSERT_EQ(replies.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const std::string expected(1, static_cast<char>('a' + i));
    EXPECT_EQ(handler_.packets[i].payload, expected);
    EXPECT_EQ(replies[i].command, "echo");
    EXPECT_EQ(replies[i].payload, expected);
  }
}

TEST_F(NetworkTest, FramingErrorIsAnsweredThenTheConnectionCloses) {
  StartNetwork();
  Seen echo;
  Seen error;
  bool closed = false;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      const Packet good = ServerCommand(command::kPing, "before");
      // A good packet, then a header line with no colon, in one write.
      if (c->SendRaw(Encode(good) + "no colon here\n\n").ok()) {
        echo = Next(*c);
        error = Next(*c);
        closed = c->WaitClosed();
      }
    }
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  ASSERT_EQ(handler_.packets.size(), 1u);
  EXPECT_EQ(handler_.packets[0].payload, "before");
  ASSERT_EQ(handler_.framing_errors.size(), 1u);
  EXPECT_EQ(handler_.framing_errors[0].code(), error::kMalformed);
  EXPECT_EQ(echo.command, "echo");
  EXPECT_EQ(echo.payload, "before");
  EXPECT_EQ(error.command, "error");
  EXPECT_EQ(error.code, error::kMalformed);
  EXPECT_TRUE(closed) << "the server kept the connection open after a framing error";
  EXPECT_EQ(handler_.closes, 1);
}

TEST_F(NetworkTest, ConnectionPastTheLimitGetsServerFullAndIsClosed) {
  NetworkOptions options;
  options.max_connections = 1;
  StartNetwork(options);
  Seen first_reply;
  Seen refusal;
  bool refused_closed = false;
  Seen first_again;
  std::jthread client([&] {
    std::unique_ptr<SyncClient> first = Connect(port_);
    // The first connection's answer proves the server has accepted it.
    if (first && first->SendServer("ping", "1").ok()) first_reply = Next(*first);
    if (std::unique_ptr<SyncClient> second = Connect(port_)) {
      refusal = Next(*second);
      refused_closed = second->WaitClosed();
    }
    if (first && first->SendServer("ping", "2").ok()) first_again = Next(*first);
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  EXPECT_EQ(first_reply.payload, "1");
  EXPECT_EQ(refusal.command, "error");
  EXPECT_EQ(refusal.code, error::kServerFull);
  EXPECT_TRUE(refused_closed) << "the refused connection was left open";
  EXPECT_EQ(first_again.command, "echo") << "the connection within the limit was disturbed";
  EXPECT_EQ(first_again.payload, "2");
  EXPECT_EQ(network_->accepted(), 2u);
  EXPECT_EQ(network_->refused(), 1u);
  EXPECT_EQ(handler_.packets.size(), 2u);
  EXPECT_EQ(handler_.closes, 2);
}

TEST_F(NetworkTest, ConnectionPastThePerAddressLimitIsRefusedAndOthersGoOn) {
  NetworkOptions options;
  options.max_connections_per_ip = 1;  // Every client here is 127.0.0.1.
  StartNetwork(options);
  Seen first_reply, refusal, first_again;
  bool refused_closed = false;
  std::jthread client([&] {
    std::unique_ptr<SyncClient> first = Connect(port_);
    if (first && first->SendServer("ping", "1").ok()) first_reply = Next(*first);
    if (std::unique_ptr<SyncClient> second = Connect(port_)) {
      refusal = Next(*second);
      refused_closed = second->WaitClosed();
    }
    if (first && first->SendServer("ping", "2").ok()) first_again = Next(*first);
    first.reset();
    // Its slot is free again once the server has seen it close; until then a new
    // connection is refused like the second.
    for (int attempt = 0; attempt < 1000; ++attempt) {
      std::unique_ptr<SyncClient> third = Connect(port_);
      if (!third || !third->SendServer("ping", "3").ok()) break;
      const Seen seen = Next(*third);
      if (seen.command == "echo") {
        first_reply.payload += seen.payload;
        break;
      }
    }
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  EXPECT_EQ(first_reply.payload, "13");
  EXPECT_EQ(refusal.code, error::kTooManyConnections);
  EXPECT_TRUE(refused_closed) << "the refused connection was left open";
  EXPECT_EQ(first_again.payload, "2") << "the connection within the limit was disturbed";
  EXPECT_GE(network_->refused(), 1u);
}

TEST_F(NetworkTest, OneConnectionGetsAtMostItsBudgetOfPacketsPerLoopTurn) {
  NetworkOptions options;
  options.packets_per_turn = 4;
  options.max_commands_per_s = 0;
  StartNetwork(options);
  handler_.network = network_.get();
  constexpr int kPackets = 500;
  int echoes = 0;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      std::string bytes;
      for (int i = 0; i < kPackets; ++i) bytes += Encode(ServerCommand("ping", std::to_string(i)));
      if (c->SendRaw(bytes).ok()) {
        while (echoes < kPackets && Next(*c).command == "echo") ++echoes;
      }
    }
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  EXPECT_EQ(echoes, kPackets);
  ASSERT_EQ(handler_.packets.size(), size_t{kPackets});
  for (int i = 0; i < kPackets; ++i) EXPECT_EQ(handler_.packets[i].payload, std::to_string(i));
  std::map<uint64_t, int> per_turn;
  for (uint64_t turn : handler_.turns) ++per_turn[turn];
  for (const auto& [turn, n] : per_turn) EXPECT_LE(n, 4) << "turn " << turn;
  EXPECT_GE(per_turn.size(), size_t{kPackets / 4});
}

TEST_F(NetworkTest, PacketsOverTheRateAreRefusedAndTheConnectionStays) {
  NetworkOptions options;
  options.max_commands_per_s = 5;  // A burst of 5; 100 in one write cannot all fit.
  StartNetwork(options);
  int echoes = 0, limited = 0;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      std::string bytes;
      for (int i = 0; i < 100; ++i) bytes += Encode(ServerCommand("ping"));
      if (c->SendRaw(bytes).ok()) {
        for (int i = 0; i < 100; ++i) {
          const Seen seen = Next(*c);
          echoes += seen.command == "echo";
          limited += seen.code == error::kRateLimited;
        }
      }
    }
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  EXPECT_GE(echoes, 5);
  EXPECT_GE(limited, 1);
  EXPECT_EQ(echoes + limited, 100) << "every packet is answered one way or the other";
  EXPECT_EQ(handler_.refusals.size(), size_t(limited));
}

TEST_F(NetworkTest, AConnectionPastADeadlineIsAnsweredTimeoutAndClosed) {
  NetworkOptions options;
  options.deadlines = {.packet_timeout_ms = 50, .hello_timeout_ms = 0, .idle_timeout_ms = 0};
  StartNetwork(options);
  Seen reply, timeout;
  bool closed = false;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      // One whole packet, then half of one that never ends.
      if (c->SendRaw(Encode(ServerCommand("ping", "whole")) + "Server-Comm").ok()) {
        reply = Next(*c);
        timeout = Next(*c);
        closed = c->WaitClosed();
      }
    }
    client_done_ = true;
  });
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  EXPECT_EQ(reply.payload, "whole");
  EXPECT_EQ(timeout.code, error::kTimeout);
  EXPECT_TRUE(closed);
  ASSERT_EQ(handler_.refusals.size(), 1u);
}

TEST_F(NetworkTest, CloseAllWritesWhatIsQueuedThenClosesEveryConnection) {
  StartNetwork();
  std::atomic<bool> both_served = false;
  Seen last[2];
  bool closed[2] = {false, false};
  std::jthread client([&] {
    std::unique_ptr<SyncClient> clients[2] = {Connect(port_), Connect(port_)};
    bool served = true;
    for (auto& c : clients) served = served && c && c->SendServer("ping").ok() && c->Receive().ok();
    both_served = served;
    // The test thread queues a goodbye on each connection and closes them all.
    for (int i = 0; i < 2 && served; ++i) {
      last[i] = Next(*clients[i]);
      closed[i] = clients[i]->WaitClosed();
    }
    client_done_ = true;
  });
  ASSERT_TRUE(RunUntil([&] { return both_served || client_done_; }));
  ASSERT_TRUE(both_served);
  ASSERT_EQ(handler_.open.size(), 2u);
  for (Connection* c : handler_.open) {
    std::string bytes;
    AppendClientCommand(bytes, "goodbye", "");
    c->Send(bytes);
  }
  network_->CloseAll();
  EXPECT_TRUE(RunUntil([&] { return client_done_ && network_->connection_count() == 0; }));
  client.join();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(last[i].command, "goodbye") << "client " << i;
    EXPECT_TRUE(closed[i]) << "client " << i;
  }
  EXPECT_EQ(handler_.closes, 2);
}

TEST_F(NetworkTest, DestroyingTheNetworkClosesOpenConnections) {
  StartNetwork();
  std::atomic<bool> served = false;
  bool closed = false;
  std::jthread client([&] {
    if (std::unique_ptr<SyncClient> c = Connect(port_)) {
      served = c->SendServer("ping").ok() && c->Receive().ok();
      if (served) closed = c->WaitClosed();
    }
    client_done_ = true;
  });
  ASSERT_TRUE(RunUntil([&] { return served || client_done_; }));
  ASSERT_TRUE(served);
  EXPECT_EQ(network_->connection_count(), 1u);
  network_.reset();
  EXPECT_EQ(handler_.closes, 1);
  client.join();
  EXPECT_TRUE(closed);
}

TEST_F(NetworkTest, LoopCloseReportsANetworkStillOpen) {
  StartNetwork();
  EXPECT_FALSE(loop_.Close());
  // Once the network is gone, TearDown's Close succeeds.
}

}  // namespace
}  // namespace ggs
