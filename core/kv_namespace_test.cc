// Tests of KvNamespace: Web Storage semantics, byte accounting and transactions.
#include "core/kv_namespace.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace ggs {
namespace {

TEST(KvNamespaceTest, RemembersItsNamespace) {
  EXPECT_EQ(KvNamespace(Namespace::kWorld).ns(), Namespace::kWorld);
  EXPECT_EQ(KvNamespace(Namespace::kLocal).ns(), Namespace::kLocal);
}

TEST(KvNamespaceTest, SetGetOverwrite) {
  KvNamespace kv(Namespace::kWorld);
  EXPECT_EQ(kv.Get("a"), nullptr);
  kv.Set("a", "1");
  ASSERT_NE(kv.Get("a"), nullptr);
  EXPECT_EQ(*kv.Get("a"), "1");
  kv.Set("a", "two");
  EXPECT_EQ(*kv.Get("a"), "two");
  EXPECT_EQ(kv.Length(), 1u);
}

TEST(KvNamespaceTest, EmptyValueIsNotMissing) {
  KvNamespace kv(Namespace::kWorld);
  kv.Set("a", "");
  ASSERT_NE(kv.Get("a"), nullptr);
  EXPECT_EQ(*kv.Get("a"), "");
}

TEST(KvNamespaceTest, RemoveAndRemoveMissing) {
  KvNamespace kv(Namespace::kLocal);
  kv.Set("a", "1");
  kv.Set("b", "2");
  kv.Remove("a");
  kv.Remove("nope");
  EXPECT_EQ(kv.Get("a"), nullptr);
  EXPECT_EQ(*kv.Get("b"), "2");
  EXPECT_EQ(kv.Length(), 1u);
}

TEST(KvNamespaceTest, Clear) {
  KvNamespace kv(Namespace::kLocal);
  kv.Set("a", "1");
  kv.Set("b", "2");
  kv.Clear();
  EXPECT_EQ(kv.Length(), 0u);
  EXPECT_EQ(kv.bytes(), 0u);
  EXPECT_EQ(kv.Get("a"), nullptr);
}

TEST(KvNamespaceTest, KeysInSortedOrderAndNullPastTheEnd) {
  KvNamespace kv(Namespace::kWorld);
  kv.Set("c", "3");
  kv.Set("a", "1");
  kv.Set("b", "2");
  ASSERT_EQ(kv.Length(), 3u);
  EXPECT_EQ(*kv.Key(0), "a");
  EXPECT_EQ(*kv.Key(1), "b");
  EXPECT_EQ(*kv.Key(2), "c");
  EXPECT_EQ(kv.Key(3), nullptr);
  EXPECT_EQ(kv.Key(1000), nullptr);
}

// The cursor behind Key() must follow any access order and every change of the key set.
TEST(KvNamespaceTest, KeyStaysRightInAnyOrderAndAfterChanges) {
  KvNamespace kv(Namespace::kWorld);
  for (char c = 'a'; c <= 'j'; ++c) kv.Set(std::string(1, c), "v");
  EXPECT_EQ(*kv.Key(5), "f");
  EXPECT_EQ(*kv.Key(2), "c");
  EXPECT_EQ(*kv.Key(9), "j");
  EXPECT_EQ(*kv.Key(3), "d");
  kv.Remove("a");
  EXPECT_EQ(*kv.Key(3), "e");
  kv.Set("0", "v");
  EXPECT_EQ(*kv.Key(0), "0");
  EXPECT_EQ(*kv.Key(3), "d");
  kv.Clear();
  EXPECT_EQ(kv.Key(0), nullptr);
  kv.Load("z", "v");
  EXPECT_EQ(*kv.Key(0), "z");
}

TEST(KvNamespaceTest, KeyOnACopyReadsTheCopy) {
  KvNamespace original(Namespace::kWorld);
  original.Set("a", "1");
  original.Set("b", "2");
  EXPECT_EQ(*original.Key(1), "b");
  KvNamespace copy = original;
  original.Remove("b");
  EXPECT_EQ(*copy.Key(1), "b");
  EXPECT_EQ(original.Key(1), nullptr);
}

TEST(KvNamespaceTest, BytesCountKeysAndValues) {
  KvNamespace kv(Namespace::kWorld);
  EXPECT_EQ(kv.bytes(), 0u);
  kv.Set("ab", "cde");
  EXPECT_EQ(kv.bytes(), 5u);
  kv.Set("ab", "z");
  EXPECT_EQ(kv.bytes(), 3u);
  kv.Set("x", "");
  EXPECT_EQ(kv.bytes(), 4u);
  kv.Remove("ab");
  EXPECT_EQ(kv.bytes(), 1u);
  kv.Remove("x");
  EXPECT_EQ(kv.bytes(), 0u);
}

TEST(KvNamespaceTest, LoadDoesNotEnterTheUndoLog) {
  KvNamespace kv(Namespace::kWorld);
  kv.Begin();
  kv.Load("a", "1");
  kv.Rollback();
  EXPECT_EQ(*kv.Get("a"), "1");
}

TEST(KvNamespaceTest, CommitKeepsChanges) {
  KvNamespace kv(Namespace::kWorld);
  kv.Set("keep", "old");
  kv.Set("gone", "x");
  kv.Begin();
  kv.Set("keep", "new");
  kv.Set("added", "y");
  kv.Remove("gone");
  kv.Commit();
  EXPECT_EQ(*kv.Get("keep"), "new");
  EXPECT_EQ(*kv.Get("added"), "y");
  EXPECT_EQ(kv.Get("gone"), nullptr);
  // A later rollback cannot reach into a committed transaction.
  kv.Begin();
  kv.Rollback();
  EXPECT_EQ(*kv.Get("keep"), "new");
  EXPECT_EQ(kv.Get("gone"), nullptr);
}

// Every kind of change, several times over the same keys, then a rollback: the items and
// the byte count must be exactly as before.
TEST(KvNamespaceTest, RollbackRestoresExactly) {
  KvNamespace kv(Namespace::kLocal);
  kv.Set("a", "1");
  kv.Set("b", "22");
  kv.Set("c", "333");
  const std::map<std::string, std::string> before = kv.items();
  const size_t bytes_before = kv.bytes();

  kv.Begin();
  kv.Set("a", "changed");
  kv.Set("a", "changed again");
  kv.Remove("b");
  kv.Set("b", "back with another value");
  kv.Set("d", "new");
  kv.Remove("c");
  kv.Remove("missing");
  kv.Rollback();

  EXPECT_EQ(kv.items(), before);
  EXPECT_EQ(kv.bytes(), bytes_before);
}

TEST(KvNamespaceTest, RollbackOfClearRestoresEverything) {
  KvNamespace kv(Namespace::kWorld);
  kv.Set("a", "1");
  kv.Set("b", "2");
  const std::map<std::string, std::string> before = kv.items();
  const size_t bytes_before = kv.bytes();

  kv.Begin();
  kv.Set("a", "x");
  kv.Clear();
  kv.Set("c", "3");
  kv.Clear();
  kv.Set("b", "y");
  kv.Rollback();

  EXPECT_EQ(kv.items(), before);
  EXPECT_EQ(kv.bytes(), bytes_before);
  EXPECT_EQ(*kv.Key(0), "a");
  EXPECT_EQ(*kv.Key(1), "b");
}

TEST(KvNamespaceTest, ChangesOutsideATransactionAreNotUndone) {
  KvNamespace kv(Namespace::kWorld);
  kv.Set("a", "1");
  kv.Begin();
  kv.Set("b", "2");
  kv.Rollback();
  kv.Set("c", "3");
  kv.Begin();
  kv.Rollback();
  EXPECT_EQ(*kv.Get("a"), "1");
  EXPECT_EQ(kv.Get("b"), nullptr);
  EXPECT_EQ(*kv.Get("c"), "3");
}

TEST(KvNamespaceTest, TransactionsCanRepeat) {
  KvNamespace kv(Namespace::kWorld);
  for (int i = 0; i < 3; ++i) {
    kv.Begin();
    kv.Set("n", std::to_string(i));
    kv.Commit();
    kv.Begin();
    kv.Set("n", "discarded");
    kv.Clear();
    kv.Rollback();
    EXPECT_EQ(*kv.Get("n"), std::to_string(i));
    EXPECT_EQ(kv.Length(), 1u);
  }
}

}  // namespace
}  // namespace ggs
