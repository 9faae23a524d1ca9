// Tests of a whole Server in this process: its loop runs on the test thread, a blocking
// SyncClient plays on a second thread, and the metrics are read on the loop thread while the
// client is still connected. Every wait is bounded; no test measures time.
//
// Once the --http listener serves GET /metrics, Scrape() becomes an HTTP request from the
// client thread, and the rest of the test stays as it is.
#include "core/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "client/sync_client.h"
#include "core/protocol.h"
#include "testing/metrics_sample.h"
#include "testing/temp_dir.h"

namespace ggs {
namespace {

constexpr uint64_t kWatchdogMs = 10000;  // Longer than any test should take.

constexpr char kEcho[] = R"JS(
var seats = 2;
function playerCommand(id, c, a) {
  if (c === 'spin') for (;;) {}
  GGS.sendCommand(id, 'echo', a);
}
)JS";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok()) << dir_.error();
    options_.port = 0;
    options_.db_path = dir_.File("ggs.db");
  }
  // Starts the server with options_, and game "echo" installed.
  void StartServer() {
    server_ = std::make_unique<Server>(options_);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_TRUE(server_->coordinator().InstallGame("echo", kEcho).ok());
  }

  // Runs the server until `play` (on a client thread, given a client connected to the server
  // and a function that returns the metrics text) returns, then stops it.
  using Scrape = std::function<std::string()>;
  void Play(const std::function<void(SyncClient& client, const Scrape& scrape)>& play) {
    std::atomic<bool> wanted = false;
    std::atomic<bool> done = false;
    std::atomic<bool> scraped = false;
    std::string text;
    const Scrape scrape = [&] {
      wanted = true;
      for (int i = 0; i < static_cast<int>(kWatchdogMs) && !scraped; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      scraped = false;
      return text;
    };
    port_ = server_->port();
    std::jthread client([&] {
      if (Result<std::unique_ptr<SyncClient>> c = SyncClient::Connect("127.0.0.1", port_); c.ok()) {
        play(*c.value(), scrape);
      }
      done = true;
    });
    Loop& loop = server_->loop();
    const uint64_t give_up = loop.NowMs() + kWatchdogMs;
    const Timers::Id poll = loop.Start(1, true, [&] {
      if (wanted.exchange(false)) {
        text = server_->MetricsText();  // On the loop thread, as GET /metrics will be.
        scraped = true;
      }
      if (done || loop.NowMs() >= give_up) server_->Stop();
    });
    server_->Run();
    loop.Stop(poll);
    client.join();
  }

  TempDir dir_{"ggs-server-test"};
  ServerOptions options_;
  std::unique_ptr<Server> server_;
  int port_ = 0;  // The server's, once Play runs.
};

// Says hello to game echo; false when the server did not answer.
bool HelloEcho(SyncClient& c) {
  Packet hello = ServerCommand(command::kHello);
  hello.Add(header::kGame, "echo");
  return c.Send(hello).ok() && c.Receive().ok();
}

TEST_F(ServerTest, MetricsShowATableAndItsEventsAfterAGameCommand) {
  StartServer();
  std::string text;
  std::string echoed;
  Play([&](SyncClient& c, const Scrape& scrape) {
    if (!HelloEcho(c)) return;
    if (!c.SendGame("say", "hi").ok()) return;
    if (Result<Packet> reply = c.Receive(); reply.ok()) echoed = reply->payload;
    text = scrape();
  });
  EXPECT_EQ(echoed, "hi");
  ASSERT_FALSE(text.empty()) << "the metrics were never read";
  EXPECT_EQ(MetricsSample(text, "ggs_tables{game=\"echo\"}"), 1) << text;
  EXPECT_EQ(MetricsSample(text, "ggs_players{state=\"connected\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_events_total{kind=\"joined\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_events_total{kind=\"command\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_event_duration_seconds_count{kind=\"command\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_connections_open{transport=\"tcp\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_connections_accepted_total{transport=\"tcp\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_packets_received_total{transport=\"tcp\"}"), 2);
  EXPECT_EQ(MetricsSample(text, "ggs_packets_sent_total{transport=\"tcp\"}"), 2);
  EXPECT_GT(MetricsSample(text, "ggs_received_bytes_total{transport=\"tcp\"}").value_or(0), 0);
  EXPECT_GT(MetricsSample(text, "ggs_sent_bytes_total{transport=\"tcp\"}").value_or(0), 0);
  EXPECT_EQ(MetricsSample(text, "ggs_restored_tables"), 0);
  EXPECT_TRUE(MetricsSample(text, "ggs_storage_pending_rows").has_value());
  EXPECT_NE(text.find("# TYPE ggs_event_duration_seconds histogram\n"), std::string::npos);
}

TEST_F(ServerTest, ErrorRepliesAreCountedByCode) {
  StartServer();
  std::string code;
  std::string text;
  Play([&](SyncClient& c, const Scrape& scrape) {
    if (!c.SendGame("say", "hi").ok()) return;  // Before hello.
    if (Result<Packet> reply = c.Receive(); reply.ok()) code = std::string(ErrorCodeOf(*reply));
    text = scrape();
  });
  EXPECT_EQ(code, error::kNoHello);
  EXPECT_EQ(MetricsSample(text, "ggs_errors_sent_total{error_code=\"no_hello\"}"), 1) << text;
}

// Refusals at accept reach the same count as every other error reply.
TEST_F(ServerTest, ConnectionsRefusedAtAcceptAreCountedWithTheirCode) {
  options_.network.max_connections = 1;
  StartServer();
  std::string code, text;
  Play([&](SyncClient& first, const Scrape& scrape) {
    if (!first.SendServer(command::kPing).ok() || !first.Receive().ok()) return;  // Accepted.
    Result<std::unique_ptr<SyncClient>> second = SyncClient::Connect("127.0.0.1", port_);
    if (!second.ok()) return;
    if (Result<Packet> reply = second.value()->Receive(); reply.ok()) {
      code = std::string(ErrorCodeOf(*reply));
    }
    text = scrape();
  });
  EXPECT_EQ(code, error::kServerFull);
  EXPECT_EQ(MetricsSample(text, "ggs_errors_sent_total{error_code=\"server_full\"}"), 1) << text;
  EXPECT_EQ(MetricsSample(text, "ggs_connections_refused_total{transport=\"tcp\"}"), 1);
  EXPECT_EQ(MetricsSample(text, "ggs_connections_accepted_total{transport=\"tcp\"}"), 2);
}

TEST_F(ServerTest, WorkerLoadAndRestartsAreCountedPerWorker) {
  options_.workers = 2;
  options_.worker_pool.binary = GGS_BINARY;
  StartServer();
  std::string before, after, code;
  Play([&](SyncClient& c, const Scrape& scrape) {
    if (!HelloEcho(c) || !c.SendGame("say", "hi").ok() || !c.Receive().ok()) return;
    before = scrape();
    // Runs past the event budget: the pool kills its worker and replaces it.
    if (!c.SendGame("spin").ok()) return;
    if (Result<Packet> reply = c.Receive(); reply.ok()) code = std::string(ErrorCodeOf(*reply));
    after = scrape();
  });
  const auto sum = [](const std::string& text, const char* family) {
    return MetricsSample(text, std::string(family) + "{worker=\"0\"}").value_or(-100) +
           MetricsSample(text, std::string(family) + "{worker=\"1\"}").value_or(-100);
  };
  EXPECT_EQ(sum(before, "ggs_worker_tables"), 1) << before;
  EXPECT_EQ(sum(before, "ggs_worker_events_total"), 3);  // open, joined, command.
  EXPECT_EQ(MetricsSample(before, "ggs_worker_restarts_total{reason=\"budget\"}"), 0);
  EXPECT_EQ(code, error::kScriptTimeout);
  EXPECT_EQ(MetricsSample(after, "ggs_worker_restarts_total{reason=\"budget\"}"), 1) << after;
  EXPECT_EQ(MetricsSample(after, "ggs_worker_restarts_total{reason=\"crash\"}"), 0);
  EXPECT_EQ(MetricsSample(after, "ggs_script_errors_total{kind=\"command\"}"), 1);
  EXPECT_EQ(MetricsSample(after, "ggs_errors_sent_total{error_code=\"script_timeout\"}"), 1);
}

// Regression (found by ggs fuzz: a segfault on SIGTERM): the repeating shutdown timer came
// due while ~Server closed the network, which runs the loop once more, and fired into the
// half-destroyed network.
TEST_F(ServerTest, ADueShutdownTimerDoesNotFireWhileTheServerIsDestroyed) {
  StartServer();
  Play([](SyncClient&, const Scrape&) {});
  // Longer than the shutdown timer's period: it is due when ~Network runs the loop.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  server_.reset();
}

// Regression: a signal after a failed Start (the port was taken) reached Stop, which used the
// network that was never listening.
TEST_F(ServerTest, StopAfterAFailedStartDoesNothing) {
  StartServer();
  ServerOptions taken = options_;
  taken.port = server_->port();
  taken.db_path = dir_.File("other.db");
  Server second(taken);
  EXPECT_FALSE(second.Start().ok());
  second.Stop();
}

}  // namespace
}  // namespace ggs
