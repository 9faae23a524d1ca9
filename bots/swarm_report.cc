// SwarmReport: JSON, the summary table and the CI gate.
#include "bots/swarm_report.h"

#include <fmt/printf.h>

#include "bots/json_writer.h"

namespace ggs::bots {
namespace {

double Ms(uint64_t us) { return static_cast<double>(us) / 1000.0; }

double PerSecond(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

void WriteLatency(JsonWriter& w, std::string_view key, const Histogram& h) {
  w.Key(key).BeginObject();
  w.Field("count", h.count());
  w.Field("p50", Ms(h.Percentile(0.5)));
  w.Field("p90", Ms(h.Percentile(0.9)));
  w.Field("p99", Ms(h.Percentile(0.99)));
  w.Field("p999", Ms(h.Percentile(0.999)));
  w.Field("max", Ms(h.max()));
  w.Field("mean", h.mean() / 1000.0);
  w.EndObject();
}

void WriteSettings(JsonWriter& w, const SwarmReport& r) {
  w.Field("server", r.server).Field("game", r.game);
  w.Field("bots", uint64_t{r.bots}).Field("threads", int64_t{r.threads});
  w.Field("seed", r.seed).Field("ramp_s", r.ramp_s).Field("duration_s", r.duration_s);
  w.Field("input_hz", r.input_hz).Field("ping_hz", r.ping_hz).Field("churn", r.churn);
  w.Field("window_s", r.window_s).Field("run_s", r.run_s);
}

void WriteTraffic(JsonWriter& w, const SwarmReport& r) {
  const ShardStats& s = r.stats;
  w.Field("msgs_in_per_s", r.msgs_in_per_s()).Field("msgs_out_per_s", r.msgs_out_per_s());
  w.Field("msgs_in", s.window.msgs_in).Field("msgs_out", s.window.msgs_out);
  w.Field("bytes_in_per_s", PerSecond(s.window.bytes_in, r.window_s));
  w.Field("bytes_out_per_s", PerSecond(s.window.bytes_out, r.window_s));
  w.Field("msgs_in_total", s.total.msgs_in).Field("msgs_out_total", s.total.msgs_out);
  w.Field("game_messages", s.game_messages);
}

void WritePings(JsonWriter& w, const ShardStats& s) {
  WriteLatency(w, "rtt_ms", s.rtt);
  WriteLatency(w, "ping_send_lag_ms", s.send_lag);
  w.Field("pings_sent", s.window.pings_sent).Field("pongs_received", s.window.pongs_received);
  w.Field("pings_unanswered", s.pings_unanswered).Field("pings_lost", s.pings_lost);
}

void WriteGame(JsonWriter& w, const ShardStats& s) {
  // The headline share is against the wall clock: over TCP every state the table sends
  // arrives, so the tick-number ratio only falls if ticks go missing in the server itself,
  // while a server that falls behind ticks less often than 30 Hz.
  w.Field("ticks_delivered_ratio", s.ticks.RatioVsWallClock());
  w.Field("ticks_delivered_ratio_wallclock", s.ticks.RatioVsWallClock());
  w.Field("ticks_delivered_ratio_by_tick_numbers", s.ticks.RatioByTickNumbers());
  w.Key("ticks").BeginObject();
  w.Field("states_received", s.ticks.states_received);
  w.Field("expected_by_tick_numbers", s.ticks.expected_by_tick_numbers);
  w.Field("expected_at_30hz", static_cast<double>(s.ticks.play_us) / 1e6 * 30);
  w.Field("play_s", static_cast<double>(s.ticks.play_us) / 1e6);
  w.Field("bots", s.ticks.bots);
  w.Field("worst_bot_ratio_by_tick_numbers", s.ticks.bots ? s.ticks.worst_bot_ratio : 0.0);
  w.Field("worst_bot_ratio_vs_wall_clock", s.ticks.bots ? s.ticks.worst_bot_wall_clock_ratio : 0.0);
  w.EndObject();
  w.Field("games_played", s.games_played()).Field("points", s.points());
}

void WriteErrors(JsonWriter& w, const SwarmReport& r) {
  const ShardStats& s = r.stats;
  w.Field("errors", s.errors()).Field("error_rate", r.error_rate());
  w.Key("errors_by_code").BeginObject();
  for (const auto& [code, n] : s.errors_by_code) w.Field(code, n);
  w.EndObject();
  w.Field("disconnects", s.disconnects);
  w.Field("reconnects", s.reconnects).Field("reconnect_failures", s.reconnect_failures);
  WriteLatency(w, "resume_ms", s.resume_time);
  w.Field("redirects", s.redirects);
  w.Key("churn_stats").BeginObject();
  w.Field("drops", s.churn_drops).Field("resumes", s.resumes);
  w.Field("resume_failures", s.resume_failures);
  w.EndObject();
}

void WriteCpu(JsonWriter& w, const SwarmReport& r) {
  w.Field("swarm_cpu_s", r.swarm_cpu_s).Field("swarm_cpu_cores", r.swarm_cpu_cores());
  w.Field("swarm_hwm_mb", r.swarm_hwm_mb);
  if (r.machine) {
    const MachineFigures& m = *r.machine;
    w.Key("machine_cpu_cores").BeginObject();
    w.Field("cpus", int64_t{m.cpus}).Field("user", m.user_cores).Field("system", m.system_cores);
    w.Field("softirq", m.softirq_cores).Field("steal", m.steal_cores).Field("idle", m.idle_cores);
    w.EndObject();
  }
  if (!r.server_process) return;
  const ServerFigures& p = *r.server_process;
  w.Key("server_process").BeginObject();
  w.Field("pid", int64_t{p.pid}).Field("cpu_s", p.cpu_s).Field("cpu_cores", p.cpu_cores);
  w.Field("rss_mb", p.rss_mb).Field("hwm_mb", p.hwm_mb);
  w.EndObject();
  w.Field("server_cpu_cores", p.cpu_cores).Field("server_rss_mb", p.rss_mb);
}

void WriteSeries(JsonWriter& w, const std::vector<SeriesPoint>& series) {
  w.Key("series").BeginArray();
  for (const SeriesPoint& p : series) {
    w.BeginObject();
    w.Field("second", p.second).Field("connected", p.connected);
    w.Field("msgs_in", p.msgs_in).Field("msgs_out", p.msgs_out).Field("pongs", p.pongs);
    w.Field("errors", p.errors);
    w.Field("rtt_p50_ms", p.rtt_p50_ms).Field("rtt_p99_ms", p.rtt_p99_ms);
    w.Field("rtt_max_ms", p.rtt_max_ms);
    if (p.swarm_cpu_cores >= 0) w.Field("swarm_cpu_cores", p.swarm_cpu_cores);
    if (p.server_cpu_cores >= 0) w.Field("server_cpu_cores", p.server_cpu_cores);
    w.EndObject();
  }
  w.EndArray();
}

void WriteHistogram(JsonWriter& w, const Histogram& h) {
  w.Key("rtt_histogram").BeginArray();
  for (const Histogram::Bucket& b : h.NonEmptyBuckets()) {
    w.BeginObject().Field("low_us", b.low_us).Field("high_us", b.high_us);
    w.Field("count", b.count).EndObject();
  }
  w.EndArray();
}

std::string Line(const char* label, const std::string& text) {
  return fmt::sprintf("  %-18s", label) + text + "\n";
}

std::string ErrorsText(const SwarmReport& r) {
  const ShardStats& s = r.stats;
  std::string text =
      std::to_string(s.errors()) + fmt::sprintf(" (%.3g per message sent)", r.error_rate());
  for (const auto& [code, n] : s.errors_by_code) text += "  " + code + ": " + std::to_string(n);
  return text;
}

std::string TicksText(const ShardStats& s) {
  if (s.ticks.bots == 0) return "no state ticks seen";
  return fmt::sprintf(
      "%.2f%% of 30 Hz wall clock (worst bot %.2f%%); %.2f%% of those sent, by tick numbers "
      "(worst bot %.2f%%)",
      100 * s.ticks.RatioVsWallClock(), 100 * s.ticks.worst_bot_wall_clock_ratio,
      100 * s.ticks.RatioByTickNumbers(), 100 * s.ticks.worst_bot_ratio);
}

std::string LatencyText(const Histogram& h) {
  return fmt::sprintf("p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f", Ms(h.Percentile(0.5)),
                      Ms(h.Percentile(0.9)), Ms(h.Percentile(0.99)), Ms(h.Percentile(0.999)),
                      Ms(h.max()));
}

}  // namespace

double SwarmReport::msgs_in_per_s() const { return PerSecond(stats.window.msgs_in, window_s); }
double SwarmReport::msgs_out_per_s() const { return PerSecond(stats.window.msgs_out, window_s); }
double SwarmReport::swarm_cpu_cores() const { return window_s > 0 ? swarm_cpu_s / window_s : 0; }

double SwarmReport::error_rate() const {
  const uint64_t sent = stats.total.msgs_out;
  const uint64_t errors = stats.errors();
  if (sent == 0) return errors ? 1 : 0;
  return static_cast<double>(errors) / static_cast<double>(sent);
}

namespace {

void WriteReport(JsonWriter& w, const SwarmReport& r) {
  const ShardStats& s = r.stats;
  w.BeginObject();
  WriteSettings(w, r);
  w.Field("bots_connected", s.bots_connected).Field("bots_failed", s.bots_failed);
  WriteTraffic(w, r);
  WritePings(w, s);
  WriteGame(w, s);
  WriteErrors(w, r);
  WriteCpu(w, r);
  WriteSeries(w, r.series);
  WriteHistogram(w, s.rtt);
  w.EndObject();
}

}  // namespace

std::string ReportJson(const SwarmReport& r) {
  JsonWriter w;
  WriteReport(w, r);
  return w.str();
}

std::string SweepJson(const std::vector<SwarmReport>& steps) {
  JsonWriter w;
  w.BeginObject().Key("sweep").BeginArray();
  for (const SwarmReport& r : steps) WriteReport(w, r);
  w.EndArray().EndObject();
  return w.str();
}

std::string SweepTable(const std::vector<SwarmReport>& steps) {
  std::string out =
      fmt::sprintf("%8s %9s %9s %10s %10s %10s %8s %8s %8s\n", "bots", "ticks", "worst", "p50 ms",
                   "p99 ms", "max ms", "srv cpu", "swarm", "srv MB");
  for (const SwarmReport& r : steps) {
    const ShardStats& s = r.stats;
    const bool ticks = s.ticks.bots > 0;
    out +=
        fmt::sprintf("%8zu %9s %9s %10.2f %10.2f %10.2f %8s %8.2f %8s\n", r.bots,
                     ticks ? fmt::sprintf("%.1f%%", 100 * s.ticks.RatioVsWallClock()) : "-",
                     ticks ? fmt::sprintf("%.1f%%", 100 * s.ticks.worst_bot_wall_clock_ratio) : "-",
                     Ms(s.rtt.Percentile(0.5)), Ms(s.rtt.Percentile(0.99)), Ms(s.rtt.max()),
                     r.server_process ? fmt::sprintf("%.2f", r.server_process->cpu_cores) : "-",
                     r.swarm_cpu_cores(),
                     r.server_process ? fmt::sprintf("%.0f", r.server_process->rss_mb) : "-");
  }
  return out;
}

std::string SummaryTable(const SwarmReport& r) {
  const ShardStats& s = r.stats;
  std::string out = "ggs bot-swarm: " + std::to_string(r.bots) + " " + r.game + " bots against " +
                    r.server +
                    fmt::sprintf(", %.1f s measured after a %.1f s ramp, ", r.window_s, r.ramp_s) +
                    std::to_string(r.threads) + (r.threads == 1 ? " thread\n" : " threads\n");
  out += Line("bots", std::to_string(s.bots_connected) + " connected, " +
                          std::to_string(s.bots_failed) + " failed");
  out += Line("messages/s",
              fmt::sprintf("in %.0f   out %.0f   (%.0f KB/s in)", r.msgs_in_per_s(),
                           r.msgs_out_per_s(), PerSecond(s.window.bytes_in, r.window_s) / 1024));
  out += Line("ping RTT ms",
              LatencyText(s.rtt) + fmt::sprintf("  (%.0f pings, %.0f unanswered)",
                                                static_cast<double>(s.rtt.count()),
                                                static_cast<double>(s.pings_unanswered)));
  out += Line("ping send lag ms", LatencyText(s.send_lag) + "  (the swarm's own lateness)");
  if (r.game == "pong") {
    out += Line("pong ticks", TicksText(s));
    out += Line("games played",
                std::to_string(s.games_played()) + " (" + std::to_string(s.points()) + " points)");
  }
  out += Line("errors", ErrorsText(r));
  out += Line("disconnects", std::to_string(s.disconnects) +
                                 "; churn: " + std::to_string(s.churn_drops) + " drops, " +
                                 std::to_string(s.resumes) + " resumed, " +
                                 std::to_string(s.resume_failures) + " failed to resume");
  out += Line("reconnects",
              std::to_string(s.reconnects) + " resumed, " + std::to_string(s.reconnect_failures) +
                  " failed" +
                  fmt::sprintf(" (resume ms p50 %.1f  max %.1f); ",
                               Ms(s.resume_time.Percentile(0.5)), Ms(s.resume_time.max())) +
                  std::to_string(s.redirects) + " redirects followed");
  out += Line("swarm CPU", fmt::sprintf("%.2f s = %.2f cores (peak RSS %.0f MB)", r.swarm_cpu_s,
                                        r.swarm_cpu_cores(), r.swarm_hwm_mb));
  if (r.machine) {
    const MachineFigures& m = *r.machine;
    out += Line("machine CPU",
                fmt::sprintf("%d cpus: user %.2f  system %.2f  softirq %.2f  steal %.2f  "
                             "idle %.2f cores",
                             m.cpus, m.user_cores, m.system_cores, m.softirq_cores, m.steal_cores,
                             m.idle_cores));
  }
  if (r.server_process) {
    const ServerFigures& p = *r.server_process;
    out += Line("server CPU", fmt::sprintf("%.2f s = %.2f cores; RSS %.0f MB (peak %.0f MB)",
                                           p.cpu_s, p.cpu_cores, p.rss_mb, p.hwm_mb) +
                                  " pid " + std::to_string(p.pid));
  }
  return out;
}

Status CheckGate(const SwarmReport& report, double max_error_rate) {
  if (report.stats.bots_failed > 0) {
    return Status::Error("bots_failed", std::to_string(report.stats.bots_failed) + " of " +
                                            std::to_string(report.bots) +
                                            " bots failed to connect");
  }
  if (report.error_rate() > max_error_rate) {
    return Status::Error("error_rate", fmt::sprintf("error rate %.4g exceeds --max-error-rate %.4g",
                                                    report.error_rate(), max_error_rate));
  }
  return Status::Ok();
}

}  // namespace ggs::bots
