#include "bots/swarm_stats.h"

#include <gtest/gtest.h>

#include "bots/meter.h"

namespace ggs::bots {
namespace {

TEST(ShardStatsTest, MergeAddsCountsAndHistograms) {
  ShardStats a, b;
  a.window.msgs_in = 10;
  b.window.msgs_in = 5;
  a.total.msgs_out = 7;
  b.total.msgs_out = 3;
  a.rtt.Record(100);
  b.rtt.Record(300);
  b.rtt.Record(200);
  a.bots_connected = 4;
  b.bots_connected = 6;
  b.bots_failed = 1;
  a.errors_by_code["invalid"] = 2;
  b.errors_by_code["invalid"] = 1;
  b.errors_by_code["disconnected"] = 3;
  a.reconnects = 2;
  b.reconnects = 1;
  b.reconnect_failures = 1;
  a.redirects = 5;
  a.resume_time.Record(200000);
  b.resume_time.Record(400000);
  a.Merge(b);
  EXPECT_EQ(a.reconnects, 3u);
  EXPECT_EQ(a.reconnect_failures, 1u);
  EXPECT_EQ(a.redirects, 5u);
  EXPECT_EQ(a.resume_time.count(), 2u);
  EXPECT_EQ(a.resume_time.max(), 400000u);
  EXPECT_EQ(a.window.msgs_in, 15u);
  EXPECT_EQ(a.total.msgs_out, 10u);
  EXPECT_EQ(a.rtt.count(), 3u);
  EXPECT_EQ(a.rtt.max(), 300u);
  EXPECT_EQ(a.bots_connected, 10u);
  EXPECT_EQ(a.bots_failed, 1u);
  EXPECT_EQ(a.errors_by_code["invalid"], 3u);
  EXPECT_EQ(a.errors(), 6u);
}

TEST(ShardStatsTest, TablesSeenByTwoBotsCountOnce) {
  // Both bots of table t1 saw its 2 games, on different threads; t2's only on one.
  ShardStats a, b;
  a.tables["t1"] = {2, 11};
  b.tables["t1"] = {2, 11};
  b.tables["t2"] = {1, 6};
  a.Merge(b);
  EXPECT_EQ(a.games_played(), 3u);
  EXPECT_EQ(a.points(), 17u);
  // A bot that dropped out early saw fewer: the table counts what the most-informed saw.
  ShardStats c;
  c.tables["t1"] = {1, 4};
  a.Merge(c);
  EXPECT_EQ(a.games_played(), 3u);
}

TEST(IntervalStatsTest, MergeSumsGaugesAndTakeIntervalCarriesThemOver) {
  RunClock clock;
  clock.window_start_us = 0;
  clock.end_us = 1000;
  Meter m(&clock);
  m.Up();
  m.Up();
  m.MessageIn(10, 5);
  m.Error("invalid");
  IntervalStats first = m.TakeInterval();
  EXPECT_EQ(first.connected, 2);
  EXPECT_EQ(first.counters.msgs_in, 1u);
  EXPECT_EQ(first.errors, 1u);
  m.Down();
  IntervalStats second = m.TakeInterval();
  EXPECT_EQ(second.connected, 1);  // The gauge carries over; the counts start again.
  EXPECT_EQ(second.counters.msgs_in, 0u);
  first.Merge(second);
  EXPECT_EQ(first.connected, 3);
}

TEST(MeterTest, OnlyTheWindowCountsTowardsRatesAndRoundTrips) {
  RunClock clock;
  clock.window_start_us = 1000;
  clock.end_us = 2000;
  Meter m(&clock);
  m.MessageIn(10, 500);    // During the ramp.
  m.MessageIn(10, 1500);   // In the window.
  m.MessageOut(20, 2500);  // Goodbye traffic.
  m.PingSent(900, 900);
  m.PongReceived(900, 1100);  // Scheduled before the window: not a window round trip.
  m.PingSent(1200, 1250);
  m.PongReceived(1200, 1700);
  EXPECT_EQ(m.stats().window.msgs_in, 1u);
  EXPECT_EQ(m.stats().total.msgs_in, 2u);
  EXPECT_EQ(m.stats().window.msgs_out, 0u);
  EXPECT_EQ(m.stats().total.msgs_out, 1u);
  ASSERT_EQ(m.stats().rtt.count(), 1u);
  EXPECT_EQ(m.stats().rtt.max(), 500u);  // From the scheduled time, not the send.
  EXPECT_EQ(m.stats().send_lag.max(), 50u);
}

TEST(MeterTest, UnansweredPingsAreRecordedAsLowerBounds) {
  RunClock clock;
  clock.window_start_us = 0;
  clock.end_us = 10000000;
  Meter m(&clock);
  m.PingSent(1000, 1000);
  m.PingUnanswered(1000, 3001000);  // The server stalled for three seconds.
  EXPECT_EQ(m.stats().pings_unanswered, 1u);
  EXPECT_EQ(m.stats().rtt.count(), 1u);
  EXPECT_GE(m.stats().rtt.max(), 3000000u);
}

}  // namespace
}  // namespace ggs::bots
