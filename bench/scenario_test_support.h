// Test support for the end-to-end scenario tests: a scratch context with the benchmark games
// installed and tiny windows, so that each scenario runs against real processes in well
// under a second. Test-only.
#pragma once

#include <gtest/gtest.h>

#include "bench/scenarios.h"

namespace ggs::bench {

class TinyScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<ScenarioContext> c = MakeContext(GGS_BINARY);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    context_ = *c;
    context_.duration_s = 0.3;
    context_.warmup_s = 0.1;
  }
  ScenarioContext context_;
};

}  // namespace ggs::bench
