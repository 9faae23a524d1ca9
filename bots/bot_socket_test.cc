// BotSocket against a real `ggs serve`: the server's ping is the simplest request there is.
#include "bots/bot_socket.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "bots/loop_test_support.h"
#include "testing/server_process.h"

namespace ggs::bots {
namespace {

sockaddr_storage Loopback(int port) {
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<uint16_t>(port));
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return storage;
}

std::string Ping(std::string_view payload) {
  return Encode(ServerCommand(command::kPing, std::string(payload)));
}

class BotSocketTest : public test::LoopTest {
 protected:
  static void SetUpTestSuite() {
    db_ = std::filesystem::temp_directory_path() /
          ("ggs-bot-socket-" + std::to_string(getpid()) + ".db");
    auto started =
        ServerProcess::StartServe(GGS_BINARY, {"--db", db_.string(), "--log-level", "warn"});
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started.value()).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_.string() + suffix);
  }

  sockaddr_storage server() const { return Loopback(server_->port()); }
  static uint64_t In(uint64_t us) { return NowUs() + us; }

  static inline ServerProcess* server_ = nullptr;
  static inline std::filesystem::path db_;
};

TEST_F(BotSocketTest, ConnectsWritesAndReadsAPacket) {
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    Status connected = co_await socket.Connect(server(), In(5000000));
    EXPECT_TRUE(connected.ok()) << connected.ToString();
    EXPECT_TRUE(socket.connected());
    EXPECT_TRUE(socket.Write(Ping("abc")).ok());
    Result<Packet> reply = co_await socket.Read(In(5000000));
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (reply.ok()) {
      EXPECT_EQ(*reply->Find(header::kClientCommand), "pong");
      EXPECT_EQ(reply->payload, "abc");
    }
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, ManyPacketsArriveInOrderThroughOneWrite) {
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    EXPECT_TRUE((co_await socket.Connect(server(), In(5000000))).ok());
    std::string burst;
    for (int i = 0; i < 200; ++i) burst += Ping(std::to_string(i));
    EXPECT_TRUE(socket.Write(burst).ok());
    for (int i = 0; i < 200; ++i) {
      Result<Packet> reply = co_await socket.Read(In(5000000));
      EXPECT_TRUE(reply.ok()) << i << ": " << reply.status().ToString();
      if (!reply.ok()) break;
      EXPECT_EQ(reply->payload, std::to_string(i));
    }
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, ReadTimesOutAtItsDeadline) {
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    EXPECT_TRUE((co_await socket.Connect(server(), In(5000000))).ok());
    const uint64_t deadline = In(30000);
    Result<Packet> nothing = co_await socket.Read(deadline);
    EXPECT_TRUE(nothing.status().IsTimeout());
    EXPECT_GE(NowUs(), deadline);
    // The connection is still good after a timeout.
    EXPECT_TRUE(socket.Write(Ping("still")).ok());
    Result<Packet> reply = co_await socket.Read(In(5000000));
    EXPECT_TRUE(reply.ok() && reply->payload == "still");
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, SleepResumesAfterTheDeadline) {
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    const uint64_t deadline = In(20000);
    co_await socket.SleepUntil(deadline);
    EXPECT_GE(NowUs(), deadline);
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, ConnectingToAClosedPortFails) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    Status s = co_await socket.Connect(Loopback(port.value()), In(5000000));
    EXPECT_EQ(s.code(), "connect_failed");
    EXPECT_FALSE(socket.connected());
    EXPECT_TRUE(socket.Write("x").IsClosed());
    Result<Packet> nothing = co_await socket.Read(In(5000000));
    EXPECT_TRUE(nothing.status().IsClosed());
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, APeerThatClosesIsReportedAsClosed) {
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    EXPECT_TRUE((co_await socket.Connect(server(), In(5000000))).ok());
    Packet bye;
    bye.Add(header::kServerCommand, "bye");
    EXPECT_TRUE(socket.Write(Encode(bye)).ok());
    Result<Packet> reply = co_await socket.Read(In(5000000));
    EXPECT_TRUE(reply.ok() && *reply->Find(header::kClientCommand) == "bye");
    Result<Packet> after = co_await socket.Read(In(5000000));
    EXPECT_TRUE(after.status().IsClosed());
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, ClosesAndConnectsAgain) {
  BotSocket socket(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    EXPECT_TRUE((co_await socket.Connect(server(), In(5000000))).ok());
    EXPECT_TRUE(socket.Write(Ping("first")).ok());
    socket.Close();  // Drops the unread reply along with the connection.
    EXPECT_FALSE(socket.connected());
    EXPECT_TRUE((co_await socket.Connect(server(), In(5000000))).ok());
    EXPECT_TRUE(socket.Write(Ping("second")).ok());
    Result<Packet> reply = co_await socket.Read(In(5000000));
    EXPECT_TRUE(reply.ok() && reply->payload == "second");
    socket.Shutdown();
  }());
}

TEST_F(BotSocketTest, DestroyingAnOpenSocketClosesItsHandles) {
  // The loop must still close cleanly (TearDown checks) when a socket dies connected.
  auto socket = std::make_unique<BotSocket>(scheduler_.get());
  RunToCompletion([&]() -> Task<> {
    EXPECT_TRUE((co_await socket->Connect(server(), In(5000000))).ok());
    EXPECT_TRUE(socket->Write(Ping("x")).ok());
  }());
  socket.reset();
}

}  // namespace
}  // namespace ggs::bots
