// StepGen: RapidCheck generators of the steps that may follow a model: what a hostile or
// clumsy client might do next. The choice leans toward steps that reach deep states (hellos
// that seat players, chat between seated players, resumes of disconnected players) and
// mixes in every error the protocol defines.
#pragma once

#include <rapidcheck.h>

#include "props/session_model.h"
#include "props/step.h"

namespace ggs::props {

// Generates a step for which Applicable(model, step) (props/step_check.h) holds (nearly
// always; RapidCheck's stateful machinery regenerates the rare one that does not).
rc::Gen<Step> GenStep(const Model& model);

// The parts, for tests.
rc::Gen<Encoding> GenEncoding();
rc::Gen<Step> GenCorruptStep(const Model& model, int client);

}  // namespace ggs::props
