// Tests of the deadline rule on hand-made timestamps: no clock, no waiting.
#include "core/deadlines.h"

#include <gtest/gtest.h>

#include "core/protocol.h"

namespace ggs {
namespace {

constexpr DeadlineOptions kAll{
    .packet_timeout_ms = 100, .hello_timeout_ms = 200, .idle_timeout_ms = 300};

std::string CodeAndMessage(const std::optional<Status>& s) {
  return s ? s->code() + ": " + s->message() : "";
}

TEST(DeadlinesTest, AFreshConnectionIsWithinEveryDeadline) {
  const ConnectionTimes t{.accepted_ms = 1000, .last_read_ms = 1000};
  EXPECT_FALSE(Overdue(kAll, t, 1000));
  EXPECT_FALSE(Overdue(kAll, t, 1199));
}

TEST(DeadlinesTest, NoHelloInTime) {
  const ConnectionTimes t{.accepted_ms = 1000, .last_read_ms = 1150};
  EXPECT_EQ(CodeAndMessage(Overdue(kAll, t, 1200)), "timeout: no hello within 200 ms");
  ConnectionTimes greeted = t;
  greeted.said_hello = true;
  EXPECT_FALSE(Overdue(kAll, greeted, 1200));
}

TEST(DeadlinesTest, AStartedPacketMustComplete) {
  const ConnectionTimes t{
      .accepted_ms = 1000, .last_read_ms = 1090, .packet_started_ms = 1050, .said_hello = true};
  EXPECT_FALSE(Overdue(kAll, t, 1149));
  EXPECT_EQ(CodeAndMessage(Overdue(kAll, t, 1150)),
            "timeout: a packet was not completed within 100 ms");
}

TEST(DeadlinesTest, SilenceTooLong) {
  const ConnectionTimes t{.accepted_ms = 0, .last_read_ms = 1000, .said_hello = true};
  EXPECT_FALSE(Overdue(kAll, t, 1299));
  EXPECT_EQ(CodeAndMessage(Overdue(kAll, t, 1300)), "timeout: nothing was received within 300 ms");
}

TEST(DeadlinesTest, ZeroTurnsADeadlineOff) {
  const ConnectionTimes t{.accepted_ms = 0, .last_read_ms = 0, .packet_started_ms = 1};
  EXPECT_FALSE(Overdue(DeadlineOptions{0, 0, 0}, t, 1000000));
  EXPECT_EQ(DeadlineCheckIntervalMs(DeadlineOptions{0, 0, 0}), 0u);
}

TEST(DeadlinesTest, AConnectionPausedByTheServerIsNotBlamed) {
  const ConnectionTimes t{.accepted_ms = 0,
                          .last_read_ms = 0,
                          .packet_started_ms = 1,
                          .said_hello = true,
                          .waiting_for_server = true};
  EXPECT_FALSE(Overdue(kAll, t, 1000000));
}

TEST(DeadlinesTest, CheckedEveryQuarterOfTheShortestDeadline) {
  EXPECT_EQ(DeadlineCheckIntervalMs(kAll), 25u);
  EXPECT_EQ(DeadlineCheckIntervalMs(DeadlineOptions{}), 1000u);  // 10 s defaults: each second.
  EXPECT_EQ(DeadlineCheckIntervalMs(DeadlineOptions{0, 0, 8}), 10u);
}

}  // namespace
}  // namespace ggs
