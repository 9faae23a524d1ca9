#include "base/resolve.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

namespace ggs {
namespace {

TEST(ResolveTest, AnAddressNeedsNoLookup) {
  Result<sockaddr_storage> v4 = ResolveHostPort({"127.0.0.1", 9000});
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  ASSERT_EQ(v4->ss_family, AF_INET);
  const auto* in = reinterpret_cast<const sockaddr_in*>(&v4.value());
  EXPECT_EQ(ntohs(in->sin_port), 9000);
  EXPECT_EQ(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
  Result<sockaddr_storage> v6 = ResolveHostPort({"::1", 80});
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->ss_family, AF_INET6);
}

TEST(ResolveTest, LocalhostIsIpv4) {
  Result<sockaddr_storage> local = ResolveHostPort({"localhost", 80});
  ASSERT_TRUE(local.ok()) << local.status().message();
  EXPECT_EQ(local->ss_family, AF_INET);
}

TEST(ResolveTest, AnUnknownNameIsABadAddress) {
  Result<sockaddr_storage> none = ResolveHostPort({"no such host.invalid", 80});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), "bad_address");
  EXPECT_NE(none.status().message().find("no such host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace ggs
