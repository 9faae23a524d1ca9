// Test support for end-to-end tests: a real `ggs serve` child on a loopback port, and
// blocking clients with expectation helpers. Test-only; included by *_e2e_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/sync_client.h"
#include "core/protocol.h"
#include "testing/server_process.h"
#include "testing/temp_dir.h"

namespace ggs::e2e {

// A notebook game for the durability and cluster tests: each `set k=v` writes k=v to both
// namespaces and answers `ok`; `get k` answers `value` "world/localStorage"; a resumed
// player hears `welcome_back`.
inline constexpr char kNotebookGame[] = R"JS(
var seats = 4;
function playerResumed(id) { GGS.sendCommand(id, 'welcome_back', String(id)); }
function playerCommand(id, cmd, args) {
  var kv = args.split('=');
  if (cmd === 'set') {
    GGS.world.setItem(kv[0], kv[1]);
    GGS.localStorage.setItem(kv[0], kv[1]);
    return GGS.sendCommand(id, 'ok', '');
  }
  if (cmd === 'get') {
    return GGS.sendCommand(id, 'value', GGS.world.getItem(args) + '/' + GGS.localStorage.getItem(args));
  }
}
)JS";

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info->name();  // "Test/0" for a parameterized test.
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = std::make_unique<TempDir>("ggs-e2e-" + name);
    ASSERT_TRUE(dir_->ok()) << dir_->error();
  }
  void TearDown() override {
    server_.reset();
    if (HasFailure()) dir_->Keep();  // The database and the server's log, for a post-mortem.
  }

  std::string file(const std::string& name) const { return dir_->File(name); }
  std::string db() const { return file("ggs.db"); }
  std::string log() const { return file("server.log"); }

  // Starts ggs serve on this test's database (or cluster_) with `extra` flags, on a free
  // port or on `port`.
  void StartServer(std::vector<std::string> extra = {}, int port = 0) {
    std::vector<std::string> args = {"--log-level", "debug", "--flush-ms", "20"};
    if (cluster_.empty()) {
      args.insert(args.end(), {"--db", db()});
    } else {
      args.insert(args.end(), {"--cluster", cluster_});
    }
    // A machine busy with parallel tests may stall a worker for a while; only the tests of
    // the budget itself set a short one.
    if (std::find(extra.begin(), extra.end(), "--event-budget-ms") == extra.end()) {
      args.insert(args.end(), {"--event-budget-ms", "5000"});
    }
    // Likewise, a table that fell behind on a busy machine must not shed the commands of a
    // test of something else; only the test of the lag limit sets one.
    if (std::find(extra.begin(), extra.end(), "--max-table-lag-ms") == extra.end()) {
      args.insert(args.end(), {"--max-table-lag-ms", "0"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto started = ServerProcess::StartServe(GGS_BINARY, args, log(), port);
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started.value());
  }

  // Starts ggs serve as StartServer does, with its HTTP listener on a free port (http_port_)
  // serving `web_dir`.
  void StartServerWithHttp(const std::string& web_dir, std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--http", "127.0.0.1:0", "--web", web_dir});
    StartServer(extra);
    if (!server_) return;
    // The line is logged right after the game port opens.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    Result<int> port = HttpPortFromLog(log());
    while (!port.ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      port = HttpPortFromLog(log());
    }
    ASSERT_TRUE(port.ok()) << port.status().message();
    http_port_ = *port;
  }

  std::unique_ptr<SyncClient> Connect() {
    auto client = SyncClient::Connect("127.0.0.1", server_->port());
    EXPECT_TRUE(client.ok()) << client.status().message();
    return client.ok() ? std::move(client.value()) : nullptr;
  }

  // Receives the next packet and checks its Client-Command.
  static Packet Expect(SyncClient& c, const std::string& command, int timeout_ms = 5000) {
    Result<Packet> p = c.Receive(timeout_ms);
    EXPECT_TRUE(p.ok()) << "waiting for " << command << ": " << p.status().message();
    if (!p.ok()) return {};
    EXPECT_EQ(ClientCommandOf(*p), command)
        << "payload " << p->payload << " error code " << ErrorCodeOf(*p);
    return p.value();
  }

  // Receives the next packet and checks that it is an error with `code`.
  static Packet ExpectError(SyncClient& c, const std::string& code) {
    Packet p = Expect(c, command::kError);
    EXPECT_EQ(ErrorCodeOf(p), code) << p.payload;
    return p;
  }

  static HelloReply Hello(SyncClient& c, const std::string& table = "",
                          const std::string& game = "", const std::string& token = "") {
    Packet p = ServerCommand(command::kHello, table);
    if (!game.empty()) p.Add(header::kGame, game);
    if (!token.empty()) p.Add(header::kToken, token);
    EXPECT_TRUE(c.Send(p).ok());
    Result<HelloReply> r = ParseHelloReply(Expect(c, command::kHello).payload);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : HelloReply{};
  }

  static void Define(SyncClient& c, const std::string& source) {
    ASSERT_TRUE(c.SendServer(command::kDefine, source).ok());
    Expect(c, command::kDefined);
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
  int http_port_ = 0;
  std::string cluster_;  // When set (redis://...), StartServer passes --cluster instead of --db.
};

}  // namespace ggs::e2e
