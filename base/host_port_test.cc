// Tests of ParseHostPort.
#include "base/host_port.h"

#include <gtest/gtest.h>

namespace ggs {
namespace {

TEST(HostPort, SplitsAtTheLastColon) {
  Result<HostPort> a = ParseHostPort("127.0.0.1:9000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9000);
  Result<HostPort> b = ParseHostPort("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
}

TEST(HostPort, RefusesWhatIsNotHostColonPort) {
  for (const char* bad :
       {"", "9000", ":9000", "host:", "host:x", "host:65536", "host:-1", "host:90 00"}) {
    Result<HostPort> r = ParseHostPort(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "bad_address") << bad;
  }
}

}  // namespace
}  // namespace ggs
