// Tests of the digest home: SHA-256 against known vectors, and the secret comparison.
#include "core/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace ggs {
namespace {

std::string Hex(const Sha256Digest& d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const uint8_t byte : d) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

TEST(DigestTest, Sha256MatchesTheStandardsVectors) {
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, Sha1MatchesTheStandardsVector) {
  const Sha1Digest d = Sha1("abc");
  EXPECT_EQ(Base64(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())),
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

TEST(DigestTest, Base64PadsToWholeQuads) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64(std::string("\0\xff", 2)), "AP8=");
}

TEST(DigestTest, OnlyTheSameNonEmptySecretIsEqual) {
  EXPECT_TRUE(SecretsEqual("s3cret", "s3cret"));
  EXPECT_FALSE(SecretsEqual("s3creT", "s3cret"));
  EXPECT_FALSE(SecretsEqual("s3cre", "s3cret"));
  EXPECT_FALSE(SecretsEqual("s3cret\n", "s3cret"));
  EXPECT_FALSE(SecretsEqual(std::string("s3cret\0", 7), "s3cret"));
  EXPECT_FALSE(SecretsEqual("", ""));
  EXPECT_FALSE(SecretsEqual("", "s3cret"));
  EXPECT_FALSE(SecretsEqual("s3cret", ""));
}

}  // namespace
}  // namespace ggs
