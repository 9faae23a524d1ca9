// Tests of UUID generation.
#include "core/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace ggs {
namespace {

TEST(UuidTest, IsVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string u = NewUuid();
    ASSERT_TRUE(LooksLikeUuid(u)) << u;
    EXPECT_EQ(u[14], '4');
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
    EXPECT_TRUE(seen.insert(u).second);
  }
}

TEST(UuidTest, RejectsOtherShapes) {
  EXPECT_FALSE(LooksLikeUuid(""));
  EXPECT_FALSE(LooksLikeUuid("0f8fad5b-d9cb-469f-a165-70867728950"));
  EXPECT_FALSE(LooksLikeUuid("0f8fad5bxd9cb-469f-a165-70867728950e"));
  EXPECT_FALSE(LooksLikeUuid("0f8fad5b-d9cb-469f-a165-70867728950g"));
}

}  // namespace
}  // namespace ggs
