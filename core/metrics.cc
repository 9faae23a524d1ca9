// Metrics: the registry's families and series, and the Prometheus text format.
#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ggs {
namespace {

using LabelValues = std::vector<std::string>;

// Names are code: a bad one is a programming error, caught by the first test that runs it.
[[noreturn]] void Misuse(std::string_view name, std::string_view what) {
  std::fprintf(stderr, "metrics: %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(what.size()), what.data());
  std::abort();
}

bool NameChar(char c, bool first, bool colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return letter || (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

bool ValidName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!NameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

std::vector<std::string> NamesOf(const Labels& labels) {
  std::vector<std::string> names;
  for (const auto& [name, value] : labels) names.push_back(name);
  return names;
}

LabelValues ValuesOf(const Labels& labels) {
  LabelValues values;
  for (const auto& [name, value] : labels) values.push_back(value);
  return values;
}

const char* TypeName(MetricRegistry::Type type) {
  switch (type) {
    case MetricRegistry::Type::kCounter:
      return "counter";
    case MetricRegistry::Type::kGauge:
      return "gauge";
    case MetricRegistry::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` for the names and values, plus `le` when given; "" without labels.
std::string LabelText(const std::vector<std::string>& names, const LabelValues& values,
                      const std::string* le = nullptr) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + prometheus::EscapeLabelValue(values[i]) + "\"";
  }
  if (le != nullptr) out += (out.empty() ? "{le=\"" : ",le=\"") + *le + "\"";
  if (!out.empty()) out += "}";
  return out;
}

// The series of `labels` among `series`, created on first use.
template <typename T>
T* SeriesOf(std::map<LabelValues, std::unique_ptr<T>>& series, const Labels& labels) {
  std::unique_ptr<T>& slot = series[ValuesOf(labels)];
  if (!slot) slot = std::make_unique<T>();
  return slot.get();
}

}  // namespace

namespace prometheus {

namespace {

// Backslash and line feed escaped, and the double quote too when `quote` (label values).
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\' || (quote && c == '"')) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) { return Escape(value, true); }

std::string EscapeHelp(std::string_view help) { return Escape(help, false); }

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  constexpr double kExact = 9007199254740992.0;  // 2^53: every integer below is exact.
  if (value == std::floor(value) && std::fabs(value) < kExact) {
    return std::to_string(static_cast<int64_t>(value));
  }
  // Plain decimals read best (le="0.0001", not le="1e-04"); very large or small numbers,
  // which do not fit, take the exponent form.
  char buffer[64];
  std::to_chars_result r = std::to_chars(buffer, buffer + 24, value, std::chars_format::fixed);
  if (r.ec != std::errc()) r = std::to_chars(buffer, buffer + sizeof buffer, value);
  return r.ec == std::errc() ? std::string(buffer, r.ptr) : "NaN";
}

}  // namespace prometheus

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

std::vector<double> DurationBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

struct MetricRegistry::Family {
  std::string name;
  std::string help;
  Type type = Type::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // Histograms: every series' bucket bounds.
  std::map<LabelValues, std::unique_ptr<Counter>> counters;
  std::map<LabelValues, std::unique_ptr<Gauge>> gauges;
  std::map<LabelValues, std::unique_ptr<Histogram>> histograms;
  std::vector<std::pair<LabelValues, std::function<double()>>> callbacks;
  std::vector<std::function<void(std::vector<Sample>&)>> collectors;

  bool Holds(const LabelValues& values) const {
    return counters.contains(values) || gauges.contains(values) ||
           std::any_of(callbacks.begin(), callbacks.end(),
                       [&](const auto& c) { return c.first == values; });
  }
  void RenderSamples(std::string& out) const;
  void RenderHistograms(std::string& out) const;
};

MetricRegistry::MetricRegistry() = default;
MetricRegistry::~MetricRegistry() = default;

MetricRegistry::Family& MetricRegistry::FamilyOf(std::string_view name, std::string_view help,
                                                 Type type, const Labels& labels) {
  const std::vector<std::string> names = NamesOf(labels);
  if (auto it = families_.find(name); it != families_.end()) {
    Family& family = *it->second;
    if (family.type != type) Misuse(name, "registered before with another type");
    if (family.label_names != names) Misuse(name, "registered before with other label names");
    return family;
  }
  if (!ValidName(name, true)) Misuse(name, "not a valid metric name");
  for (const std::string& label : names) {
    if (!ValidName(label, false) || label.starts_with("__") ||
        (type == Type::kHistogram && label == "le")) {
      Misuse(name, "not a valid label name: " + label);
    }
  }
  auto family = std::make_unique<Family>();
  family->name = std::string(name);
  family->help = std::string(help);
  family->type = type;
  family->label_names = names;
  return *families_.emplace(std::string(name), std::move(family)).first->second;
}

Counter* MetricRegistry::GetCounter(std::string_view name, std::string_view help,
                                    const Labels& labels) {
  return SeriesOf(FamilyOf(name, help, Type::kCounter, labels).counters, labels);
}

Gauge* MetricRegistry::GetGauge(std::string_view name, std::string_view help,
                                const Labels& labels) {
  return SeriesOf(FamilyOf(name, help, Type::kGauge, labels).gauges, labels);
}

Histogram* MetricRegistry::GetHistogram(std::string_view name, std::string_view help,
                                        std::vector<double> bounds, const Labels& labels) {
  if (!std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    Misuse(name, "bucket bounds must ascend");
  }
  Family& family = FamilyOf(name, help, Type::kHistogram, labels);
  if (family.histograms.empty()) {
    family.bounds = bounds;
  } else if (family.bounds != bounds) {
    Misuse(name, "registered before with other bucket bounds");
  }
  auto& slot = family.histograms[ValuesOf(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return slot.get();
}

void MetricRegistry::AddCallback(std::string_view name, std::string_view help, Type type,
                                 const Labels& labels, std::function<double()> read) {
  if (type == Type::kHistogram) Misuse(name, "a callback gives a counter or a gauge");
  Family& family = FamilyOf(name, help, type, labels);
  LabelValues values = ValuesOf(labels);
  if (family.Holds(values)) Misuse(name, "the same labels registered twice");
  family.callbacks.emplace_back(std::move(values), std::move(read));
}

void MetricRegistry::AddCollector(std::string_view name, std::string_view help, Type type,
                                  std::vector<std::string> label_names,
                                  std::function<void(std::vector<Sample>&)> collect) {
  if (type == Type::kHistogram) Misuse(name, "a collector gives counters or gauges");
  Labels labels;
  for (std::string& label : label_names) labels.emplace_back(std::move(label), "");
  FamilyOf(name, help, type, labels).collectors.push_back(std::move(collect));
}

void MetricRegistry::Family::RenderSamples(std::string& out) const {
  std::vector<std::pair<LabelValues, std::string>> rows;
  for (const auto& [values, counter] : counters) {
    rows.emplace_back(values, std::to_string(counter->value()));
  }
  for (const auto& [values, gauge] : gauges) {
    rows.emplace_back(values, prometheus::FormatValue(gauge->value()));
  }
  for (const auto& [values, read] : callbacks) {
    rows.emplace_back(values, prometheus::FormatValue(read()));
  }
  std::vector<Sample> samples;
  for (const auto& collect : collectors) collect(samples);
  for (Sample& sample : samples) {
    LabelValues values = ValuesOf(sample.labels);
    values.resize(label_names.size());  // A collector's labels follow the family's names.
    rows.emplace_back(std::move(values), prometheus::FormatValue(sample.value));
  }
  std::sort(rows.begin(), rows.end());
  for (const auto& [values, value] : rows) {
    out += name + LabelText(label_names, values) + " " + value + "\n";
  }
}

void MetricRegistry::Family::RenderHistograms(std::string& out) const {
  for (const auto& [values, histogram] : histograms) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += histogram->counts()[i];
      const std::string le = i < bounds.size() ? prometheus::FormatValue(bounds[i]) : "+Inf";
      out += name + "_bucket" + LabelText(label_names, values, &le) + " " +
             std::to_string(cumulative) + "\n";
    }
    const std::string labels = LabelText(label_names, values);
    out += name + "_sum" + labels + " " + prometheus::FormatValue(histogram->sum()) + "\n";
    out += name + "_count" + labels + " " + std::to_string(histogram->count()) + "\n";
  }
}

std::string MetricRegistry::Render() const {
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + prometheus::EscapeHelp(family->help) + "\n";
    out += "# TYPE " + name + " " + TypeName(family->type) + "\n";
    if (family->type == Type::kHistogram) {
      family->RenderHistograms(out);
    } else {
      family->RenderSamples(out);
    }
  }
  return out;
}

CounterByLabel::CounterByLabel(MetricRegistry* registry, std::string name, std::string help,
                               std::string label_name)
    : registry_(registry),
      name_(std::move(name)),
      help_(std::move(help)),
      label_name_(std::move(label_name)) {}

void CounterByLabel::Inc(std::string_view value, uint64_t n) {
  auto it = by_value_.find(value);
  if (it == by_value_.end()) {
    Counter* counter = registry_->GetCounter(name_, help_, {{label_name_, std::string(value)}});
    it = by_value_.emplace(std::string(value), counter).first;
  }
  it->second->Inc(n);
}

uint64_t CounterByLabel::value(std::string_view value) const {
  const auto it = by_value_.find(value);
  return it == by_value_.end() ? 0 : it->second->value();
}

}  // namespace ggs
