// Test support for end-to-end tests: a real `ggs serve` child on a loopback port, and
// blocking clients with expectation helpers. Test-only; included by *_e2e_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "client/sync_client.h"
#include "core/protocol.h"
#include "testing/server_process.h"

namespace ggs::e2e {

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ggs-e2e-" + std::to_string(getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }

  std::string db() const { return (dir_ / "ggs.db").string(); }
  std::string log() const { return (dir_ / "server.log").string(); }

  // Starts ggs serve on this test's database with `extra` flags.
  void StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--db", db(), "--log-level", "debug", "--flush-ms", "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto started = ServerProcess::StartServe(GGS_BINARY, args, log());
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(started.value());
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

  std::filesystem::path dir_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace ggs::e2e
