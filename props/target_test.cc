// Tests of the fuzz targets: the child server restarts on its database, and its death is
// reported with the signal that killed it (how `ggs fuzz` tells a crash from a wrong reply).
#include "props/target.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "client/sync_client.h"

namespace ggs::props {
namespace {

std::unique_ptr<ChildServer> StartChild() {
  ChildOptions options;
  options.binary = GGS_BINARY;
  options.games_dir = std::string(GGS_SOURCE_DIR) + "/games";
  Result<std::unique_ptr<ChildServer>> started = ChildServer::Start(options);
  EXPECT_TRUE(started.ok()) << started.status().message();
  return started.ok() ? std::move(started.value()) : nullptr;
}

// Says hello to a new chat table and returns the player token.
std::string NewChatPlayer(const Target& target) {
  Result<std::unique_ptr<SyncClient>> c = SyncClient::Connect(target.host(), target.port());
  EXPECT_TRUE(c.ok());
  if (!c.ok()) return "";
  EXPECT_TRUE(c.value()
                  ->Send(Packet{{{header::kServerCommand, "hello"}, {header::kGame, "chat"}}, ""})
                  .ok());
  Result<Packet> reply = c.value()->Receive();
  EXPECT_TRUE(reply.ok());
  return reply.ok() ? reply->payload.substr(0, 36) : "";
}

bool Resumes(const Target& target, const std::string& token) {
  Result<std::unique_ptr<SyncClient>> c = SyncClient::Connect(target.host(), target.port());
  if (!c.ok()) return false;
  if (!c.value()
           ->Send(Packet{{{header::kServerCommand, "hello"}, {header::kToken, token}}, ""})
           .ok())
    return false;
  Result<Packet> reply = c.value()->Receive();
  return reply.ok() && *reply->Find(header::kClientCommand) == "hello";
}

TEST(ChildServer, RestartKeepsTheDatabaseAndResetStartsAFreshOne) {
  std::unique_ptr<ChildServer> server = StartChild();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->can_restart());
  const std::string token = NewChatPlayer(*server);
  ASSERT_TRUE(server->Restart().ok());
  EXPECT_TRUE(server->Health().ok());
  EXPECT_TRUE(Resumes(*server, token));
  ASSERT_TRUE(server->Reset().ok());
  EXPECT_FALSE(Resumes(*server, token));
}

TEST(ChildServer, HealthNamesTheSignalThatKilledTheServer) {
  std::unique_ptr<ChildServer> server = StartChild();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->Health().ok());
  ASSERT_EQ(kill(server->pid(), SIGSEGV), 0);
  Status health = Status::Ok();
  for (int i = 0; i < 200 && health.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    health = server->Health();
  }
  EXPECT_EQ(health.code(), "crash");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer catches the SIGSEGV itself, reports it, and exits with status 1.
  EXPECT_NE(health.message().find("status 1"), std::string::npos) << health.message();
#else
  EXPECT_NE(health.message().find("signal 11"), std::string::npos) << health.message();
#endif
  // A dead server cannot be restarted cleanly; a reset brings a new one.
  EXPECT_EQ(server->Restart().code(), "crash");
  EXPECT_TRUE(server->Reset().ok());
  EXPECT_TRUE(server->Health().ok());
}

TEST(RemoteServer, CannotRestartAndReportsASilentPort) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  RemoteServer remote("127.0.0.1", port.value());
  EXPECT_FALSE(remote.can_restart());
  EXPECT_FALSE(remote.Restart().ok());
  EXPECT_EQ(remote.Health().code(), "crash");
}

}  // namespace
}  // namespace ggs::props
