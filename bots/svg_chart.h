// SvgChart: small line and bar charts as inline SVG, for the HTML report. Linear or
// logarithmic y axes with readable ticks, a legend, and an optional shaded x range.
#pragma once

#include <string>
#include <vector>

namespace ggs::bots {

struct ChartSeries {
  std::string name;
  std::string color;  // A CSS colour.
  std::vector<double> x;
  std::vector<double> y;  // Same length as x; non-finite or (on a log axis) non-positive
                          // values are gaps.
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = false;
  bool log_x = false;
  bool bars = false;     // Draw the first series as bars from the x axis (a histogram).
  bool markers = false;  // A dot at each point of the lines (charts of a few points).
  double shade_from = 0, shade_to = 0;  // An x range to shade (the measurement window).
  int width = 1100;
  int height = 280;
};

// The chart as an <svg> element.
std::string RenderChart(const std::vector<ChartSeries>& series, const ChartOptions& options);

// Tick values for an axis from `low` to `high`: "nice" steps (1, 2, 5 x 10^n) on a linear
// axis, powers of ten on a log axis.
std::vector<double> AxisTicks(double low, double high, bool log);

}  // namespace ggs::bots
