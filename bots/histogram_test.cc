#include "bots/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace ggs::bots {
namespace {

// The nearest-rank percentile of sorted values: what the histogram approximates.
uint64_t Exact(const std::vector<uint64_t>& sorted, double q) {
  const size_t rank = std::max<size_t>(1, static_cast<size_t>(std::ceil(q * sorted.size())));
  return sorted[rank - 1];
}

// Within one sub-bucket: 1/128 of the value, and exact below 128.
void ExpectClose(uint64_t got, uint64_t want) {
  EXPECT_GE(got, want);
  EXPECT_LE(got - want, want / 128) << "got " << got << " want " << want;
}

TEST(HistogramTest, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_TRUE(h.NonEmptyBuckets().empty());
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 128; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(0.5), 63u);
  EXPECT_EQ(h.Percentile(1.0), 127u);
  EXPECT_EQ(h.Percentile(0.0), 0u);
  EXPECT_EQ(h.NonEmptyBuckets().size(), 128u);
}

TEST(HistogramTest, PercentilesMatchSortedExactValues) {
  // Log-uniform latencies from 1 us to 10 s, the shape real RTTs have.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(0, 7);
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<uint64_t>(std::pow(10.0, exponent(rng)));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    SCOPED_TRACE(q);
    ExpectClose(h.Percentile(q), Exact(values, q));
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.count(), values.size());
}

TEST(HistogramTest, BucketsTileTheRangeWithoutGaps) {
  Histogram h;
  for (uint64_t v = 0; v < 100000; ++v) h.Record(v);
  const std::vector<Histogram::Bucket> buckets = h.NonEmptyBuckets();
  uint64_t next = 0, total = 0;
  for (const Histogram::Bucket& b : buckets) {
    EXPECT_EQ(b.low_us, next);
    EXPECT_GE(b.high_us, b.low_us);
    EXPECT_EQ(b.count, std::min<uint64_t>(b.high_us, 99999) - b.low_us + 1);
    next = b.high_us + 1;
    total += b.count;
  }
  EXPECT_EQ(total, 100000u);
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> dist(0, 5000000);
  Histogram a, b, all;
  for (int i = 0; i < 50000; ++i) {
    const uint64_t v = dist(rng);
    (i % 3 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(a.Percentile(q), all.Percentile(q));
}

TEST(HistogramTest, HugeValuesSaturateInsteadOfOverflowing) {
  Histogram h;
  h.Record(UINT64_MAX);
  h.Record(1);
  EXPECT_EQ(h.max(), (uint64_t{1} << Histogram::kMaxBits) - 1);
  EXPECT_EQ(h.Percentile(1.0), h.max());
}

TEST(HistogramTest, ResetForgetsEverything) {
  Histogram h;
  h.Record(500);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), 0u);
  h.Record(3);
  EXPECT_EQ(h.min(), 3u);
}

}  // namespace
}  // namespace ggs::bots
