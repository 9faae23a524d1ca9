// End-to-end tests of `ggs serve`'s defences against abuse (issue 13): junk is refused at
// once, squatters are timed out, one address cannot hold every slot, and a flooder is rate
// limited while its neighbours are still served. A real server on a loopback port, with
// short limits so that the tests are quick; they check what clients hear, never how long
// it took.
#include <chrono>
#include <random>
#include <thread>

#include "cli/e2e_support.h"

namespace ggs::e2e {
namespace {

class LimitsTest : public E2eTest {
 protected:
  // Pings on `c` and expects the pong: the server still serves it.
  static void ExpectServed(SyncClient& c, const std::string& payload) {
    ASSERT_TRUE(c.SendServer(command::kPing, payload).ok());
    EXPECT_EQ(Expect(c, command::kPong).payload, payload);
  }
  // A connection that is answered once the server has seen earlier ones close: the port
  // probe of ServerProcess and closed test clients count until then.
  std::unique_ptr<SyncClient> ConnectServed() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto c = Connect();
      if (c && c->SendServer(command::kPing, "in").ok()) {
        Result<Packet> p = c->Receive();
        if (p.ok() && ClientCommandOf(*p) == command::kPong) return c;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no connection was served";
    return nullptr;
  }
};

TEST_F(LimitsTest, JunkIsAnsweredMalformedAtOnceWithoutABlankLine) {
  StartServer();
  auto bystander = Connect();
  auto line = Connect();
  ASSERT_TRUE(line->SendRaw("garbage\n").ok());
  ExpectError(*line, error::kMalformed);
  EXPECT_TRUE(line->WaitClosed());
  std::mt19937 rng(13);
  for (int round = 0; round < 5; ++round) {
    std::string junk;
    for (int i = 0; i < 2048; ++i) junk.push_back(static_cast<char>(rng()));
    auto c = Connect();
    // The server may close before it has read everything; the reply is what counts.
    (void)c->SendRaw(junk);
    ExpectError(*c, error::kMalformed);
    EXPECT_TRUE(c->WaitClosed());
  }
  ExpectServed(*bystander, "unharmed");
}

TEST_F(LimitsTest, AConnectionThatDoesNotSayHelloInTimeIsClosed) {
  StartServer({"--hello-timeout", "1000"});
  auto player = Connect();
  Hello(*player);
  auto silent = Connect();
  ExpectError(*silent, error::kTimeout);
  EXPECT_TRUE(silent->WaitClosed());
  // A ping is no hello: a connection that only pings is timed out too.
  auto pinger = Connect();
  ExpectServed(*pinger, "p");
  ExpectError(*pinger, error::kTimeout);
  EXPECT_TRUE(pinger->WaitClosed());
  ExpectServed(*player, "still here");
}

// An operator's live upload may take longer than the hello deadline (it answers once every
// running table has moved): its connection waits for the answer, not for a hello.
TEST_F(LimitsTest, ALiveUploadOutlastsTheHelloDeadline) {
  StartServer({"--hello-timeout", "200", "--admin-token", "tok"});
  // restored() takes about half a second, so moving the one running table does too.
  const std::string slow =
      "var seats = 1;\n"
      "function restored() { var end = Date.now() + 500; while (Date.now() < end) {} }\n"
      "function playerCommand(id, c, a) { GGS.sendCommand(id, 'v', a); }\n";
  auto admin = Connect();
  ASSERT_TRUE(admin->SendUpload("slow", "tok", slow).ok());
  Expect(*admin, command::kUploaded);
  auto player = Connect();
  Hello(*player, "", "slow");
  auto uploader = Connect();
  ASSERT_TRUE(uploader->SendUpload("slow", "tok", slow, true).ok());
  EXPECT_EQ(Expect(*uploader, command::kUploaded).payload, "slow,2,1,0");
  ExpectServed(*player, "after");
}

TEST_F(LimitsTest, SquattersSendingAByteAtATimeAreClosed) {
  StartServer({"--packet-timeout", "500", "--hello-timeout", "0"});
  auto player = Connect();
  Hello(*player);
  // 20 squatters dribble a packet one byte every 100 ms, never finishing it.
  const std::string dribble = "Server-Command: ping\nX-Padding: " + std::string(200, 'a');
  std::vector<std::unique_ptr<SyncClient>> squatters;
  for (int i = 0; i < 20; ++i) squatters.push_back(Connect());
  std::vector<std::string> heard(squatters.size());
  for (size_t sent = 0; sent < dribble.size(); ++sent) {
    bool all_heard = true;
    for (size_t i = 0; i < squatters.size(); ++i) {
      if (!heard[i].empty()) continue;
      all_heard = false;
      if (Result<Packet> p = squatters[i]->Receive(1); p.ok()) {
        heard[i] = std::string(ErrorCodeOf(*p));
        EXPECT_TRUE(squatters[i]->WaitClosed());
      } else {
        (void)squatters[i]->SendRaw(dribble.substr(sent, 1));
      }
    }
    if (all_heard) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const std::string& code : heard) EXPECT_EQ(code, error::kTimeout);
  // A whole packet resets nothing for the squatters but is never late itself.
  ExpectServed(*player, "unharmed");
}

TEST_F(LimitsTest, AnIdleConnectionIsClosedOnlyWithTheIdleTimeout) {
  StartServer({"--idle-timeout", "1000"});
  auto idle = Connect(), busy = Connect();
  Hello(*idle);
  Hello(*busy);
  // The busy one keeps talking (every 100 ms) until the idle one is closed.
  Result<Packet> heard = Status::Error("none", "");
  for (int i = 0; i < 100; ++i) {
    ExpectServed(*busy, std::to_string(i));
    heard = idle->Receive(100);
    if (heard.ok() || !heard.status().IsTimeout()) break;
  }
  ASSERT_TRUE(heard.ok()) << heard.status().ToString();
  EXPECT_EQ(ErrorCodeOf(*heard), error::kTimeout);
  EXPECT_TRUE(idle->WaitClosed());
  ExpectServed(*busy, "still here");
}

TEST_F(LimitsTest, OneAddressHoldsAtMostItsShareOfConnections) {
  StartServer({"--max-connections-per-ip", "3"});
  std::vector<std::unique_ptr<SyncClient>> held;
  for (int i = 0; i < 3; ++i) held.push_back(ConnectServed());
  auto fourth = Connect();
  ExpectError(*fourth, error::kTooManyConnections);
  EXPECT_TRUE(fourth->WaitClosed());
  for (auto& c : held) ExpectServed(*c, "held");
  held.pop_back();
  auto again = ConnectServed();  // The freed slot is usable again.
  ASSERT_NE(again, nullptr);
}

TEST_F(LimitsTest, AFlooderIsRateLimitedAndItsNeighbourIsStillServed) {
  StartServer({"--max-commands-per-s", "20"});
  auto neighbour = Connect(), flooder = Connect();
  ExpectServed(*neighbour, "before");
  // 20000 pings in one write: far over 20 per second, and far over one loop turn's budget.
  constexpr int kFlood = 20000;
  std::string flood;
  for (int i = 0; i < kFlood; ++i) flood += Encode(ServerCommand(command::kPing, "f"));
  ASSERT_TRUE(flooder->SendRaw(flood).ok());
  ExpectServed(*neighbour, "during");
  int pongs = 0, limited = 0;
  for (int i = 0; i < kFlood; ++i) {
    Result<Packet> p = flooder->Receive();
    ASSERT_TRUE(p.ok()) << "reply " << i << ": " << p.status().ToString();
    pongs += ClientCommandOf(*p) == command::kPong;
    limited += ErrorCodeOf(*p) == error::kRateLimited;
  }
  EXPECT_EQ(pongs + limited, kFlood) << "every command is answered one way or the other";
  EXPECT_GE(pongs, 20);  // The first second's burst.
  EXPECT_GE(limited, 1);
  // rate_limited drops the command, not the connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // Earn a token back.
  ExpectServed(*flooder, "after");
}

// An overloaded game sheds input instead of queueing it: a command that arrives while its
// table is more than --max-table-lag-ms behind is answered table_busy and dropped, and the
// table takes commands again once it has caught up.
TEST_F(LimitsTest, ACommandToATableFarBehindIsAnsweredBusy) {
  StartServer({"--max-table-lag-ms", "100"});
  auto c = Connect();
  Hello(*c);
  Define(*c,
         "var seats = 1;\n"
         "function playerCommand(id, c, a) {\n"
         "  if (c === 'slow') { var end = Date.now() + 100; while (Date.now() < end) {} }\n"
         "  GGS.sendCommand(id, 'done', a);\n"
         "}\n");
  // Five slow commands at once: about half a second of work, so the table is some 250 ms
  // behind when the next one arrives.
  std::string burst;
  for (int i = 0; i < 5; ++i) burst += Encode(GameCommand("slow", std::to_string(i)));
  ASSERT_TRUE(c->SendRaw(burst).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  ASSERT_TRUE(c->SendGame("quick", "dropped").ok());
  int done = 0, busy = 0;
  for (int i = 0; i < 6; ++i) {
    Result<Packet> p = c->Receive(5000);
    ASSERT_TRUE(p.ok()) << "reply " << i << ": " << p.status().ToString();
    if (ClientCommandOf(*p) == "done") {
      EXPECT_NE(p->payload, "dropped");
      ++done;
    }
    busy += ErrorCodeOf(*p) == error::kTableBusy;
  }
  EXPECT_EQ(done, 5);
  EXPECT_EQ(busy, 1);
  ASSERT_TRUE(c->SendGame("quick", "taken").ok());
  EXPECT_EQ(Expect(*c, "done").payload, "taken");
}

}  // namespace
}  // namespace ggs::e2e
