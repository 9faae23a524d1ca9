// Tests of the text helpers.
#include "base/text.h"

#include <gtest/gtest.h>

namespace ggs {
namespace {

TEST(TextTest, EqualsIgnoreCaseComparesAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoreCase("Sec-WebSocket-Key", "sec-websocket-KEY"));
  EXPECT_FALSE(EqualsIgnoreCase("Upgrade", "Upgrades"));
  EXPECT_FALSE(EqualsIgnoreCase("a-b", "a_b"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
}

TEST(TextTest, TrimBlanksDropsSpacesAndTabsAtTheEnds) {
  EXPECT_EQ(TrimBlanks(" \t a b\t "), "a b");
  EXPECT_EQ(TrimBlanks("\n"), "\n");
  EXPECT_EQ(TrimBlanks("   "), "");
}

}  // namespace
}  // namespace ggs
