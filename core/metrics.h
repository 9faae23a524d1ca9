// Metrics: a small registry of counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4), which `GET /metrics` serves.
//
// The hot path is cheap: code resolves the series it counts into once (a Counter*, a
// Histogram*) and keeps the pointer, so counting an event is an integer add and observing a
// duration is a binary search over the bucket bounds; no name or label is looked up per
// event. Figures that something else already keeps (a connection count, a queue length) are
// not counted twice: a callback reads them when the registry renders.
//
// Names are code, not input: a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*, a label name
// [a-zA-Z_][a-zA-Z0-9_]* (not starting with "__"; "le" is reserved for histograms), and one
// name keeps one type and one set of label names (its first help text stays). Breaking that
// is a programming error, reported on stderr before the process aborts. Label values may be any
// bytes; rendering escapes them.
//
// Thread: one thread (the server's loop thread) registers, counts and renders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ggs {

// A series' labels as name/value pairs, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_ += n; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

class Gauge {
 public:
  void Set(double value) { value_ = value; }
  void Add(double delta) { value_ += delta; }
  double value() const { return value_; }

 private:
  double value_ = 0;
};

// Observations counted into fixed buckets. `bounds` are the buckets' upper bounds (a value
// equal to a bound falls into that bucket), ascending; the +Inf bucket is implied.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  // O(log buckets).
  void Observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  // Observations per bucket, not cumulative; the last one is the +Inf bucket's.
  const std::vector<uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

// What the connections of one transport (tcp, ws) moved: plain integers their owner adds to
// on the loop thread, read at render time through callbacks (Server::AddTransportMetrics).
struct Traffic {
  uint64_t packets_in = 0;   // Complete packets read, including those refused (rate_limited).
  uint64_t packets_out = 0;  // Packets queued to be sent.
  uint64_t bytes_in = 0;     // Bytes read.
  uint64_t bytes_out = 0;    // Bytes written.
};

// Bucket bounds for durations in seconds, from 100 µs to 10 s.
std::vector<double> DurationBuckets();

// What a producer registered with MetricRegistry::AddCollector reports at render time.
struct Sample {
  Labels labels;
  double value = 0;
};

class MetricRegistry {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  MetricRegistry();
  ~MetricRegistry();
  MetricRegistry(const MetricRegistry&) = delete;
  MetricRegistry& operator=(const MetricRegistry&) = delete;

  // The series of family `name` with `labels`: created with the family (typed, with `help`
  // and the label names) on first use, and the same object on every later call with the
  // same labels. The pointer stays valid for the registry's life. O(log series) per call:
  // call once, keep the pointer.
  Counter* GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge* GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // REQUIRES: the same `bounds` for every series of one family.
  Histogram* GetHistogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                          const Labels& labels = {});

  // A series of counter or gauge family `name` whose value `read` gives at render time.
  // `read` must stay callable for the registry's life.
  void AddCallback(std::string_view name, std::string_view help, Type type, const Labels& labels,
                   std::function<double()> read);
  // Any number of series of family `name` (counter or gauge), with labels named
  // `label_names`, that `collect` appends at render time: for figures whose label values
  // are known only then (tables by game). `collect` must stay callable for the registry's
  // life.
  void AddCollector(std::string_view name, std::string_view help, Type type,
                    std::vector<std::string> label_names,
                    std::function<void(std::vector<Sample>&)> collect);

  // Every family in the text format, sorted by name, each with `# HELP` and `# TYPE`, its
  // series sorted by label values; a histogram as cumulative `_bucket{le=...}` series ending
  // with le="+Inf", then `_sum` and `_count`. O(series) plus the collectors' costs.
  std::string Render() const;

 private:
  struct Family;
  Family& FamilyOf(std::string_view name, std::string_view help, Type type, const Labels& labels);

  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

// The counters of one label that are found by value at the call (error codes): one hash
// lookup per Inc, and the series is created on first use. For counts that are not on a hot
// path, or whose label values are not known in advance.
class CounterByLabel {
 public:
  // `registry` must outlive this object.
  CounterByLabel(MetricRegistry* registry, std::string name, std::string help,
                 std::string label_name);
  void Inc(std::string_view value, uint64_t n = 1);
  // 0 for a value never counted.
  uint64_t value(std::string_view value) const;

 private:
  MetricRegistry* registry_;
  std::string name_;
  std::string help_;
  std::string label_name_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Counter*, Hash, std::equal_to<>> by_value_;
};

// Text format helpers, exposed for tests and for other writers of the format.
namespace prometheus {
// A label value with backslash, double quote and line feed escaped (\\, \", \n).
std::string EscapeLabelValue(std::string_view value);
// HELP text with backslash and line feed escaped.
std::string EscapeHelp(std::string_view help);
// A sample value: integers exactly (up to 2^53), other numbers as the shortest text that
// reads back the same, and +Inf, -Inf, NaN.
std::string FormatValue(double value);
}  // namespace prometheus

}  // namespace ggs
