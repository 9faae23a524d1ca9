// StepCheck: whether a step may follow a session's model. These are the rules the
// generator (props/step_gen.h) aims at and that the fuzzer and the tests check each step
// against before predicting it (props/session_model.h); a replayed session whose steps
// break them is refused.
//
// The rules restate the protocol's byte classes and command list instead of calling core,
// so that the model does not trust the code it checks.
#pragma once

#include "core/status.h"
#include "props/session_model.h"
#include "props/step.h"

namespace ggs::props {

// Ok when `step` may follow `model`: its client slot is in the right state, the players and
// tables it names exist, and its bytes obey the grammar the prediction relies on. Otherwise
// an error (code "bad_step") that says why.
Status CheckStep(const Model& model, const Step& step);
inline bool Applicable(const Model& model, const Step& step) { return CheckStep(model, step).ok(); }

}  // namespace ggs::props
