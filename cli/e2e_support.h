// Test support for end-to-end tests: a real `ggs serve` child on a loopback port, and
// blocking clients with expectation helpers. Test-only; included by *_e2e_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/server_process.h"
#include "core/sync_client.h"

namespace ggs::e2e {

struct HelloReply {
  std::string player;
  bool defined = false;
  std::string table;
};

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
    auto started = ServerProcess::Start(GGS_BINARY, args, log());
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
    const std::string* got = p->Find("Client-Command");
    EXPECT_TRUE(got && *got == command)
        << "expected " << command << ", got " << (got ? *got : "?") << " payload " << p->payload
        << (p->Find("Error-Code") ? " code " + *p->Find("Error-Code") : "");
    return p.value();
  }

  // Receives the next packet and checks that it is an error with `code`.
  static Packet ExpectError(SyncClient& c, const std::string& code) {
    Packet p = Expect(c, "error");
    const std::string* got = p.Find("Error-Code");
    EXPECT_TRUE(got && *got == code) << "expected error " << code << ", got "
                                     << (got ? *got : "none") << ": " << p.payload;
    return p;
  }

  static HelloReply Hello(SyncClient& c, const std::string& table = "", const std::string& game = "",
                          const std::string& token = "") {
    Packet p;
    p.Add("Server-Command", "hello");
    if (!game.empty()) p.Add("Game", game);
    if (!token.empty()) p.Add("Token", token);
    p.payload = table;
    EXPECT_TRUE(c.Send(p).ok());
    Packet reply = Expect(c, "hello");
    HelloReply r;
    const size_t a = reply.payload.find(',');
    const size_t b = reply.payload.find(',', a + 1);
    EXPECT_NE(b, std::string::npos) << reply.payload;
    if (b == std::string::npos) return r;
    r.player = reply.payload.substr(0, a);
    r.defined = reply.payload.substr(a + 1, b - a - 1) == "true";
    r.table = reply.payload.substr(b + 1);
    return r;
  }

  static void Define(SyncClient& c, const std::string& source) {
    ASSERT_TRUE(c.SendServer("define", source).ok());
    Expect(c, "defined");
  }

  std::filesystem::path dir_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace ggs::e2e
