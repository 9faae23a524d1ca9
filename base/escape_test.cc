// Tests of EscapeBytes, ReadableBytes, UnescapeBytes and EscapeHtml.
#include "base/escape.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace ggs {
namespace {

TEST(Escape, WritesEveryAwkwardByteVisibly) {
  EXPECT_EQ(EscapeBytes(std::string("a b\n\r\t\\\"\0\xff", 10)),
            "a\\x20b\\n\\r\\t\\\\\\\"\\x00\\xff");
  EXPECT_EQ(ReadableBytes("a b\n"), "a b\\n");
}

TEST(Escape, RefusesBrokenEscapes) {
  EXPECT_FALSE(UnescapeBytes("\\"));
  EXPECT_FALSE(UnescapeBytes("\\x4"));
  EXPECT_FALSE(UnescapeBytes("\\xzz"));
  EXPECT_FALSE(UnescapeBytes("\\q"));
}

RC_GTEST_PROP(Escape, UnescapeInvertsEscapeAndTheResultHasNoSpaces, (const std::string& bytes)) {
  const std::string escaped = EscapeBytes(bytes);
  RC_ASSERT(escaped.find(' ') == std::string::npos);
  RC_ASSERT(escaped.find('\n') == std::string::npos);
  RC_ASSERT(UnescapeBytes(escaped) == std::optional<std::string>(bytes));
}

TEST(EscapeHtml, WritesMarkupCharactersAsReferences) {
  EXPECT_EQ(EscapeHtml("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(EscapeHtml("plain text"), "plain text");
}

}  // namespace
}  // namespace ggs
