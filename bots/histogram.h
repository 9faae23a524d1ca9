// Histogram: a log-linear histogram of durations in microseconds, as HdrHistogram lays them
// out. Values below 2^kSubBits are counted exactly; above, every power of two is split into
// 2^kSubBits linear sub-buckets, so a reported percentile is within 1/128 (0.8%) of the
// true value. Histograms of the same layout merge by adding counts, which is how the
// swarm's threads and seconds combine.
//
// Not thread-safe; each loop thread records into its own histogram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ggs::bots {

class Histogram {
 public:
  static constexpr int kSubBits = 7;
  // Values at or above 2^kMaxBits microseconds (19 hours) are counted as that value.
  static constexpr int kMaxBits = 36;

  Histogram();

  void Record(uint64_t value_us);
  void Merge(const Histogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The nearest-rank percentile, `quantile` in [0, 1]: the smallest recorded value (to the
  // histogram's precision) with at least quantile*count values at or below it. 0 if empty.
  uint64_t Percentile(double quantile) const;

  struct Bucket {
    uint64_t low_us;   // Smallest value the bucket holds.
    uint64_t high_us;  // Largest value the bucket holds.
    uint64_t count;
  };
  // The non-empty buckets, in increasing order of value.
  std::vector<Bucket> NonEmptyBuckets() const;

 private:
  static size_t IndexOf(uint64_t value);
  static uint64_t LowOf(size_t index);
  static uint64_t HighOf(size_t index);

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace ggs::bots
