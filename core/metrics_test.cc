// Tests of the metrics registry and its Prometheus text rendering: every expected text is the
// whole exposition, so ordering, escaping and the histogram's cumulative buckets are checked
// byte for byte.
#include "core/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace ggs {
namespace {

TEST(MetricsTest, AnEmptyRegistryRendersNothing) { EXPECT_EQ(MetricRegistry().Render(), ""); }

TEST(MetricsTest, ACounterRendersHelpTypeAndItsValue) {
  MetricRegistry registry;
  Counter* c = registry.GetCounter("ggs_things_total", "Things seen.");
  c->Inc();
  c->Inc(41);
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_things_total Things seen.\n"
            "# TYPE ggs_things_total counter\n"
            "ggs_things_total 42\n");
}

TEST(MetricsTest, TheSameLabelsGiveTheSameSeries) {
  MetricRegistry registry;
  Counter* a = registry.GetCounter("ggs_x_total", "X.", {{"kind", "a"}});
  EXPECT_EQ(registry.GetCounter("ggs_x_total", "X.", {{"kind", "a"}}), a);
  EXPECT_NE(registry.GetCounter("ggs_x_total", "X.", {{"kind", "b"}}), a);
}

TEST(MetricsTest, FamiliesSortByNameAndSeriesByLabelValues) {
  MetricRegistry registry;
  registry.GetGauge("ggs_b", "B.", {{"game", "pong"}, {"mode", "x"}})->Set(2);
  registry.GetGauge("ggs_b", "B.", {{"game", "chat"}, {"mode", "y"}})->Set(1.5);
  registry.GetCounter("ggs_a_total", "A.")->Inc(3);
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_a_total A.\n"
            "# TYPE ggs_a_total counter\n"
            "ggs_a_total 3\n"
            "# HELP ggs_b B.\n"
            "# TYPE ggs_b gauge\n"
            "ggs_b{game=\"chat\",mode=\"y\"} 1.5\n"
            "ggs_b{game=\"pong\",mode=\"x\"} 2\n");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  MetricRegistry registry;
  registry.GetCounter("ggs_e_total", "Line one\nback\\slash \"quoted\"", {{"v", "a\\b\"c\nd"}})
      ->Inc();
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_e_total Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE ggs_e_total counter\n"
            "ggs_e_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(MetricsTest, AHistogramRendersCumulativeBucketsSumAndCount) {
  MetricRegistry registry;
  Histogram* h = registry.GetHistogram("ggs_d_seconds", "D.", {0.125, 0.5, 1}, {{"kind", "x"}});
  h->Observe(0.0625);
  h->Observe(0.125);  // On a bound: in that bucket.
  h->Observe(0.75);
  h->Observe(3);
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_d_seconds D.\n"
            "# TYPE ggs_d_seconds histogram\n"
            "ggs_d_seconds_bucket{kind=\"x\",le=\"0.125\"} 2\n"
            "ggs_d_seconds_bucket{kind=\"x\",le=\"0.5\"} 2\n"
            "ggs_d_seconds_bucket{kind=\"x\",le=\"1\"} 3\n"
            "ggs_d_seconds_bucket{kind=\"x\",le=\"+Inf\"} 4\n"
            "ggs_d_seconds_sum{kind=\"x\"} 3.9375\n"
            "ggs_d_seconds_count{kind=\"x\"} 4\n");
}

TEST(MetricsTest, AHistogramWithoutLabelsHasOnlyLe) {
  MetricRegistry registry;
  registry.GetHistogram("ggs_f_seconds", "F.", {1})->Observe(2);
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_f_seconds F.\n"
            "# TYPE ggs_f_seconds histogram\n"
            "ggs_f_seconds_bucket{le=\"1\"} 0\n"
            "ggs_f_seconds_bucket{le=\"+Inf\"} 1\n"
            "ggs_f_seconds_sum 2\n"
            "ggs_f_seconds_count 1\n");
}

TEST(MetricsTest, CallbacksAndCollectorsAreReadAtRenderTime) {
  MetricRegistry registry;
  double open = 1;
  registry.AddCallback("ggs_open", "Open.", MetricRegistry::Type::kGauge, {{"transport", "tcp"}},
                       [&open] { return open; });
  std::vector<Sample> tables = {{{{"game", "pong"}}, 2}};
  registry.AddCollector(
      "ggs_tables", "Tables.", MetricRegistry::Type::kGauge, {"game"},
      [&tables](std::vector<Sample>& out) { out.insert(out.end(), tables.begin(), tables.end()); });
  open = 7;
  tables.push_back({{{"game", "chat"}}, 1});
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_open Open.\n"
            "# TYPE ggs_open gauge\n"
            "ggs_open{transport=\"tcp\"} 7\n"
            "# HELP ggs_tables Tables.\n"
            "# TYPE ggs_tables gauge\n"
            "ggs_tables{game=\"chat\"} 1\n"
            "ggs_tables{game=\"pong\"} 2\n");
}

TEST(MetricsTest, ACollectorWithNothingToSayLeavesOnlyHelpAndType) {
  MetricRegistry registry;
  registry.AddCollector("ggs_none", "None.", MetricRegistry::Type::kGauge, {"game"},
                        [](std::vector<Sample>&) {});
  EXPECT_EQ(registry.Render(), "# HELP ggs_none None.\n# TYPE ggs_none gauge\n");
}

TEST(MetricsTest, ValuesAreFormattedExactlyAndShortest) {
  EXPECT_EQ(prometheus::FormatValue(0), "0");
  EXPECT_EQ(prometheus::FormatValue(-0.0), "0");
  EXPECT_EQ(prometheus::FormatValue(12345678901), "12345678901");
  EXPECT_EQ(prometheus::FormatValue(0.25), "0.25");
  EXPECT_EQ(prometheus::FormatValue(0.0001), "0.0001");
  EXPECT_EQ(prometheus::FormatValue(1e300), "1e+300");
  EXPECT_EQ(prometheus::FormatValue(1.5e-30), "1.5e-30");
  EXPECT_EQ(prometheus::FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(prometheus::FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(prometheus::FormatValue(std::nan("")), "NaN");
}

TEST(MetricsTest, CounterByLabelCreatesEachSeriesOnFirstUse) {
  MetricRegistry registry;
  CounterByLabel errors(&registry, "ggs_errors_total", "Errors.", "error_code");
  EXPECT_EQ(errors.value("timeout"), 0u);
  errors.Inc("timeout");
  errors.Inc("timeout");
  errors.Inc("rate_limited");
  EXPECT_EQ(errors.value("timeout"), 2u);
  EXPECT_EQ(registry.Render(),
            "# HELP ggs_errors_total Errors.\n"
            "# TYPE ggs_errors_total counter\n"
            "ggs_errors_total{error_code=\"rate_limited\"} 1\n"
            "ggs_errors_total{error_code=\"timeout\"} 2\n");
}

TEST(MetricsTest, DurationBucketsAscend) {
  const std::vector<double> bounds = DurationBuckets();
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
  Histogram h(bounds);
  h.Observe(0.003);
  EXPECT_EQ(h.count(), 1u);
}

TEST(MetricsDeathTest, MisuseOfANameIsAProgrammingError) {
  MetricRegistry registry;
  registry.GetCounter("ggs_a_total", "A.");
  EXPECT_DEATH(registry.GetGauge("ggs_a_total", "A."), "another type");
  EXPECT_DEATH(registry.GetCounter("ggs-bad", "Bad."), "not a valid metric name");
  EXPECT_DEATH(registry.GetCounter("ggs_a_total", "A.", {{"kind", "x"}}), "other label names");
  EXPECT_DEATH(registry.GetHistogram("ggs_h", "H.", {1}, {{"le", "x"}}), "not a valid label");
}

}  // namespace
}  // namespace ggs
