// The HTML report: charts of the time series and the histogram, and the summary.
#include "bots/html_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "base/escape.h"
#include "bots/svg_chart.h"

namespace ggs::bots {
namespace {

constexpr int kBinsPerDecade = 10;

// One series from the time series: x is the end of each second of the run.
template <typename Get>
ChartSeries Over(const std::vector<SeriesPoint>& points, std::string name, std::string color,
                 Get get) {
  ChartSeries s{std::move(name), std::move(color), {}, {}};
  for (const SeriesPoint& p : points) {
    s.x.push_back(static_cast<double>(p.second + 1));
    s.y.push_back(get(p));
  }
  return s;
}

ChartOptions TimeChart(const SwarmReport& r, std::string title, std::string y_label) {
  ChartOptions o;
  o.title = std::move(title);
  o.x_label = "seconds since the start (shaded: the measurement window)";
  o.y_label = std::move(y_label);
  o.shade_from = r.ramp_s;
  o.shade_to = r.ramp_s + r.window_s;
  return o;
}

std::string ThroughputChart(const SwarmReport& r) {
  const std::vector<SeriesPoint>& p = r.series;
  return RenderChart(
      {Over(p, "in", "#1f77b4", [](const SeriesPoint& s) { return double(s.msgs_in); }),
       Over(p, "out", "#ff7f0e", [](const SeriesPoint& s) { return double(s.msgs_out); })},
      TimeChart(r, "Messages per second", "messages/s"));
}

std::string ConnectedChart(const SwarmReport& r) {
  const std::vector<SeriesPoint>& p = r.series;
  return RenderChart(
      {Over(p, "connected", "#2ca02c", [](const SeriesPoint& s) { return double(s.connected); }),
       Over(p, "errors/s", "#d62728", [](const SeriesPoint& s) { return double(s.errors); })},
      TimeChart(r, "Bots connected, errors per second", "bots"));
}

std::string LatencyChart(const SwarmReport& r) {
  const std::vector<SeriesPoint>& p = r.series;
  // A second without pongs has no latency: NaN leaves a gap rather than a false zero.
  auto or_gap = [](const SeriesPoint& s, double v) { return s.pongs ? v : NAN; };
  ChartOptions o = TimeChart(r, "Ping round trip per second (from the scheduled send)", "ms");
  o.log_y = true;
  return RenderChart(
      {Over(p, "p50", "#1f77b4", [&](const SeriesPoint& s) { return or_gap(s, s.rtt_p50_ms); }),
       Over(p, "p99", "#ff7f0e", [&](const SeriesPoint& s) { return or_gap(s, s.rtt_p99_ms); }),
       Over(p, "max", "#d62728", [&](const SeriesPoint& s) { return or_gap(s, s.rtt_max_ms); })},
      o);
}

std::string CpuChart(const SwarmReport& r) {
  const std::vector<SeriesPoint>& p = r.series;
  auto gap = [](double v) { return v >= 0 ? v : NAN; };
  std::vector<ChartSeries> series = {
      Over(p, "swarm", "#9467bd", [&](const SeriesPoint& s) { return gap(s.swarm_cpu_cores); })};
  if (r.server_process) {
    series.push_back(Over(p, "server", "#8c564b",
                          [&](const SeriesPoint& s) { return gap(s.server_cpu_cores); }));
  }
  return RenderChart(series, TimeChart(r, "CPU use", "cores"));
}

// The round-trip histogram regrouped into 10 bins per decade of milliseconds: the
// histogram's own buckets are finer than a reader needs.
std::string HistogramChart(const SwarmReport& r) {
  std::map<int, double> bins;
  for (const Histogram::Bucket& b : r.stats.rtt.NonEmptyBuckets()) {
    const double ms = std::max(0.001, static_cast<double>(b.high_us) / 1000.0);
    bins[static_cast<int>(std::floor(std::log10(ms) * kBinsPerDecade))] += double(b.count);
  }
  ChartSeries s{"pings", "#1f77b4", {}, {}};
  if (!bins.empty()) {
    for (int i = bins.begin()->first; i <= bins.rbegin()->first + 1; ++i) {
      s.x.push_back(std::pow(10.0, static_cast<double>(i) / kBinsPerDecade));
      const auto it = bins.find(i);
      if (i <= bins.rbegin()->first) s.y.push_back(it == bins.end() ? NAN : it->second);
    }
  }
  ChartOptions o;
  o.title = "Ping round-trip histogram (measurement window)";
  o.x_label = "round trip, ms (log scale)";
  o.y_label = "pings (log scale)";
  o.log_x = o.log_y = o.bars = true;
  return RenderChart({s}, o);
}

std::string Headline(const SwarmReport& r) {
  char buf[512];
  const Histogram& h = r.stats.rtt;
  std::snprintf(buf, sizeof buf,
                "<p class='headline'>%zu bots connected, %llu failed &middot; %.0f msgs/s in, "
                "%.0f out &middot; ping p50 %.3f ms, p99 %.3f ms &middot; %llu errors</p>",
                static_cast<size_t>(r.stats.bots_connected),
                static_cast<unsigned long long>(r.stats.bots_failed), r.msgs_in_per_s(),
                r.msgs_out_per_s(), h.Percentile(0.5) / 1000.0, h.Percentile(0.99) / 1000.0,
                static_cast<unsigned long long>(r.stats.errors()));
  return buf;
}

// One series over the steps of a sweep: x is each step's bot count.
template <typename Get>
ChartSeries OverSteps(const std::vector<SwarmReport>& steps, std::string name, std::string color,
                      Get get) {
  ChartSeries s{std::move(name), std::move(color), {}, {}};
  for (const SwarmReport& r : steps) {
    s.x.push_back(static_cast<double>(r.bots));
    s.y.push_back(get(r));
  }
  return s;
}

ChartOptions StepChart(std::string title, std::string y_label) {
  ChartOptions o;
  o.title = std::move(title);
  o.x_label = "bots";
  o.y_label = std::move(y_label);
  o.markers = true;
  return o;
}

std::string SweepCharts(const std::vector<SwarmReport>& steps) {
  std::string html;
  const bool ticks = std::any_of(steps.begin(), steps.end(),
                                 [](const SwarmReport& r) { return r.stats.ticks.bots > 0; });
  if (ticks) {
    auto gap = [](const SwarmReport& r, double v) { return r.stats.ticks.bots > 0 ? v : NAN; };
    html += RenderChart(
        {OverSteps(
             steps, "all bots", "#2ca02c",
             [&](const SwarmReport& r) { return gap(r, 100 * r.stats.ticks.RatioVsWallClock()); }),
         OverSteps(steps, "worst bot", "#d62728",
                   [&](const SwarmReport& r) {
                     return gap(r, 100 * r.stats.ticks.worst_bot_wall_clock_ratio);
                   })},
        StepChart("Ticks delivered, % of 30 Hz wall clock (measurement window)", "%"));
  }
  auto ms = [](const SwarmReport& r, double q) {
    return r.stats.rtt.count() ? static_cast<double>(r.stats.rtt.Percentile(q)) / 1000 : NAN;
  };
  ChartOptions latency = StepChart("Ping round trip (measurement window)", "ms");
  latency.log_y = true;
  html += RenderChart(
      {OverSteps(steps, "p50", "#1f77b4", [&](const SwarmReport& r) { return ms(r, 0.5); }),
       OverSteps(steps, "p99", "#ff7f0e", [&](const SwarmReport& r) { return ms(r, 0.99); }),
       OverSteps(steps, "max", "#d62728",
                 [&](const SwarmReport& r) {
                   return r.stats.rtt.count() ? static_cast<double>(r.stats.rtt.max()) / 1000 : NAN;
                 })},
      latency);
  html += RenderChart(
      {OverSteps(steps, "in", "#1f77b4", [](const SwarmReport& r) { return r.msgs_in_per_s(); }),
       OverSteps(steps, "out", "#ff7f0e", [](const SwarmReport& r) { return r.msgs_out_per_s(); })},
      StepChart("Messages per second at the bots", "messages/s"));
  std::vector<ChartSeries> cpu = {OverSteps(
      steps, "swarm", "#9467bd", [](const SwarmReport& r) { return r.swarm_cpu_cores(); })};
  cpu.push_back(OverSteps(steps, "server", "#8c564b", [](const SwarmReport& r) {
    return r.server_process ? r.server_process->cpu_cores : NAN;
  }));
  html += RenderChart(cpu, StepChart("CPU use (measurement window)", "cores"));
  return html;
}

std::string Page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>" + EscapeHtml(title) +
         "</title>\n<style>body{font-family:sans-serif;margin:20px;color:#222}"
         "pre{background:#f6f6f6;padding:10px;font-size:12px}.headline{font-size:16px}"
         "svg{display:block;margin:8px 0}</style></head><body>\n" +
         body + "</body></html>\n";
}

}  // namespace

std::string RenderSweepHtmlReport(const std::vector<SwarmReport>& steps) {
  if (steps.empty()) return Page("ggs bot-swarm sweep", "<p>No runs.</p>\n");
  const SwarmReport& first = steps.front();
  std::string counts;
  for (const SwarmReport& r : steps)
    counts += (counts.empty() ? "" : ", ") + std::to_string(r.bots);
  std::string body = "<h1>ggs bot-swarm sweep: " + EscapeHtml(first.game) + " at " + counts +
                     " bots against " + EscapeHtml(first.server) + "</h1>\n";
  body += "<pre>" + EscapeHtml(SweepTable(steps)) + "</pre>\n";
  body += SweepCharts(steps);
  for (const SwarmReport& r : steps) {
    body += "<h2>" + std::to_string(r.bots) + " bots</h2>\n" + Headline(r) + "\n" +
            LatencyChart(r) + "<pre>" + EscapeHtml(SummaryTable(r)) + "</pre>\n";
  }
  return Page("ggs bot-swarm sweep: " + first.game, body);
}

std::string RenderHtmlReport(const SwarmReport& r) {
  std::string html = "<h1>ggs bot-swarm: " + std::to_string(r.bots) + " " + EscapeHtml(r.game) +
                     " bots against " + EscapeHtml(r.server) + "</h1>\n";
  html += Headline(r) + "\n";
  html += ThroughputChart(r);
  html += LatencyChart(r);
  html += HistogramChart(r);
  html += ConnectedChart(r);
  html += CpuChart(r);
  html += "<h2>Summary</h2>\n<pre>" + EscapeHtml(SummaryTable(r)) + "</pre>\n";
  return Page("ggs bot-swarm: " + r.game + ", " + std::to_string(r.bots) + " bots", html);
}

}  // namespace ggs::bots
