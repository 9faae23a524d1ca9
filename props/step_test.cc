// Tests of the step's text form: every generated step survives ToLine and ParseStep.
#include "props/step.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "props/session_model.h"
#include "props/step_check.h"
#include "props/step_gen.h"

namespace ggs::props {
namespace {

TEST(Step, LineNamesOnlyWhatDiffersFromTheDefaults) {
  Step s;
  s.op = Op::kHello;
  s.client = 2;
  s.mode = HelloMode::kJoin;
  s.target = 1;
  s.splits = {100, 900};
  EXPECT_EQ(ToLine(s), "op=hello client=2 mode=join target=1 split=100,900");
  Result<Step> parsed = ParseStep(ToLine(s));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value(), s);
}

TEST(Step, ParseNamesTheBadField) {
  EXPECT_EQ(ParseStep("op=hello client=x").status().message(), "bad field 'client=x'");
  EXPECT_FALSE(ParseStep("op=dance").ok());
  EXPECT_FALSE(ParseStep("colour=red").ok());
  EXPECT_FALSE(ParseStep("op=ping enc=sideways").ok());
  EXPECT_FALSE(ParseStep("op").ok());
}

RC_GTEST_PROP(Step, EveryGeneratedStepSurvivesItsTextForm, ()) {
  Model model = InitialModel(ModelConfig{});
  // Walk a few steps in, so that hellos, joins and resumes have something to name.
  const int walk = *rc::gen::inRange(0, 12);
  for (int i = 0; i < walk; ++i) {
    const Step step = *GenStep(model);
    if (Applicable(model, step)) model = Predict(model, step).next;
  }
  const Step step = *GenStep(model);
  const Result<Step> parsed = ParseStep(ToLine(step));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(parsed.value() == step);
}

}  // namespace
}  // namespace ggs::props
