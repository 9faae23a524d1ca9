// Tests of TokenBucket on a clock the test moves by hand.
#include "core/token_bucket.h"

#include <gtest/gtest.h>

namespace ggs {
namespace {

int TakeAll(TokenBucket& bucket, uint64_t now_ms, int tries) {
  int taken = 0;
  for (int i = 0; i < tries; ++i) taken += bucket.Take(now_ms) ? 1 : 0;
  return taken;
}

TEST(TokenBucketTest, StartsFullThenRefusesUntilTimeRefills) {
  TokenBucket bucket(/*rate=*/10, /*burst=*/5);
  EXPECT_EQ(TakeAll(bucket, 1000, 100), 5);
  EXPECT_FALSE(bucket.Take(1000));
  EXPECT_EQ(TakeAll(bucket, 1100, 100), 1);  // 100 ms at 10/s: one token.
  EXPECT_EQ(TakeAll(bucket, 1300, 100), 2);
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(100, 3);
  EXPECT_EQ(TakeAll(bucket, 0, 10), 3);
  EXPECT_EQ(TakeAll(bucket, 1000000, 10), 3);  // A long silence does not bank tokens.
}

TEST(TokenBucketTest, SustainsItsRateOverTime) {
  TokenBucket bucket(200, 200);
  int taken = TakeAll(bucket, 0, 1000);
  for (uint64_t ms = 1; ms <= 10000; ++ms) taken += TakeAll(bucket, ms, 10);
  // The burst, then 200 per second for 10 seconds (give or take rounding).
  EXPECT_GE(taken, 200 + 2000 - 1);
  EXPECT_LE(taken, 200 + 2000);
}

TEST(TokenBucketTest, RateZeroIsUnlimited) {
  TokenBucket bucket(0, 0);
  EXPECT_EQ(TakeAll(bucket, 0, 100000), 100000);
}

TEST(TokenBucketTest, AClockThatStandsStillAddsNothing) {
  TokenBucket bucket(1000, 1);
  EXPECT_TRUE(bucket.Take(5));
  EXPECT_FALSE(bucket.Take(5));
  EXPECT_FALSE(bucket.Take(4));  // A clock read earlier in the same turn is no refill.
  EXPECT_TRUE(bucket.Take(6));
}

}  // namespace
}  // namespace ggs
