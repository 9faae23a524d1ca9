// Tests of Escape, Readable and Unescape.
#include "props/escape.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace ggs::props {
namespace {

TEST(Escape, WritesEveryAwkwardByteVisibly) {
  EXPECT_EQ(Escape(std::string("a b\n\r\t\\\"\0\xff", 10)), "a\\x20b\\n\\r\\t\\\\\\\"\\x00\\xff");
  EXPECT_EQ(Readable("a b\n"), "a b\\n");
}

TEST(Escape, RefusesBrokenEscapes) {
  EXPECT_FALSE(Unescape("\\"));
  EXPECT_FALSE(Unescape("\\x4"));
  EXPECT_FALSE(Unescape("\\xzz"));
  EXPECT_FALSE(Unescape("\\q"));
}

RC_GTEST_PROP(Escape, UnescapeInvertsEscapeAndTheResultHasNoSpaces, (const std::string& bytes)) {
  const std::string escaped = Escape(bytes);
  RC_ASSERT(escaped.find(' ') == std::string::npos);
  RC_ASSERT(escaped.find('\n') == std::string::npos);
  RC_ASSERT(Unescape(escaped) == std::optional<std::string>(bytes));
}

}  // namespace
}  // namespace ggs::props
