// SvgChart: axes, ticks, polylines and bars.
#include "bots/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "base/escape.h"

namespace ggs::bots {
namespace {

constexpr double kLeft = 70, kRight = 150, kTop = 30, kBottom = 40;

struct Range {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  bool empty() const { return !(low <= high); }
};

bool Usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

// A linear or logarithmic map from data to pixels.
struct Axis {
  double low, high;  // Data range (positive when log).
  double from, to;   // Pixel range.
  bool log;
  double operator()(double v) const {
    const double a = log ? std::log10(low) : low, b = log ? std::log10(high) : high;
    const double t = ((log ? std::log10(v) : v) - a) / (b - a);
    return from + t * (to - from);
  }
};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Label(double v) {
  char buf[32];
  if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3)) {
    std::snprintf(buf, sizeof buf, "%.0e", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

Range DataRange(const std::vector<ChartSeries>& series, bool x, bool log) {
  Range r;
  for (const ChartSeries& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!Usable(s.y[i], log && !x)) continue;
      const double v = x ? s.x[i] : s.y[i];
      if (!Usable(v, log)) continue;
      r.low = std::min(r.low, v);
      r.high = std::max(r.high, v);
    }
  }
  return r;
}

// Widens a range so that it has extent and, on a linear y axis, includes zero.
Range Pad(Range r, bool log, bool from_zero) {
  if (r.empty()) return log ? Range{1, 10} : Range{0, 1};
  if (log) {
    r.low = std::pow(10, std::floor(std::log10(r.low)));
    r.high = std::pow(10, std::ceil(std::log10(r.high)));
    if (r.high <= r.low) r.high = r.low * 10;
    return r;
  }
  if (from_zero) r.low = std::min(r.low, 0.0);
  if (r.high <= r.low) r.high = r.low + 1;
  return r;
}

std::string Gridlines(const Axis& x, const Axis& y, const ChartOptions& o) {
  std::string out;
  for (double t : AxisTicks(y.low, y.high, y.log)) {
    const std::string py = Num(y(t));
    out += "<line x1='" + Num(kLeft) + "' x2='" + Num(o.width - kRight) + "' y1='" + py + "' y2='" +
           py + "' stroke='#ddd'/>";
    out += "<text x='" + Num(kLeft - 6) + "' y='" + py +
           "' text-anchor='end' dominant-baseline='middle'>" + Label(t) + "</text>";
  }
  for (double t : AxisTicks(x.low, x.high, x.log)) {
    const std::string px = Num(x(t));
    out += "<line x1='" + px + "' x2='" + px + "' y1='" + Num(kTop) + "' y2='" +
           Num(o.height - kBottom) + "' stroke='#eee'/>";
    out += "<text x='" + px + "' y='" + Num(o.height - kBottom + 16) + "' text-anchor='middle'>" +
           Label(t) + "</text>";
  }
  return out;
}

std::string Polyline(const ChartSeries& s, const Axis& x, const Axis& y, bool markers) {
  std::string out, points;
  auto flush = [&] {
    if (!points.empty()) {
      out += "<polyline fill='none' stroke-width='1.5' stroke='" + s.color + "' points='" + points +
             "'/>";
    }
    points.clear();
  };
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    if (!Usable(s.y[i], y.log) || !Usable(s.x[i], x.log)) {
      flush();  // A gap in the data is a gap in the line.
      continue;
    }
    const std::string px = Num(x(s.x[i]));
    const std::string py = Num(y(std::clamp(s.y[i], y.low, y.high)));
    points += px + "," + py + " ";
    if (markers) {
      out += "<circle cx='" + px + "' cy='" + py + "' r='3' fill='" + s.color + "'/>";
    }
  }
  flush();
  return out;
}

std::string Bars(const ChartSeries& s, const Axis& x, const Axis& y) {
  std::string out;
  const double base = y(y.low);
  for (size_t i = 0; i + 1 < s.x.size() && i < s.y.size(); ++i) {
    if (!Usable(s.y[i], y.log)) continue;
    // Bar i spans x[i] .. x[i + 1]: the series carries bin edges.
    const double left = x(s.x[i]), right = x(s.x[i + 1]), top = y(s.y[i]);
    out += "<rect x='" + Num(left) + "' y='" + Num(top) + "' width='" +
           Num(std::max(1.0, right - left - 1)) + "' height='" + Num(base - top) + "' fill='" +
           s.color + "'/>";
  }
  return out;
}

std::string Legend(const std::vector<ChartSeries>& series, const ChartOptions& o) {
  std::string out;
  double y = kTop + 8;
  for (const ChartSeries& s : series) {
    const std::string px = Num(o.width - kRight + 12);
    out += "<rect x='" + px + "' y='" + Num(y - 5) + "' width='14' height='10' fill='" + s.color +
           "'/><text x='" + Num(o.width - kRight + 30) + "' y='" + Num(y) +
           "' dominant-baseline='middle'>" + EscapeHtml(s.name) + "</text>";
    y += 18;
  }
  return out;
}

}  // namespace

std::vector<double> AxisTicks(double low, double high, bool log) {
  std::vector<double> ticks;
  if (!(low < high)) return ticks;
  if (log) {
    for (double t = std::pow(10, std::ceil(std::log10(low) - 1e-9)); t <= high * (1 + 1e-9);
         t *= 10) {
      ticks.push_back(t);
    }
    return ticks;
  }
  const double raw = (high - low) / 6;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  for (double t = std::ceil(low / step) * step; t <= high + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

std::string RenderChart(const std::vector<ChartSeries>& series, const ChartOptions& o) {
  const Range xr = Pad(DataRange(series, true, o.log_x), o.log_x, false);
  const Range yr = Pad(DataRange(series, false, o.log_y), o.log_y, true);
  const Axis x{xr.low, xr.high, kLeft, o.width - kRight, o.log_x};
  const Axis y{yr.low, yr.high, o.height - kBottom, kTop, o.log_y};
  std::string out = "<svg width='" + std::to_string(o.width) + "' height='" +
                    std::to_string(o.height) + "' font-size='11' " + "font-family='sans-serif'>";
  out += "<text x='" + Num(kLeft) + "' y='18' font-size='14' font-weight='bold'>" +
         EscapeHtml(o.title) + "</text>";
  if (o.shade_to > o.shade_from && !o.log_x) {
    const double a = x(std::max(o.shade_from, xr.low)), b = x(std::min(o.shade_to, xr.high));
    if (b > a) {
      out += "<rect x='" + Num(a) + "' y='" + Num(kTop) + "' width='" + Num(b - a) + "' height='" +
             Num(o.height - kTop - kBottom) + "' fill='#f3f7ff'/>";
    }
  }
  out += Gridlines(x, y, o);
  for (size_t i = 0; i < series.size(); ++i) {
    out += (o.bars && i == 0) ? Bars(series[i], x, y) : Polyline(series[i], x, y, o.markers);
  }
  out += "<line x1='" + Num(kLeft) + "' x2='" + Num(kLeft) + "' y1='" + Num(kTop) + "' y2='" +
         Num(o.height - kBottom) + "' stroke='#333'/>";
  out += "<line x1='" + Num(kLeft) + "' x2='" + Num(o.width - kRight) + "' y1='" +
         Num(o.height - kBottom) + "' y2='" + Num(o.height - kBottom) + "' stroke='#333'/>";
  out += "<text x='" + Num((kLeft + o.width - kRight) / 2) + "' y='" + Num(o.height - 6) +
         "' text-anchor='middle'>" + EscapeHtml(o.x_label) + "</text>";
  out += "<text transform='translate(14," + Num((kTop + o.height - kBottom) / 2) +
         ") rotate(-90)' text-anchor='middle'>" + EscapeHtml(o.y_label) + "</text>";
  out += Legend(series, o);
  return out + "</svg>\n";
}

}  // namespace ggs::bots
