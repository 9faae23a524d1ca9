// MetricsSample: one line of the text format, found by its series.
#include "testing/metrics_sample.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace ggs {

std::optional<double> MetricsSample(std::string_view text, std::string_view series) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(series) || line.size() <= series.size() + 1 ||
        line[series.size()] != ' ') {
      continue;
    }
    const std::string value(line.substr(series.size() + 1));
    if (value == "+Inf") return HUGE_VAL;
    if (value == "-Inf") return -HUGE_VAL;
    char* parsed_to = nullptr;
    const double v = std::strtod(value.c_str(), &parsed_to);
    if (parsed_to == value.c_str() || *parsed_to != '\0') return std::nullopt;
    return v;
  }
  return std::nullopt;
}

}  // namespace ggs
