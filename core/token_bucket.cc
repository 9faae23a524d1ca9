// TokenBucket: refill by elapsed time, then take.
#include "core/token_bucket.h"

#include <algorithm>

namespace ggs {

TokenBucket::TokenBucket(double rate, double burst)
    : tokens_(std::max(1.0, burst)),
      rate_(static_cast<float>(rate)),
      burst_(static_cast<float>(std::max(1.0, burst))) {}

bool TokenBucket::Take(uint64_t now_ms) {
  if (rate_ <= 0) return true;
  if (now_ms > last_ms_) {
    tokens_ = std::min<double>(burst_, tokens_ + (now_ms - last_ms_) * (rate_ / 1000.0));
    last_ms_ = now_ms;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace ggs
