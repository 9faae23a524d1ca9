// TokenBucket: a rate limit of `rate` events per second with bursts of up to `burst`, on
// a clock the caller passes in. Pure arithmetic, 24 bytes: every connection holds one for
// its command rate (--max-commands-per-s).
//
// Thread: not thread-safe; one owner.
#pragma once

#include <cstdint>

namespace ggs {

class TokenBucket {
 public:
  // `rate` tokens are added per second, up to `burst` held; the bucket starts full.
  // A rate of 0 means no limit: Take always succeeds.
  TokenBucket(double rate, double burst);

  // Takes one token at time `now_ms` (a monotonic clock that never goes back): true when
  // one was there, false when the event is over the rate (and nothing is taken).
  [[nodiscard]] bool Take(uint64_t now_ms);

 private:
  double tokens_;
  uint64_t last_ms_ = 0;  // When tokens_ was last brought up to date.
  float rate_;            // Tokens per second; 0 = unlimited.
  float burst_;
};

}  // namespace ggs
