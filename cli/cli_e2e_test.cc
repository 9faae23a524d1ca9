// End-to-end tests of the ggs command line itself: `ggs upload` against a real server,
// `ggs serve --config`, and the help texts.
#include <sys/wait.h>

#include <cstdio>

#include "base/file.h"
#include "cli/e2e_support.h"

namespace ggs::e2e {
namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr together.
};

Outcome RunGgs(const std::string& args) {
  Outcome r;
  const std::string command = std::string(GGS_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class CliTest : public E2eTest {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = file(name);
    EXPECT_TRUE(WriteFile(path, text).ok()) << path;
    return path;
  }
};

constexpr char kGame[] = "function playerCommand(id, c, a) { GGS.sendCommand(id, 'echo', a); }\n";

TEST_F(CliTest, UploadPrintsTheNewVersionAndTheGameIsPlayable) {
  StartServer({"--admin-token", "tok"});
  const std::string file = Write("echo.js", kGame);
  const std::string server = "--server 127.0.0.1:" + std::to_string(server_->port());
  Outcome first = RunGgs("upload " + file + " --name echo --admin-token tok " + server);
  EXPECT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("uploaded echo version 1"), std::string::npos) << first.output;
  Outcome second = RunGgs("upload " + file + " --name echo --admin-token tok " + server);
  EXPECT_NE(second.output.find("version 2"), std::string::npos) << second.output;
  auto c = Connect();
  EXPECT_TRUE(Hello(*c, "", "echo").defined);
  ASSERT_TRUE(c->SendGame("say", "hi").ok());
  EXPECT_EQ(Expect(*c, "echo").payload, "hi");
}

TEST_F(CliTest, UploadWithoutTheTokenFailsWithAClearMessage) {
  StartServer({"--admin-token", "tok"});
  const std::string file = Write("echo.js", kGame);
  const std::string server = "--server 127.0.0.1:" + std::to_string(server_->port());
  Outcome r = RunGgs("upload " + file + " --name echo " + server);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("unauthorized"), std::string::npos) << r.output;
}

TEST_F(CliTest, UploadOfABrokenScriptPrintsTheSyntaxError) {
  StartServer({"--admin-token", "tok"});
  const std::string file = Write("bad.js", "function playerCommand(id, c, a) {\n  var = 3;\n}\n");
  const std::string server = "--server 127.0.0.1:" + std::to_string(server_->port());
  Outcome r = RunGgs("upload " + file + " --name bad --admin-token tok " + server);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("define_failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(":2"), std::string::npos) << "the line number: " << r.output;
}

TEST_F(CliTest, UploadToNoServerFailsClearly) {
  const std::string file = Write("echo.js", kGame);
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  Outcome r =
      RunGgs("upload " + file + " --name echo --server 127.0.0.1:" + std::to_string(port.value()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("connect"), std::string::npos) << r.output;
}

// The shipped chat, and version 2 of it: messages carry a marker.
std::string ChatV2() {
  Result<std::string> chat = ReadFile(std::string(GGS_SOURCE_DIR) + "/games/chat/chat.js");
  EXPECT_TRUE(chat.ok());
  return (chat.ok() ? *chat : std::string()) +
         "var oldSay = say;\n"
         "say = function (id, text) { oldSay(id, '[v2] ' + text); };\n"
         "COMMANDS.message = say;\n";
}

TEST_F(CliTest, ALiveUploadMovesARunningChatWithoutADisconnect) {
  StartServer({"--admin-token", "tok", "--games", std::string(GGS_SOURCE_DIR) + "/games"});
  auto alice = Connect();
  auto bob = Connect();
  const HelloReply room = Hello(*alice, "", "chat");
  ASSERT_EQ(Hello(*bob, "", "chat").table, room.table);
  Expect(*alice, "notice");  // guest1 joined
  Expect(*alice, "notice");  // guest2 joined
  Expect(*bob, "notice");
  ASSERT_TRUE(alice->SendGame("nick", "alice").ok());
  Expect(*alice, "notice");
  Expect(*bob, "notice");

  const std::string v2 = Write("chat2.js", ChatV2());
  const std::string server = "--server 127.0.0.1:" + std::to_string(server_->port());
  Outcome r = RunGgs("upload " + v2 + " --name chat --live --admin-token tok " + server);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("uploaded chat version 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("moved 1 running tables to version 2"), std::string::npos) << r.output;

  // Same connections, same nicknames, new code.
  ASSERT_TRUE(bob->SendGame("message", "hi").ok());
  EXPECT_EQ(Expect(*alice, "message").payload, "guest2: [v2] hi");
  EXPECT_EQ(Expect(*bob, "message").payload, "guest2: [v2] hi");
  ASSERT_TRUE(alice->SendGame("message", "yo").ok());
  EXPECT_EQ(Expect(*bob, "message").payload, "alice: [v2] yo");
}

// A one-seat game whose version 2 refuses to load at a table whose world says so.
constexpr char kSolo[] = R"JS(
var seats = 1;
function playerCommand(id, c, a) {
  if (c === 'set') GGS.world.setItem('k', a);
  else GGS.sendCommand(id, 'v1', a);
}
)JS";
constexpr char kSoloV2[] = R"JS(
var seats = 1;
if (GGS.world.getItem('k') === 'refuse') throw new Error('this table stays on version 1');
function playerCommand(id, c, a) { GGS.sendCommand(id, 'v2', a); }
)JS";

TEST_F(CliTest, ALiveUploadListsTheTablesThatRefuseIt) {
  StartServer({"--admin-token", "tok"});
  const std::string server = "--server 127.0.0.1:" + std::to_string(server_->port());
  ASSERT_EQ(RunGgs("upload " + Write("solo.js", kSolo) + " --name solo --admin-token tok " + server)
                .status,
            0);
  auto willing = Connect();
  auto stubborn = Connect();
  Hello(*willing, "", "solo");
  const HelloReply refusing = Hello(*stubborn, "", "solo");
  ASSERT_TRUE(stubborn->SendGame("set", "refuse").ok());
  Expect(*stubborn, "world_set");

  Outcome r = RunGgs("upload " + Write("solo2.js", kSoloV2) +
                     " --name solo --live --admin-token tok " + server);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("moved 1 running tables"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 tables refused it"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(refusing.table + " define_failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stays on version 1"), std::string::npos) << r.output;

  ASSERT_TRUE(willing->SendGame("x", "a").ok());
  Expect(*willing, "v2");
  ASSERT_TRUE(stubborn->SendGame("x", "b").ok());
  Expect(*stubborn, "v1");
}

// An upload whose top level never ends costs a worker its life, not the server.
TEST_F(CliTest, AnUploadThatNeverLoadsIsStoppedByTheBudget) {
  StartServer({"--admin-token", "tok", "--event-budget-ms", "200"});
  auto neighbour = Connect();
  Hello(*neighbour);
  Define(*neighbour, kGame);
  const std::string server = "--server 127.0.0.1:" + std::to_string(server_->port());
  Outcome r = RunGgs("upload " + Write("loop.js", "while (true) {}\n") +
                     " --name loop --admin-token tok " + server);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("script_timeout"), std::string::npos) << r.output;
  ASSERT_TRUE(neighbour->SendGame("say", "still here").ok());
  EXPECT_EQ(Expect(*neighbour, "echo").payload, "still here");
}

TEST_F(CliTest, ServeReadsAConfigFile) {
  const std::string config =
      Write("ggs.toml", "[serve]\nadmin-token = \"fromfile\"\nmax-payload = 2048\n");
  StartServer({"--config", config});
  auto c = Connect();
  ASSERT_TRUE(c->SendUpload("echo", "fromfile", kGame).ok());
  Expect(*c, "uploaded");
  ASSERT_TRUE(c->SendRaw("Server-Command: ping\nContent-Length: 4096\n\n").ok());
  ExpectError(*c, "payload_too_large");
}

TEST_F(CliTest, ServeRejectsBadFlagsBeforeStarting) {
  Outcome r = RunGgs("serve --listen nowhere --db " + db());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("HOST:PORT"), std::string::npos) << r.output;
  Outcome level = RunGgs("serve --log-level loud --db " + db());
  EXPECT_EQ(level.status, 2);
  const std::string config = Write("bad.toml", "[serve]\nmax-payloads = 1\n");
  Outcome typo = RunGgs("serve --config " + config + " --db " + db());
  EXPECT_NE(typo.status, 0);
  EXPECT_NE(typo.output.find("max-payloads"), std::string::npos) << typo.output;
}

TEST_F(CliTest, HelpTeachesEveryServeFlag) {
  Outcome r = RunGgs("serve --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag :
       {"--listen", "--db", "--games", "--max-connections", "--max-header", "--max-payload",
        "--table-memory", "--flush-ms", "--reconnect-grace", "--admin-token", "--config",
        "--log-level", "--http", "--web", "--http-max-header", "--http-max-body"}) {
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
  }
}

TEST(ServeClusterFlagTest, ABadUrlIsAUsageError) {
  Outcome r = RunGgs("serve --listen 127.0.0.1:0 --cluster http://127.0.0.1:6379");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--cluster"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("redis://HOST:PORT"), std::string::npos) << r.output;
}

TEST(ServeClusterFlagTest, AnUnreachableRedisEndsTheStartWithTheReason) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  const std::string url = "redis://127.0.0.1:" + std::to_string(*port);
  Outcome r = RunGgs("serve --listen 127.0.0.1:0 --cluster " + url);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("cannot reach Redis at " + url), std::string::npos) << r.output;
}

TEST(ServeClusterFlagTest, ClusterAndDbExcludeEachOther) {
  Outcome r = RunGgs("serve --db x.db --cluster redis://127.0.0.1:1");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ggs::e2e
