// Histogram: log-linear bucket arithmetic, merging and percentiles.
#include "bots/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ggs::bots {
namespace {

constexpr uint64_t kSubCount = uint64_t{1} << Histogram::kSubBits;
constexpr uint64_t kLargest = (uint64_t{1} << Histogram::kMaxBits) - 1;
// Bucket 0..kSubCount-1 hold the exact values below kSubCount; each further power of two
// (exponent kSubBits .. kMaxBits-1) adds kSubCount buckets.
constexpr size_t kBuckets = kSubCount * (Histogram::kMaxBits - Histogram::kSubBits + 1);

}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

size_t Histogram::IndexOf(uint64_t value) {
  if (value < kSubCount) return value;
  const int exponent = std::bit_width(value) - 1;  // >= kSubBits.
  const int shift = exponent - kSubBits;
  const uint64_t sub = (value >> shift) - kSubCount;  // In [0, kSubCount).
  return kSubCount * (shift + 1) + sub;
}

uint64_t Histogram::LowOf(size_t index) {
  if (index < kSubCount) return index;
  const size_t shift = index / kSubCount - 1;
  const uint64_t sub = index % kSubCount;
  return (kSubCount + sub) << shift;
}

uint64_t Histogram::HighOf(size_t index) {
  if (index < kSubCount) return index;
  const size_t shift = index / kSubCount - 1;
  return LowOf(index) + (uint64_t{1} << shift) - 1;
}

void Histogram::Record(uint64_t value_us) {
  value_us = std::min(value_us, kLargest);
  ++counts_[IndexOf(value_us)];
  ++count_;
  sum_ += value_us;
  min_ = std::min(min_, value_us);
  max_ = std::max(max_, value_us);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = sum_ = max_ = 0;
  min_ = UINT64_MAX;
}

uint64_t Histogram::Percentile(double quantile) const {
  if (count_ == 0) return 0;
  quantile = std::clamp(quantile, 0.0, 1.0);
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(quantile * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    // The bucket's highest value, but never beyond what was actually recorded.
    if (seen >= rank) return std::clamp(HighOf(i), min_, max_);
  }
  return max_;
}

std::vector<Histogram::Bucket> Histogram::NonEmptyBuckets() const {
  std::vector<Bucket> out;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i]) out.push_back({LowOf(i), HighOf(i), counts_[i]});
  }
  return out;
}

}  // namespace ggs::bots
