// Test support for the end-to-end tests of `ggs serve --cluster`: an E2eTest with a real
// redis-server child of its own, started before each test and stopped after its servers.
// Test-only; included by *_e2e_test.cc.
#pragma once

#include <memory>

#include "cli/e2e_support.h"
#include "testing/redis_process.h"

namespace ggs::e2e {

class RedisE2eTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
    ASSERT_TRUE(redis.ok()) << redis.status().ToString();
    redis_ = std::move(*redis);
  }
  // A test that starts servers of its own stops them first, then calls this.
  void TearDown() override {
    E2eTest::TearDown();  // The server stops before its Redis.
    redis_.reset();
  }

  std::unique_ptr<RedisProcess> redis_;
};

}  // namespace ggs::e2e
