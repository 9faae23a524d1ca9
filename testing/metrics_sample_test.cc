// Tests of MetricsSample on text as the registry renders it.
#include "testing/metrics_sample.h"

#include <gtest/gtest.h>

namespace ggs {
namespace {

constexpr char kText[] =
    "# HELP ggs_events_total Events.\n"
    "# TYPE ggs_events_total counter\n"
    "ggs_events_total{kind=\"command\"} 12\n"
    "ggs_events_total{kind=\"commands\"} 3\n"
    "ggs_games 1.5\n"
    "ggs_bad x\n";

TEST(MetricsSampleTest, FindsASeriesByItsExactNameAndLabels) {
  EXPECT_EQ(MetricsSample(kText, "ggs_events_total{kind=\"command\"}"), 12);
  EXPECT_EQ(MetricsSample(kText, "ggs_events_total{kind=\"commands\"}"), 3);
  EXPECT_EQ(MetricsSample(kText, "ggs_games"), 1.5);
}

TEST(MetricsSampleTest, AMissingSeriesOrABadValueIsNullopt) {
  EXPECT_EQ(MetricsSample(kText, "ggs_events_total"), std::nullopt);
  EXPECT_EQ(MetricsSample(kText, "ggs_game"), std::nullopt);
  EXPECT_EQ(MetricsSample(kText, "ggs_bad"), std::nullopt);
  EXPECT_EQ(MetricsSample("", "ggs_games"), std::nullopt);
}

}  // namespace
}  // namespace ggs
