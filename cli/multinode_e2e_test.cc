// End-to-end tests of a cluster: three `ggs serve --cluster` nodes on loopback sharing one
// real redis-server. A table made on one node is joined through another by redirect; a game
// uploaded on one is playable on the others; a node killed with SIGKILL has its tables
// answer again on a survivor with their state; a node paused with SIGSTOP past its lease
// writes nothing for the tables it lost (checked in Redis after the run); a restart of the
// whole cluster loses nothing.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "base/file.h"
#include "cli/redis_e2e_support.h"
#include "client/http_client.h"
#include "client/ws_client.h"
#include "core/redis_storage.h"

namespace ggs::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kAdminToken[] = "cluster-admin";
constexpr int kLeaseMs = 600;

class MultiNodeTest : public RedisE2eTest {
 protected:
  void TearDown() override {
    nodes_.clear();  // The nodes stop before their Redis.
    RedisE2eTest::TearDown();
  }

  // Starts node `i` (on `port`, or a free one) of the cluster.
  // Starts node `i` (on `port`, or a free one) of the cluster, with `extra` flags.
  void StartNode(size_t i, int port = 0, const std::vector<std::string>& extra = {}) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    std::vector<std::string> args = {
        "--cluster",         redis_->url(), "--lease-ms",         std::to_string(kLeaseMs),
        "--flush-ms",        "20",          "--admin-token",      kAdminToken,
        "--log-level",       "debug",       "--max-table-lag-ms", "0",
        "--event-budget-ms", "5000"};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log_path = file("node" + std::to_string(i) + ".log");
    Result<std::unique_ptr<ServerProcess>> node =
        ServerProcess::StartServe(GGS_BINARY, args, log_path, port);
    ASSERT_TRUE(node.ok()) << node.status().message();
    nodes_[i] = std::move(*node);
  }
  void StartNodes(size_t n) {
    for (size_t i = 0; i < n; ++i) StartNode(i);
  }
  int port(size_t i) const { return nodes_[i]->port(); }
  // The HTTP port of node `i`, started with `--http 127.0.0.1:0`.
  int HttpPort(size_t i) {
    const auto deadline = steady_clock::now() + std::chrono::seconds(10);
    Result<int> port = HttpPortFromLog(file("node" + std::to_string(i) + ".log"));
    while (!port.ok() && steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
      port = HttpPortFromLog(file("node" + std::to_string(i) + ".log"));
    }
    EXPECT_TRUE(port.ok()) << port.status().message();
    return port.ok() ? *port : 0;
  }
  std::string address(size_t i) const { return "127.0.0.1:" + std::to_string(port(i)); }

  static std::unique_ptr<SyncClient> ConnectTo(int port) {
    auto client = SyncClient::Connect("127.0.0.1", port);
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? std::move(client.value()) : nullptr;
  }

  // Says `hello` (with `token`, or `game`, or the table token `table`) on node `i`'s port.
  // Returns the packet that answers it, so that a test sees a redirect as it is.
  static Packet SayHello(SyncClient& c, const std::string& table, const std::string& game,
                         const std::string& token, int redirects = 0) {
    Packet p = ServerCommand(command::kHello, table);
    if (!game.empty()) p.Add(header::kGame, game);
    if (!token.empty()) p.Add(header::kToken, token);
    if (redirects > 0) p.Add(header::kRedirects, std::to_string(redirects));
    EXPECT_TRUE(c.Send(p).ok());
    Result<Packet> reply = c.Receive(5000);
    EXPECT_TRUE(reply.ok()) << reply.status().message();
    return reply.ok() ? *reply : Packet{};
  }

  // Says hello through node `first`, following redirects (SyncClient::SayHello); retries
  // for up to 10 s while a redirect points at a node that does not answer (its lease has not
  // expired yet). The client ends connected where it was seated.
  HelloReply HelloFollowing(size_t first, std::unique_ptr<SyncClient>& c, const std::string& table,
                            const std::string& game, const std::string& token,
                            int* redirects_followed = nullptr) {
    Packet hello = ServerCommand(command::kHello, table);
    if (!game.empty()) hello.Add(header::kGame, game);
    if (!token.empty()) hello.Add(header::kToken, token);
    const auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (steady_clock::now() < deadline) {
      Result<std::unique_ptr<SyncClient>> client =
          SyncClient::Connect("127.0.0.1", port(first), 1000);
      Result<SyncClient::Hello> said =
          client.ok() ? SyncClient::SayHello(std::move(*client), hello, 1000) : client.status();
      if (!said.ok()) {  // A redirect to a dead node: start again from the first.
        std::this_thread::sleep_for(milliseconds(100));
        continue;
      }
      c = std::move(said->client);
      if (redirects_followed) *redirects_followed += said->redirects;
      EXPECT_EQ(ClientCommandOf(said->reply), command::kHello)
          << ErrorCodeOf(said->reply) << ": " << said->reply.payload;
      Result<HelloReply> r = ParseHelloReply(said->reply.payload);
      EXPECT_TRUE(r.ok()) << said->reply.payload;
      return r.ok() ? *r : HelloReply{};
    }
    ADD_FAILURE() << "no node seated the hello within 10 s";
    return {};
  }

  // A notebook table on node `i` with `key_value` written; returns its creator's hello.
  HelloReply NotebookOn(size_t i, std::unique_ptr<SyncClient>& c, const std::string& key_value) {
    c = ConnectTo(port(i));
    HelloReply r = Hello(*c);
    Define(*c, kNotebookGame);
    EXPECT_TRUE(c->SendGame("set", key_value).ok());
    Expect(*c, command::kWorldSet);
    Expect(*c, "ok");
    return r;
  }

  std::string Get(SyncClient& c, const std::string& key) {
    EXPECT_TRUE(c.SendGame("get", key).ok());
    for (int i = 0; i < 20; ++i) {
      Result<Packet> p = c.Receive(5000);
      if (!p.ok()) break;
      if (ClientCommandOf(*p) == "value") return p->payload;
    }
    ADD_FAILURE() << "no value for " << key;
    return "";
  }

  // What Redis holds for table `token`.
  StoredTable Stored(const std::string& token) {
    Result<std::unique_ptr<Storage>> storage = RedisStorage::Open(redis_->url());
    EXPECT_TRUE(storage.ok()) << storage.status().message();
    if (!storage.ok()) return {};
    auto* directory = dynamic_cast<ClusterDirectory*>(storage->get());
    Result<StoredTable> table = directory->LoadTable(token);
    EXPECT_TRUE(table.ok()) << table.status().message();
    return table.ok() ? *table : StoredTable{};
  }
  TableOwner OwnerOf(const std::string& token) {
    Result<std::unique_ptr<Storage>> storage = RedisStorage::Open(redis_->url());
    if (!storage.ok()) return {};
    auto* directory = dynamic_cast<ClusterDirectory*>(storage->get());
    Result<std::vector<TableOwner>> owners = directory->Owners({token});
    return owners.ok() ? (*owners)[0] : TableOwner{};
  }

  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

TEST_F(MultiNodeTest, ATableMadeOnOneNodeIsJoinedThroughAnotherByRedirect) {
  StartNodes(2);
  std::unique_ptr<SyncClient> creator;
  const HelloReply made = NotebookOn(0, creator, "k=v");
  std::this_thread::sleep_for(milliseconds(100));  // Past a flush: the table is in Redis.

  auto c = ConnectTo(port(1));
  Packet reply = SayHello(*c, made.table, "", "");
  ASSERT_EQ(ClientCommandOf(reply), command::kRedirect) << ErrorCodeOf(reply) << reply.payload;
  EXPECT_EQ(reply.payload, address(0));
  EXPECT_TRUE(c->WaitClosed(5000));

  int followed = 0;
  std::unique_ptr<SyncClient> joiner;
  const HelloReply joined = HelloFollowing(1, joiner, made.table, "", "", &followed);
  EXPECT_EQ(followed, 1);
  EXPECT_EQ(joined.table, made.table);
  EXPECT_TRUE(joined.defined);
  EXPECT_EQ(Get(*joiner, "k"), "v/v");
}

// A browser's WebSocket is sent to the owner's HTTP address, not its game port.
TEST_F(MultiNodeTest, AWebSocketPlayerIsRedirectedToTheOwnersHttpAddress) {
  StartNode(0, 0, {"--http", "127.0.0.1:0"});
  StartNode(1, 0, {"--http", "127.0.0.1:0"});
  const int http0 = HttpPort(0);
  const int http1 = HttpPort(1);
  std::unique_ptr<SyncClient> creator;
  const HelloReply made = NotebookOn(0, creator, "k=v");
  std::this_thread::sleep_for(milliseconds(100));

  auto ws = WsClient::Connect("127.0.0.1", http1);
  ASSERT_TRUE(ws.ok()) << ws.status().message();
  ASSERT_TRUE((*ws)->Send(ServerCommand(command::kHello, made.table)).ok());
  Result<Packet> reply = (*ws)->Receive();
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  ASSERT_EQ(ClientCommandOf(*reply), command::kRedirect);
  EXPECT_EQ(reply->payload, "127.0.0.1:" + std::to_string(http0));
  EXPECT_TRUE((*ws)->WaitClosed());

  auto there = WsClient::Connect("127.0.0.1", http0);
  ASSERT_TRUE(there.ok()) << there.status().message();
  Packet hello = ServerCommand(command::kHello, made.table);
  hello.Add(header::kRedirects, "1");
  ASSERT_TRUE((*there)->Send(hello).ok());
  Result<Packet> seated = (*there)->Receive();
  ASSERT_TRUE(seated.ok());
  ASSERT_EQ(ClientCommandOf(*seated), command::kHello) << seated->payload;
  EXPECT_EQ(ParseHelloReply(seated->payload)->table, made.table);

  // Node 1 counted its redirect, and sees both nodes alive.
  Result<HttpResponse> metrics = HttpGet("127.0.0.1", http1, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status().message();
  EXPECT_NE(metrics->body.find("\nggs_redirects_total 1\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("\nggs_cluster_nodes{state=\"alive\"} 2\n"), std::string::npos)
      << metrics->body;
}

TEST_F(MultiNodeTest, AResumeThroughAnotherNodeIsRedirectedToTheOwner) {
  StartNodes(2);
  std::unique_ptr<SyncClient> creator;
  const HelloReply made = NotebookOn(0, creator, "k=v");
  creator.reset();
  std::this_thread::sleep_for(milliseconds(100));

  std::unique_ptr<SyncClient> again;
  int followed = 0;
  const HelloReply resumed = HelloFollowing(1, again, "", "", made.player, &followed);
  EXPECT_EQ(followed, 1);
  EXPECT_EQ(resumed.player, made.player);
  EXPECT_EQ(resumed.table, made.table);
  Expect(*again, "welcome_back");
  EXPECT_EQ(Get(*again, "k"), "v/v");
}

TEST_F(MultiNodeTest, AGameUploadedOnOneNodeIsPlayableOnTheOthers) {
  StartNodes(3);
  auto up = ConnectTo(port(2));
  ASSERT_TRUE(up->SendUpload("notebook", kAdminToken, kNotebookGame).ok());
  Expect(*up, command::kUploaded);

  for (size_t i : {0, 1}) {
    std::unique_ptr<SyncClient> c;
    const HelloReply r = HelloFollowing(i, c, "", "notebook", "");
    EXPECT_TRUE(r.defined);
    ASSERT_TRUE(c->SendGame("set", "n=" + std::to_string(i)).ok());
    Expect(*c, command::kWorldSet);
    Expect(*c, "ok");
  }
  // An unknown game is still an error on every node.
  auto c = ConnectTo(port(0));
  Packet reply = SayHello(*c, "", "nope", "");
  EXPECT_EQ(ErrorCodeOf(reply), error::kNoSuchGame);
}

TEST_F(MultiNodeTest, ALiveUploadThroughOneNodeMovesTheTablesOfTheOthers) {
  StartNodes(2);
  auto up = ConnectTo(port(0));
  ASSERT_TRUE(up->SendUpload("notebook", kAdminToken, kNotebookGame).ok());
  Expect(*up, command::kUploaded);
  // Node 1 holds the table (node 0 has no open table of the game to send it to).
  auto c = ConnectTo(port(1));
  Packet hello = SayHello(*c, "", "notebook", "", 1);
  ASSERT_EQ(ClientCommandOf(hello), command::kHello) << hello.payload;
  ASSERT_TRUE(c->SendGame("set", "k=kept").ok());
  Expect(*c, command::kWorldSet);
  Expect(*c, "ok");
  std::this_thread::sleep_for(milliseconds(100));  // Flushed: the new VM is built from it.

  std::string v2 = kNotebookGame;
  v2.replace(v2.find("GGS.world.getItem(args) + '/'"), 0, "'v2 ' + ");
  ASSERT_TRUE(up->SendUpload("notebook", kAdminToken, v2, /*live=*/true).ok());
  Packet uploaded = Expect(*up, command::kUploaded);
  EXPECT_EQ(uploaded.payload, "notebook,2,0,0");  // Node 0 itself had no table to move.
  // Node 1 moves its table within a look (lease / 3), keeping its state.
  std::string value;
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (steady_clock::now() < deadline && value != "v2 kept/kept") {
    value = Get(*c, "k");
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(value, "v2 kept/kept");
}

TEST_F(MultiNodeTest, AGameHelloIsSentToAnOpenTableOnAnotherNode) {
  StartNodes(2);
  auto up = ConnectTo(port(0));
  ASSERT_TRUE(up->SendUpload("notebook", kAdminToken, kNotebookGame).ok());
  Expect(*up, command::kUploaded);
  std::unique_ptr<SyncClient> first;
  const HelloReply opened = HelloFollowing(0, first, "", "notebook", "");
  // Node 1 learns of the open table from node 0's next published load (every lease / 3).
  std::this_thread::sleep_for(milliseconds(kLeaseMs));
  int followed = 0;
  std::unique_ptr<SyncClient> second;
  const HelloReply joined = HelloFollowing(1, second, "", "notebook", "", &followed);
  EXPECT_EQ(followed, 1);
  EXPECT_EQ(joined.table, opened.table);
}

TEST_F(MultiNodeTest, ANewTableGoesToANodeWithClearlyLessLoad) {
  constexpr char kSolo[] = "var seats = 1; function playerCommand(id, cmd, args) {}";
  StartNodes(2);
  auto up = ConnectTo(port(0));
  ASSERT_TRUE(up->SendUpload("solo", kAdminToken, kSolo).ok());
  Expect(*up, command::kUploaded);
  // Hellos that say they were redirected already are seated where they arrive.
  std::vector<std::unique_ptr<SyncClient>> here(3);
  for (auto& c : here) {
    c = ConnectTo(port(0));
    Packet reply = SayHello(*c, "", "solo", "", 1);
    ASSERT_EQ(ClientCommandOf(reply), command::kHello) << reply.payload;
  }
  std::this_thread::sleep_for(milliseconds(kLeaseMs));  // Both loads published and seen.
  auto c = ConnectTo(port(0));
  Packet reply = SayHello(*c, "", "solo", "");
  ASSERT_EQ(ClientCommandOf(reply), command::kRedirect);
  EXPECT_EQ(reply.payload, address(1));
}

TEST_F(MultiNodeTest, AKilledNodesTablesAnswerOnASurvivorWithTheirState) {
  StartNodes(3);
  std::vector<std::unique_ptr<SyncClient>> creators(4);
  std::vector<HelloReply> made;
  for (size_t t = 0; t < creators.size(); ++t) {
    made.push_back(NotebookOn(0, creators[t], "k=v" + std::to_string(t)));
  }
  std::this_thread::sleep_for(milliseconds(200));  // Past a flush.
  nodes_[0]->Kill();
  creators.clear();

  // Within the lease and a look, the survivors claim every table; each player resumes
  // through either survivor, redirected to wherever its table went.
  for (size_t t = 0; t < made.size(); ++t) {
    std::unique_ptr<SyncClient> c;
    const HelloReply r = HelloFollowing(1 + t % 2, c, "", "", made[t].player);
    EXPECT_EQ(r.table, made[t].table);
    Expect(*c, "welcome_back");
    EXPECT_EQ(Get(*c, "k"), "v" + std::to_string(t) + "/v" + std::to_string(t));
    const TableOwner owner = OwnerOf(made[t].table);
    EXPECT_TRUE(owner.node == address(1) || owner.node == address(2)) << owner.node;
    EXPECT_EQ(owner.epoch, 2u);
  }
}

TEST_F(MultiNodeTest, APausedNodeWritesNothingForTheTablesItLost) {
  StartNodes(2);
  std::unique_ptr<SyncClient> creator;
  const HelloReply made = NotebookOn(0, creator, "k=before");
  std::this_thread::sleep_for(milliseconds(100));

  ASSERT_EQ(kill(nodes_[0]->pid(), SIGSTOP), 0);
  // The creator, unaware, writes to its paused node: the bytes wait in the socket.
  ASSERT_TRUE(creator->SendGame("set", "k=stale").ok());
  // Past the lease, the other node claims the table for a player resuming through it.
  std::this_thread::sleep_for(milliseconds(kLeaseMs * 2));
  std::unique_ptr<SyncClient> c;
  const HelloReply r = HelloFollowing(1, c, "", "", made.player);
  EXPECT_EQ(r.table, made.table);
  Expect(*c, "welcome_back");
  ASSERT_TRUE(c->SendGame("set", "k=after").ok());
  Expect(*c, command::kWorldSet);
  Expect(*c, "ok");

  ASSERT_EQ(kill(nodes_[0]->pid(), SIGCONT), 0);
  // The paused node runs the stale command, its write is refused, and it lets the table go:
  // its client is sent to the new owner.
  bool redirected = false;
  for (int i = 0; i < 20 && !redirected; ++i) {
    Result<Packet> p = creator->Receive(5000);
    if (!p.ok()) break;
    if (ClientCommandOf(*p) == command::kRedirect) {
      redirected = true;
      EXPECT_EQ(p->payload, address(1));
    }
  }
  EXPECT_TRUE(redirected);
  std::this_thread::sleep_for(milliseconds(200));  // Past both nodes' flushes.
  const StoredTable stored = Stored(made.table);
  EXPECT_EQ(stored.world.at("k"), "after");
  EXPECT_EQ(stored.local.at("k"), "after");
  const TableOwner owner = OwnerOf(made.table);
  EXPECT_EQ(owner.node, address(1));
  EXPECT_EQ(owner.epoch, 2u);
}

TEST_F(MultiNodeTest, ANodeThatCannotRenewItsLeaseStopsServingItsTables) {
  StartNodes(1);
  std::unique_ptr<SyncClient> c;
  NotebookOn(0, c, "k=v");
  std::this_thread::sleep_for(milliseconds(100));
  redis_->Stop();  // Every renewal fails from now on.
  // Within two thirds of the lease and a look, the node lets its tables go and closes
  // their players' connections; they would resume once Redis answers.
  EXPECT_TRUE(c->WaitClosed(5000));
  nodes_.clear();
  Result<std::string> log = ReadFile(file("node0.log"));
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("stops serving its 1 tables"), std::string::npos) << *log;
}

TEST_F(MultiNodeTest, ARestartOfTheWholeClusterLosesNothing) {
  StartNodes(2);
  std::unique_ptr<SyncClient> a, b;
  const HelloReply on0 = NotebookOn(0, a, "k=zero");
  const HelloReply on1 = NotebookOn(1, b, "k=one");
  std::this_thread::sleep_for(milliseconds(100));
  a.reset();
  b.reset();
  const int port0 = port(0);
  const int port1 = port(1);
  EXPECT_EQ(nodes_[0]->Stop(), 0);
  EXPECT_EQ(nodes_[1]->Stop(), 0);
  StartNode(0, port0);
  StartNode(1, port1);
  for (const auto& [made, value] : {std::pair{on0, "zero"}, {on1, "one"}}) {
    std::unique_ptr<SyncClient> c;
    const HelloReply r = HelloFollowing(0, c, "", "", made.player);
    EXPECT_EQ(r.table, made.table);
    Expect(*c, "welcome_back");
    EXPECT_EQ(Get(*c, "k"), std::string(value) + "/" + value);
  }
}

// A randomized failover test with fixed seeds. Players on three nodes write to their
// notebook tables through whatever node they are connected to, while nodes are killed and
// restarted on their address, or paused past their lease and resumed. A player whose
// connection breaks, or who is redirected, resumes through a random node. The model is the
// last value each table acknowledged (a node is killed only after a flush interval has
// passed since the last acknowledgement): every read, and Redis at the end, must show it,
// and every table must have exactly one owner, a live node, which lists it.
class FailoverTest : public MultiNodeTest, public ::testing::WithParamInterface<uint32_t> {
 protected:
  struct Seat {
    HelloReply hello;
    std::unique_ptr<SyncClient> client;
  };

  // Sends `command args` on the seat's connection and returns the reply named `reply`;
  // resumes through a random node and sends again whenever the connection breaks or is
  // redirected (set and get are idempotent).
  std::string Ask(Seat& seat, const std::string& command, const std::string& args,
                  const std::string& reply) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      if (seat.client != nullptr && seat.client->SendGame(command, args).ok()) {
        for (int i = 0; i < 20; ++i) {
          Result<Packet> p = seat.client->Receive(5000);
          if (!p.ok()) break;
          if (ClientCommandOf(*p) == reply) return p->payload;
          if (ClientCommandOf(*p) == command::kRedirect) break;
        }
      }
      ++resumes_;
      const size_t via = rng_() % nodes_.size();
      Trace("resume " + seat.hello.player + " via " + address(via));
      const HelloReply again = HelloFollowing(via, seat.client, "", "", seat.hello.player);
      EXPECT_EQ(again.table, seat.hello.table);
    }
    ADD_FAILURE() << "no " << reply << " to " << command << " in 10 attempts";
    return "";
  }

  void Trace(const std::string& line) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    trace_ += std::to_string(std::chrono::duration_cast<milliseconds>(now).count() % 100000) + " " +
              line + "\n";
  }

  std::mt19937 rng_;
  int resumes_ = 0;
  std::string trace_;
};

TEST_P(FailoverTest, EveryAcknowledgedWriteSurvivesKillsAndPauses) {
  rng_.seed(GetParam());
  StartNodes(3);
  std::vector<Seat> seats;
  std::map<std::string, std::string> model;  // Table token -> last acknowledged value.
  int kills = 0;
  int pauses = 0;
  for (int step = 0; step < 30; ++step) {
    const uint32_t dice = rng_() % 100;
    if (seats.size() < 2 || dice < 20) {
      Seat seat;
      const size_t on = rng_() % nodes_.size();
      seat.hello = NotebookOn(on, seat.client, "k=0");
      Trace("new table " + seat.hello.table + " on " + address(on));
      model[seat.hello.table] = "0";
      seats.push_back(std::move(seat));
    } else if (dice < 55) {
      Seat& seat = seats[rng_() % seats.size()];
      const std::string value = std::to_string(step);
      Ask(seat, "set", "k=" + value, "ok");
      model[seat.hello.table] = value;
      Trace("set " + value + " at " + seat.hello.table);
    } else if (dice < 80) {
      Seat& seat = seats[rng_() % seats.size()];
      EXPECT_EQ(Ask(seat, "get", "k", "value"),
                model[seat.hello.table] + "/" + model[seat.hello.table])
          << "step " << step;
    } else if (dice < 92) {
      const size_t victim = rng_() % nodes_.size();
      std::this_thread::sleep_for(milliseconds(100));  // Every acknowledged write flushed.
      const int at = port(victim);
      nodes_[victim]->Kill();
      Trace("killed " + address(victim));
      StartNode(victim, at);
      ++kills;
    } else {
      const size_t victim = rng_() % nodes_.size();
      // Writes acknowledged but not flushed are lost with the table, as in a crash.
      std::this_thread::sleep_for(milliseconds(100));
      ASSERT_EQ(kill(nodes_[victim]->pid(), SIGSTOP), 0);
      Trace("paused " + address(victim));
      std::this_thread::sleep_for(milliseconds(kLeaseMs * 2));  // The others take over.
      ASSERT_EQ(kill(nodes_[victim]->pid(), SIGCONT), 0);
      Trace("resumed " + address(victim));
      ++pauses;
    }
  }
  for (Seat& seat : seats) {
    EXPECT_EQ(Ask(seat, "get", "k", "value"),
              model[seat.hello.table] + "/" + model[seat.hello.table]);
  }
  std::this_thread::sleep_for(milliseconds(200));  // Past every node's flush.
  // Redis holds every table's last value, and one live owner that lists it.
  std::set<std::string> alive;
  for (size_t i = 0; i < nodes_.size(); ++i) alive.insert(address(i));
  Result<std::unique_ptr<Storage>> storage = RedisStorage::Open(redis_->url());
  ASSERT_TRUE(storage.ok());
  auto* directory = static_cast<RedisStorage*>(storage->get());
  std::map<std::string, int> listed;
  for (const std::string& node : alive) {
    Result<std::vector<std::string>> owned = directory->OwnedBy(node);
    ASSERT_TRUE(owned.ok());
    for (const std::string& token : *owned) ++listed[token];
  }
  for (const auto& [token, value] : model) {
    const StoredTable stored = Stored(token);
    EXPECT_EQ(stored.world.at("k"), value);
    EXPECT_EQ(stored.local.at("k"), value);
    const TableOwner owner = OwnerOf(token);
    EXPECT_TRUE(alive.contains(owner.node)) << owner.node;
    EXPECT_EQ(listed[token], 1) << token;
  }
  if (HasFailure()) std::cerr << "steps:\n" << trace_;
  RecordProperty("kills", kills);
  RecordProperty("pauses", pauses);
  RecordProperty("resumes", resumes_);
}

INSTANTIATE_TEST_SUITE_P(Seeds, FailoverTest, ::testing::Values(1u, 2u, 3u, 4u, 5u));

}  // namespace
}  // namespace ggs::e2e
