#include "bots/swarm_report.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bots/html_report.h"
#include "bots/json_test_support.h"
#include "bots/json_writer.h"
#include "bots/svg_chart.h"

namespace ggs::bots {
namespace {

using nlohmann::json;
using test::ParseStrictJson;

SwarmReport Sample() {
  SwarmReport r;
  r.server = "127.0.0.1:9000";
  r.game = "pong";
  r.bots = 4;
  r.threads = 2;
  r.ramp_s = 1;
  r.duration_s = 10;
  r.window_s = 10;
  r.input_hz = 20;
  r.ping_hz = 1;
  ShardStats& s = r.stats;
  s.bots_connected = 4;
  s.window.msgs_in = 12000;
  s.window.msgs_out = 8000;
  s.total.msgs_out = 8100;
  for (uint64_t us = 100; us <= 4000; us += 100) s.rtt.Record(us);
  s.send_lag.Record(20);
  s.errors_by_code["invalid"] = 1;
  s.ticks.states_received = 1200;
  s.ticks.expected_by_tick_numbers = 1200;
  s.ticks.play_us = 40000000;
  s.ticks.bots = 4;
  s.tables["t"] = {1, 6};
  for (int64_t second = 0; second < 11; ++second) {
    SeriesPoint p;
    p.second = second;
    p.connected = 4;
    p.msgs_in = 1200;
    p.msgs_out = 800;
    p.pongs = second == 5 ? 0 : 4;
    p.rtt_p50_ms = 0.2;
    p.rtt_p99_ms = 1.5;
    p.rtt_max_ms = 3;
    p.swarm_cpu_cores = 0.1;
    r.series.push_back(p);
  }
  return r;
}

TEST(JsonWriterTest, NestsEscapesAndWritesNonFiniteAsNull) {
  JsonWriter w;
  w.BeginObject().Field("a", "x\"y\\z\n\x01").Key("list").BeginArray();
  w.Number(1.5).Number(NAN).Bool(true).BeginObject().EndObject().EndArray();
  w.Field("n", uint64_t{7}).EndObject();
  const std::optional<json> doc = ParseStrictJson(w.str());
  ASSERT_TRUE(doc) << w.str();
  EXPECT_EQ(doc->at("a"), "x\"y\\z\n\x01");
  const json& list = doc->at("list");
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 4u);
  EXPECT_TRUE(list[1].is_null());
  EXPECT_EQ(doc->at("n"), 7);
}

TEST(ReportJsonTest, HasEveryHeadlineKey) {
  const SwarmReport r = Sample();
  const std::optional<json> doc = ParseStrictJson(ReportJson(r));
  ASSERT_TRUE(doc);
  const json& j = *doc;
  for (const char* key : {"bots_connected",
                          "bots_failed",
                          "msgs_in_per_s",
                          "msgs_out_per_s",
                          "rtt_ms",
                          "errors",
                          "errors_by_code",
                          "ticks_delivered_ratio",
                          "ticks_delivered_ratio_wallclock",
                          "ticks_delivered_ratio_by_tick_numbers",
                          "games_played",
                          "disconnects",
                          "swarm_cpu_s",
                          "swarm_cpu_cores",
                          "series",
                          "rtt_histogram",
                          "ping_send_lag_ms",
                          "error_rate",
                          "window_s",
                          "reconnects",
                          "reconnect_failures",
                          "resume_ms",
                          "redirects"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.at("bots_connected"), 4);
  EXPECT_EQ(j.at("msgs_in_per_s"), 1200);
  EXPECT_EQ(j.at("msgs_out_per_s"), 800);
  for (const char* p : {"p50", "p90", "p99", "p999", "max"})
    EXPECT_TRUE(j.at("rtt_ms").contains(p)) << p;
  EXPECT_NEAR(j.at("rtt_ms").at("p50").get<double>(), 2.0, 2.0 / 128);
  EXPECT_EQ(j.at("rtt_ms").at("max"), 4);
  EXPECT_EQ(j.at("errors"), 1);
  EXPECT_EQ(j.at("errors_by_code").at("invalid"), 1);
  EXPECT_EQ(j.at("games_played"), 1);
  EXPECT_EQ(j.at("ticks_delivered_ratio_by_tick_numbers"), 1);
  // 1200 states over 40 bot-seconds of play is exactly 30 Hz.
  EXPECT_EQ(j.at("ticks_delivered_ratio"), 1);
  EXPECT_EQ(j.at("ticks_delivered_ratio_wallclock"), 1);
  EXPECT_TRUE(j.at("series").is_array());
  EXPECT_EQ(j.at("series").size(), 11u);
  EXPECT_FALSE(j.contains("server_process"));  // Only with --server-pid.
}

TEST(ReportJsonTest, HistogramBucketsAddUpToThePings) {
  const SwarmReport r = Sample();
  const std::optional<json> doc = ParseStrictJson(ReportJson(r));
  ASSERT_TRUE(doc);
  ASSERT_TRUE(doc->at("rtt_histogram").is_array());
  double total = 0;
  for (const json& b : doc->at("rtt_histogram")) total += b.at("count").get<double>();
  EXPECT_EQ(total, static_cast<double>(r.stats.rtt.count()));
}

TEST(ReportJsonTest, ServerFiguresAppearWhenSampled) {
  SwarmReport r = Sample();
  r.server_process = ServerFigures{42, 5, 0.5, 100, 120};
  const std::optional<json> doc = ParseStrictJson(ReportJson(r));
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->at("server_process").at("pid"), 42);
  EXPECT_EQ(doc->at("server_cpu_cores"), 0.5);
  EXPECT_EQ(doc->at("server_rss_mb"), 100);
}

TEST(SummaryTableTest, NamesEveryFigure) {
  const std::string table = SummaryTable(Sample());
  for (const char* text :
       {"4 connected, 0 failed", "in 1200", "out 800", "p99.9", "games played", "invalid: 1",
        "disconnects", "swarm CPU", "of 30 Hz wall clock", "reconnects", "redirects followed"}) {
    EXPECT_NE(table.find(text), std::string::npos) << text << "\n" << table;
  }
}

TEST(GateTest, FailsOnFailedBotsOrTooManyErrors) {
  SwarmReport r = Sample();
  EXPECT_TRUE(CheckGate(r, 0.01).ok());
  EXPECT_EQ(CheckGate(r, 0).code(), "error_rate");  // 1 error in 8100 messages.
  r.stats.bots_failed = 1;
  EXPECT_EQ(CheckGate(r, 1).code(), "bots_failed");
}

TEST(HtmlReportTest, IsOneSelfContainedPageWithPlots) {
  SwarmReport r = Sample();
  r.server_process = ServerFigures{42, 5, 0.5, 100, 120};
  const std::string html = RenderHtmlReport(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  size_t charts = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 5u);  // Throughput, latency, histogram, connected, CPU.
  EXPECT_NE(html.find("<polyline"), std::string::npos);
  EXPECT_NE(html.find("<rect"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // Nothing to fetch.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(SvgChartTest, TicksAreRoundNumbers) {
  EXPECT_EQ(AxisTicks(0, 10, false), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(AxisTicks(0, 30000, false),
            (std::vector<double>{0, 5000, 10000, 15000, 20000, 25000, 30000}));
  EXPECT_EQ(AxisTicks(1, 1000, true), (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_TRUE(AxisTicks(5, 5, false).empty());
}

TEST(SvgChartTest, GapsBreakTheLine) {
  ChartSeries s{"x", "#000", {1, 2, 3, 4}, {1, NAN, 3, 4}};
  const std::string svg = RenderChart({s}, ChartOptions{});
  size_t lines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
}

}  // namespace
}  // namespace ggs::bots
