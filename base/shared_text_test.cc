// Tests of SharedText: copies share one buffer, text from a string does not, and it reads
// and compares like the string it holds.
#include "base/shared_text.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace ggs {
namespace {

TEST(SharedTextTest, CopiesShareOneBufferAndNewTextDoesNot) {
  const std::string source(100000, 'x');
  const SharedText registry = source;
  const SharedText table_a = registry;
  SharedText table_b;
  table_b = table_a;
  EXPECT_TRUE(table_a.Shares(registry));
  EXPECT_TRUE(table_b.Shares(registry));
  EXPECT_EQ(&table_b.str(), &registry.str());
  const SharedText same_text = source;  // Equal, but built again: its own buffer.
  EXPECT_FALSE(same_text.Shares(registry));
  EXPECT_EQ(same_text, registry);
}

TEST(SharedTextTest, ReadsAndComparesAsItsText) {
  const SharedText t = std::string("var seats = 2;");
  EXPECT_EQ(t.str(), "var seats = 2;");
  EXPECT_EQ(std::string_view(t), "var seats = 2;");
  EXPECT_EQ(t.size(), 14u);
  EXPECT_FALSE(t.empty());
  EXPECT_TRUE(t == "var seats = 2;");
  EXPECT_TRUE(t == std::string("var seats = 2;"));
  EXPECT_FALSE(t == "var seats = 3;");
  std::ostringstream out;
  out << t;
  EXPECT_EQ(out.str(), "var seats = 2;");
}

TEST(SharedTextTest, EmptyTextHoldsNothing) {
  const SharedText none;
  const SharedText from_empty = std::string();
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(from_empty.empty());
  EXPECT_EQ(none.str(), "");
  EXPECT_EQ(none, from_empty);
  EXPECT_TRUE(none.Shares(from_empty));
}

}  // namespace
}  // namespace ggs
