// End-to-end tests of `ggs bot-swarm`: a real `ggs serve` with the shipped games, and the
// swarm run as a child process (as CI runs it) or in-process through RunSwarm (as
// `ggs bench` does). They check behaviour and the report's figures, never timing.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <string>
#include <vector>

#include "base/file.h"
#include "bots/json_test_support.h"
#include "bots/swarm.h"
#include "cli/e2e_support.h"
#include "testing/redirector.h"

extern char** environ;

namespace ggs::bots {
namespace {

using nlohmann::json;

std::string ReadAll(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  return text.ok() ? *text : "";
}

class BotSwarmE2eTest : public e2e::E2eTest {
 protected:
  void StartGameServer() { StartServer({"--games", std::string(GGS_SOURCE_DIR) + "/games"}); }

  std::string server() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  std::string path(const std::string& name) const { return file(name); }

  // Runs `ggs bot-swarm <args>` with its output in swarm.out; returns its exit status.
  int RunSwarmCommand(std::vector<std::string> args) {
    args.insert(args.begin(), {GGS_BINARY, "bot-swarm"});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = path("swarm.out");
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, GGS_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string output() const { return ReadAll(path("swarm.out")); }

  // The document in `name`; an empty object (after a failed expectation) when it is not
  // strictly valid JSON.
  json ReadJson(const std::string& name) {
    std::optional<json> doc = test::ParseStrictJson(ReadAll(path(name)));
    EXPECT_TRUE(doc) << "not valid JSON: " << name;
    return doc ? *doc : json::object();
  }
};

TEST_F(BotSwarmE2eTest, PongBotsConnectPlayAndReport) {
  StartGameServer();
  const int rc =
      RunSwarmCommand({"--server", server(), "--game", "pong", "--bots", "20", "--duration", "3",
                       "--json", path("swarm.json"), "--report", path("swarm.html"), "--server-pid",
                       std::to_string(server_->pid())});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("swarm.json");
  EXPECT_EQ(j.at("bots_connected"), 20);
  EXPECT_EQ(j.at("bots_failed"), 0);
  EXPECT_GT(j.at("msgs_in_per_s").get<double>(), 0);
  EXPECT_GT(j.at("msgs_out_per_s").get<double>(), 0);
  EXPECT_GT(j.at("rtt_ms").at("count").get<double>(), 0);
  for (const char* p : {"p50", "p90", "p99", "p999", "max"}) {
    EXPECT_TRUE(j.at("rtt_ms").at(p).is_number()) << p;
  }
  EXPECT_EQ(j.at("errors"), 0) << output();
  EXPECT_EQ(j.at("disconnects"), 0);
  // The bots were seated in pairs and saw their tables' 30 Hz states.
  EXPECT_EQ(j.at("ticks").at("bots"), 20);
  EXPECT_GT(j.at("ticks").at("states_received").get<double>(), 0);
  EXPECT_GT(j.at("ticks_delivered_ratio").get<double>(), 0);
  EXPECT_GT(j.at("ticks_delivered_ratio_wallclock").get<double>(), 0);
  EXPECT_GT(j.at("ticks_delivered_ratio_by_tick_numbers").get<double>(), 0);
  EXPECT_EQ(j.at("server_process").at("pid"), server_->pid());
  EXPECT_GT(j.at("server_process").at("rss_mb").get<double>(), 0);
  EXPECT_TRUE(j.at("series").is_array());
  EXPECT_GT(j.at("series").size(), 0u);
  const std::string html = ReadAll(path("swarm.html"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(output().find("20 connected, 0 failed"), std::string::npos) << output();
}

// --sweep: one run per count against the same server, each reported, and the HTML page
// plots them against the bot count.
TEST_F(BotSwarmE2eTest, ASweepRunsEachCountAndReportsThemSideBySide) {
  StartGameServer();
  const int rc =
      RunSwarmCommand({"--server", server(), "--game", "pong", "--sweep", "4,8", "--duration", "1",
                       "--json", path("sweep.json"), "--report", path("sweep.html"), "--server-pid",
                       std::to_string(server_->pid())});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("sweep.json");
  ASSERT_EQ(j.at("sweep").size(), 2u) << j.dump();
  for (size_t i = 0; i < 2; ++i) {
    const json& run = j.at("sweep").at(i);
    const int bots = i == 0 ? 4 : 8;
    EXPECT_EQ(run.at("bots"), bots);
    EXPECT_EQ(run.at("bots_connected"), bots);
    EXPECT_EQ(run.at("bots_failed"), 0);
    EXPECT_EQ(run.at("ticks").at("bots"), bots);  // Each run's bots played their own tables.
    EXPECT_EQ(run.at("server_process").at("pid"), server_->pid());
  }
  const std::string html = ReadAll(path("sweep.html"));
  for (const char* part :
       {"Ticks delivered", "Ping round trip (measurement window)", "CPU use (measurement window)",
        "<h2>4 bots</h2>", "<h2>8 bots</h2>", "<circle"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  EXPECT_NE(output().find("ggs bot-swarm sweep against"), std::string::npos) << output();
}

TEST_F(BotSwarmE2eTest, NeitherBotsNorSweepIsAUsageError) {
  EXPECT_EQ(RunSwarmCommand({"--server", "127.0.0.1:1"}), 2);
  EXPECT_NE(output().find("--sweep"), std::string::npos) << output();
  EXPECT_NE(RunSwarmCommand({"--server", "127.0.0.1:1", "--bots", "2", "--sweep", "2,4"}), 0);
  EXPECT_NE(output().find("excludes"), std::string::npos) << output();
}

TEST_F(BotSwarmE2eTest, ChurnedBotsResumeWithTheirTokens) {
  StartGameServer();
  const int rc = RunSwarmCommand({"--server", server(), "--bots", "20", "--duration", "4",
                                  "--churn", "0.5", "--seed", "7", "--json", path("churn.json")});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("churn.json");
  EXPECT_EQ(j.at("bots_connected"), 20);
  EXPECT_EQ(j.at("churn_stats").at("drops"), 10);
  EXPECT_EQ(j.at("churn_stats").at("resumes"), 10);
  EXPECT_EQ(j.at("churn_stats").at("resume_failures"), 0);
  EXPECT_EQ(j.at("errors"), 0) << output();
  EXPECT_EQ(j.at("disconnects"), 0);
}

TEST_F(BotSwarmE2eTest, ChatBotsPickNicksAndTalk) {
  StartGameServer();
  const int rc =
      RunSwarmCommand({"--server", server(), "--game", "chat", "--bots", "10", "--duration", "2",
                       "--input-hz", "2", "--json", path("chat.json")});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("chat.json");
  EXPECT_EQ(j.at("bots_connected"), 10);
  EXPECT_EQ(j.at("errors"), 0) << output();  // No nick was refused as invalid.
  // Ten bots at one table, two messages a second each, heard by all ten.
  EXPECT_GT(j.at("game_messages").get<double>(), 100);
}

TEST_F(BotSwarmE2eTest, ChatBotsTalkOverWebSocket) {
  ASSERT_NO_FATAL_FAILURE(
      StartServerWithHttp(dir_->path(), {"--games", std::string(GGS_SOURCE_DIR) + "/games"}));
  const int rc = RunSwarmCommand(
      {"--transport", "ws", "--server", "127.0.0.1:" + std::to_string(http_port_), "--game", "chat",
       "--bots", "10", "--duration", "2", "--input-hz", "2", "--json", path("ws.json")});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("ws.json");
  EXPECT_EQ(j.at("bots_connected"), 10);
  EXPECT_EQ(j.at("errors"), 0) << output();
  EXPECT_GT(j.at("game_messages").get<double>(), 100);
}

TEST_F(BotSwarmE2eTest, BotsThatCannotConnectFailTheRun) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  const int rc = RunSwarmCommand({"--server", "127.0.0.1:" + std::to_string(port.value()), "--bots",
                                  "5", "--duration", "1", "--json", path("fail.json")});
  EXPECT_EQ(rc, 1) << output();
  const json j = ReadJson("fail.json");
  EXPECT_EQ(j.at("bots_failed"), 5);
  EXPECT_EQ(j.at("bots_connected"), 0);
  EXPECT_EQ(j.at("errors_by_code").at("connect_failed"), 5);
  EXPECT_NE(output().find("failed to connect"), std::string::npos) << output();
}

TEST_F(BotSwarmE2eTest, MoreBotsThanFilesIsRefusedBeforeStarting) {
  const int rc = RunSwarmCommand({"--server", "127.0.0.1:1", "--bots", "100000000"});
  EXPECT_EQ(rc, 2) << output();
  EXPECT_NE(output().find("bots fit"), std::string::npos) << output();
}

TEST_F(BotSwarmE2eTest, RunSwarmInProcessReportsEachSecondAndCanBeCancelled) {
  StartGameServer();
  std::atomic<bool> cancel{false};
  std::vector<SeriesPoint> seen;
  SwarmOptions o;
  o.server = server();
  o.bots = 6;
  o.threads = 2;
  o.duration_s = 60;  // Cancelled long before.
  o.cancel = &cancel;
  o.on_second = [&](const SeriesPoint& p) {
    seen.push_back(p);
    if (seen.size() == 2) cancel = true;
  };
  Result<SwarmReport> report = RunSwarm(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_LT(report->window_s, 30);
  EXPECT_EQ(report->stats.bots_connected, 6u);
  EXPECT_EQ(report->stats.errors(), 0u);
  EXPECT_EQ(report->threads, 2);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0].second, 0);
  EXPECT_EQ(seen[1].second, 1);
  EXPECT_EQ(seen[1].connected, 6);
  EXPECT_EQ(report->series.size(), seen.size());
}

TEST_F(BotSwarmE2eTest, BotsFollowRedirectsFromAnyNodeToTheRealServer) {
  StartGameServer();
  Result<std::unique_ptr<Redirector>> redirector = Redirector::Start(server());
  ASSERT_TRUE(redirector.ok()) << redirector.status().message();
  const int rc =
      RunSwarmCommand({"--servers", redirector.value()->address() + "," + server(), "--game",
                       "chat", "--bots", "6", "--duration", "2", "--json", path("redirect.json")});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("redirect.json");
  EXPECT_EQ(j.at("bots_connected"), 6);
  EXPECT_EQ(j.at("errors"), 0) << output();
  // Bots 0, 2 and 4 started at the redirector, which sent each on to the server.
  EXPECT_EQ(j.at("redirects"), 3);
  const std::vector<Packet> hellos = redirector.value()->received();
  ASSERT_EQ(hellos.size(), 3u);
  for (const Packet& hello : hellos) {
    EXPECT_EQ(*hello.Find(header::kGame), "chat");
    EXPECT_EQ(RedirectsOf(hello), 0);
  }
  // Every bot sat at the real server's one chat table, where they heard each other.
  EXPECT_GT(j.at("game_messages").get<double>(), 6 * 2);
  EXPECT_NE(output().find("3 redirects followed"), std::string::npos) << output();
}

TEST_F(BotSwarmE2eTest, BotsFollowRedirectsOverWebSocket) {
  ASSERT_NO_FATAL_FAILURE(
      StartServerWithHttp(dir_->path(), {"--games", std::string(GGS_SOURCE_DIR) + "/games"}));
  const std::string http = "127.0.0.1:" + std::to_string(http_port_);
  Result<std::unique_ptr<Redirector>> redirector =
      Redirector::Start(http, Redirector::Transport::kWebSocket);
  ASSERT_TRUE(redirector.ok()) << redirector.status().message();
  const int rc = RunSwarmCommand({"--transport", "ws", "--servers",
                                  redirector.value()->address() + "," + http, "--game", "chat",
                                  "--bots", "4", "--duration", "2", "--json", path("ws.json")});
  ASSERT_EQ(rc, 0) << output();
  const json j = ReadJson("ws.json");
  EXPECT_EQ(j.at("bots_connected"), 4);
  EXPECT_EQ(j.at("errors"), 0) << output();
  EXPECT_EQ(j.at("redirects"), 2);
  EXPECT_EQ(redirector.value()->received().size(), 2u);
}

TEST_F(BotSwarmE2eTest, ARedirectLoopFailsTheBotsClearly) {
  StartGameServer();
  Result<std::unique_ptr<Redirector>> loop = Redirector::Start("");
  ASSERT_TRUE(loop.ok());
  loop.value()->set_target(loop.value()->address());
  const int rc = RunSwarmCommand({"--server", loop.value()->address(), "--bots", "2", "--duration",
                                  "1", "--json", path("loop.json")});
  EXPECT_EQ(rc, 1) << output();
  const json j = ReadJson("loop.json");
  EXPECT_EQ(j.at("bots_failed"), 2);
  EXPECT_EQ(j.at("errors_by_code").at("too_many_redirects"), 2);
  EXPECT_EQ(loop.value()->received().size(), 8u);  // Each bot's hello, then 3 redirected.
}

// The server dies (SIGKILL) mid-run and comes back on the same port and database: every bot
// resumes its seat with its token and plays on.
TEST_F(BotSwarmE2eTest, BotsResumeAfterTheServerIsKilledAndRestarted) {
  const std::vector<std::string> flags = {"--games", std::string(GGS_SOURCE_DIR) + "/games",
                                          "--reconnect-grace", "60"};
  StartServer(flags);
  const int port = server_->port();
  SwarmOptions o;
  o.server = server();
  o.bots = 6;
  o.duration_s = 7;
  o.reconnect_timeout_s = 15;
  int64_t killed_at = -1;
  o.on_second = [&](const SeriesPoint& p) {
    if (killed_at >= 0 || p.connected < 6) return;
    killed_at = p.second;
    server_->Kill();
    StartServer(flags, port);
  };
  Result<SwarmReport> report = RunSwarm(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_GE(killed_at, 0) << "the bots never all connected";
  const ShardStats& s = report->stats;
  EXPECT_EQ(s.bots_connected, 6u);
  EXPECT_EQ(s.disconnects, 6u);
  EXPECT_EQ(s.reconnects, 6u);
  EXPECT_EQ(s.reconnect_failures, 0u);
  EXPECT_EQ(s.resume_time.count(), 6u);
  EXPECT_EQ(s.errors(), 0u) << SummaryTable(*report);
  // After the restart all six were connected again and their pings were answered.
  bool carried_on = false;
  for (const SeriesPoint& p : report->series) {
    if (p.second > killed_at && p.connected == 6 && p.pongs > 0) carried_on = true;
  }
  EXPECT_TRUE(carried_on) << ReportJson(*report);
  const json j = json::parse(ReportJson(*report));
  EXPECT_EQ(j.at("reconnects"), 6);
  EXPECT_EQ(j.at("reconnect_failures"), 0);
  EXPECT_EQ(j.at("resume_ms").at("count"), 6);
  EXPECT_GT(j.at("resume_ms").at("max").get<double>(), 0);
  EXPECT_NE(SummaryTable(*report).find("6 resumed, 0 failed"), std::string::npos)
      << SummaryTable(*report);
}

TEST_F(BotSwarmE2eTest, HelpTeachesServersAndReconnects) {
  EXPECT_EQ(RunSwarmCommand({"--help"}), 0);
  for (const char* word : {"--servers", "--reconnect-timeout", "redirect", "resumes"}) {
    EXPECT_NE(output().find(word), std::string::npos) << word << "\n" << output();
  }
  EXPECT_NE(RunSwarmCommand({"--server", "127.0.0.1:1", "--servers", "127.0.0.1:2", "--bots", "1"}),
            0);
}

}  // namespace
}  // namespace ggs::bots
