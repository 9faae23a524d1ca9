// Fuzzer: RapidCheck's stateful testing (rc::state) over the session model and runner.
#include "props/fuzzer.h"

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>

#include "base/file.h"
#include "base/host_port.h"
#include "client/sync_client.h"
#include "props/session_model.h"
#include "props/session_runner.h"
#include "props/step_check.h"
#include "props/step_gen.h"

namespace ggs::props {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBatch = 25;  // Test cases per RapidCheck run; sizes ramp up in each.

// One step as a RapidCheck command: the model decides whether it applies and what it does;
// running it is the runner's job.
class StepCommand final : public rc::state::Command<Model, SessionRunner> {
 public:
  explicit StepCommand(Step step) : step_(std::move(step)) {}
  void checkPreconditions(const Model& model) const override { RC_PRE(Applicable(model, step_)); }
  void apply(Model& model) const override { model = Predict(model, step_).next; }
  void run(const Model& model, SessionRunner& runner) const override {
    const Status s = runner.Execute(model, step_);
    if (!s.ok()) RC_FAIL(s.message());
  }
  void show(std::ostream& os) const override { os << ToLine(step_); }
  const Step& step() const { return step_; }

 private:
  Step step_;
};

using CommandPtr = std::shared_ptr<const rc::state::Command<Model, SessionRunner>>;

rc::Gen<CommandPtr> GenCommand(const Model& model) {
  return rc::gen::map(GenStep(model),
                      [](Step step) -> CommandPtr { return std::make_shared<StepCommand>(step); });
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Result<std::unique_ptr<Target>> MakeTarget(const FuzzOptions& o, const ParserLimits& limits) {
  if (!o.server.empty()) {
    Result<HostPort> address = ParseHostPort(o.server);
    if (!address.ok()) return address.status();
    return std::unique_ptr<Target>(new RemoteServer(address->host, address->port, o.admin_token));
  }
  ChildOptions child;
  child.binary = o.binary;
  child.games_dir = std::filesystem::absolute(o.games_dir).string();
  child.limits = limits;
  child.grace_ms = o.grace_ms;
  Result<std::unique_ptr<ChildServer>> started = ChildServer::Start(child);
  if (!started.ok()) return started.status();
  return std::unique_ptr<Target>(std::move(started.value()));
}

// Plays `steps` as one session, then makes the server forget it. Returns the session's
// verdict; a server in an unknown state afterwards is reset.
Status PlaySession(const ModelConfig& config, const std::vector<Step>& steps, Target& target,
                   SessionRunner& runner, Transcript& transcript) {
  transcript.Clear();
  Model model = InitialModel(config);
  Status status = Status::Ok();
  // A kill may keep less than the steps were generated for (a seat, a table), so that a
  // later step names a table or player the session no longer has; such a step is skipped.
  bool killed = false;
  for (const Step& step : steps) {
    if (Status check = CheckStep(model, step); !check.ok() && killed) {
      transcript.Note("skipped, since the kill kept less: step " + ToLine(step));
      continue;
    } else if (!check.ok()) {
      status = Status::Error("bad_session",
                             "step " + ToLine(step) + " does not apply: " + check.message());
      break;
    }
    status = runner.Execute(model, step);
    if (!status.ok()) break;
    model = runner.ModelAfter(model, step);
    killed = killed || step.op == Op::kKill;
  }
  if (status.ok()) status = runner.Finish(model);
  if (status.ok() || !target.can_restart()) {
    if (runner.Cleanup().ok()) return status;
  }
  runner.Forget();
  if (Status reset = target.Reset(); !reset.ok()) return reset;
  return status;
}

// Everything one run of the property needs, shared by its test cases.
struct Harness {
  ModelConfig config;
  Target* target = nullptr;
  SessionRunner* runner = nullptr;
  Transcript transcript;
  int sessions = 0;
  int steps = 0;
  int cases_at_failure = 0;  // Sessions run when the first failure showed; shrinking follows.
  bool out_of_time = false;
  // No session starts after the deadline, except that a failure found before it may be
  // shrunk until the shrink deadline.
  Clock::time_point deadline = Clock::time_point::max();
  Clock::time_point shrink_deadline = Clock::time_point::max();
  // The last failing session, which after shrinking is the minimal one.
  std::string failure;
  std::string failure_transcript;
};

void RunProperty(Harness& h) {
  if (Clock::now() > (h.cases_at_failure == 0 ? h.deadline : h.shrink_deadline)) {
    h.out_of_time = true;  // The remaining cases (or shrinks) pass without running.
    return;
  }
  const auto commands = *rc::state::gen::commands(InitialModel(h.config), &GenCommand);
  std::vector<Step> steps;
  for (const CommandPtr& c : commands) steps.push_back(static_cast<const StepCommand&>(*c).step());
  ++h.sessions;
  h.steps += static_cast<int>(steps.size());
  const Status s = PlaySession(h.config, steps, *h.target, *h.runner, h.transcript);
  if (s.ok()) return;
  if (h.cases_at_failure == 0) h.cases_at_failure = h.sessions;
  h.failure = s.message();
  h.failure_transcript = h.transcript.Text(h.config, {});
  RC_FAIL(s.message());
}

std::string ReproduceCommand(const FuzzOptions& o, uint64_t seed, int sessions) {
  std::string command = "ggs fuzz --seed " + std::to_string(seed) + " --sessions " +
                        std::to_string(sessions) + " --max-steps " + std::to_string(o.max_steps);
  if (!o.server.empty()) command += " --server " + o.server;
  return command;
}

ModelConfig ConfigFor(const FuzzOptions& o, const Target& target) {
  ModelConfig config;
  config.clients = o.clients;
  config.limits = o.limits;
  config.restarts = target.can_restart() && o.grace_ms <= 0;
  config.grace_ms = std::max(0, o.grace_ms);
  config.uploads = !target.admin_token().empty();
  config.kills = config.restarts && o.kills;
  return config;
}

// The shipped sources the sessions send: chat's for `define`, and each uploadable game's,
// which must be no larger than the model assumes (kUploadableGames).
Result<RunnerOptions> LoadRunnerOptions(const FuzzOptions& o) {
  RunnerOptions runner;
  runner.timeout_ms = o.timeout_ms;
  for (const UploadableGame& game : kUploadableGames) {
    const std::string path = o.games_dir + "/" + game.name + "/" + game.name + ".js";
    Result<std::string> source = ReadFile(path);
    if (!source.ok()) return source.status();
    if (source->size() > game.max_source) {
      return Status::Error("too_large", path + " is larger than the " +
                                            std::to_string(game.max_source) +
                                            " bytes props/session_model.h assumes");
    }
    runner.game_sources[game.name] = source.value();
  }
  Result<std::string> chat = ReadFile(o.games_dir + "/chat/chat.js");
  if (!chat.ok()) return chat.status();
  runner.chat_source = chat.value();
  return runner;
}

// RapidCheck's own reports (progress, RC_PARAMS hints) would only repeat ours.
class QuietListener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

// Runs one RapidCheck batch; returns false when it found a failure.
bool RunBatch(Harness& h, uint64_t seed, int cases, int max_steps) {
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  params.maxSize = max_steps;
  rc::detail::TestMetadata metadata;
  metadata.id = metadata.description = "ggs server sessions";
  QuietListener quiet;
  // With an explicit (empty) reproduce map RapidCheck leaves its global configuration alone,
  // which would announce a random seed of its own.
  const rc::detail::TestResult outcome = rc::detail::checkProperty(
      rc::detail::toProperty([&h] { RunProperty(h); }), metadata, params, quiet, {});
  return outcome.is<rc::detail::SuccessResult>();
}

}  // namespace

std::string FindGamesDir(const std::string& dir) {
  if (std::filesystem::exists(std::filesystem::path(dir) / "chat" / "chat.js")) return dir;
#ifdef GGS_SOURCE_DIR
  return std::string(GGS_SOURCE_DIR) + "/games";
#else
  return dir;
#endif
}

Result<FuzzResult> RunFuzz(const FuzzOptions& options, std::ostream& log) {
  FuzzOptions o = options;
  o.games_dir = FindGamesDir(o.games_dir);
  Result<RunnerOptions> runner_options = LoadRunnerOptions(o);
  if (!runner_options.ok()) return runner_options.status();
  Result<std::unique_ptr<Target>> target = MakeTarget(o, o.limits);
  if (!target.ok()) return target.status();
  FuzzResult result;
  std::random_device random;
  result.seed = o.seed != 0 ? o.seed : (uint64_t{random()} << 32 | random());
  Harness h;
  h.config = ConfigFor(o, *target.value());
  h.target = target.value().get();
  SessionRunner runner(h.target, runner_options.value(), &h.transcript);
  h.runner = &runner;
  const auto start = Clock::now();
  if (o.time_budget_s > 0) {
    const auto budget = std::chrono::milliseconds(static_cast<int64_t>(o.time_budget_s * 1000));
    h.deadline = start + budget;
    h.shrink_deadline = start + 2 * budget;
  }
  log << "ggs fuzz: seed " << result.seed << ", up to " << o.sessions << " sessions of up to "
      << o.max_steps << " steps against " << (o.server.empty() ? "a ggs serve child" : o.server)
      << std::endl;
  int planned = 0;
  for (int batch = 0; planned < o.sessions && !h.out_of_time; ++batch) {
    const uint64_t seed = batch == 0 ? result.seed : SplitMix(result.seed + batch);
    const int cases = std::min(kBatch, o.sessions - planned);
    planned += cases;
    if (!RunBatch(h, seed, cases, o.max_steps)) {
      result.passed = false;
      result.failure = h.failure;
      result.reproduce = ReproduceCommand(o, seed, cases);
      break;
    }
  }
  result.sessions = h.sessions;
  result.cases = result.passed ? h.sessions : h.cases_at_failure;
  result.steps = h.steps;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!result.passed) {
    result.transcript = "# ggs fuzz: the minimal failing session of seed " +
                        std::to_string(result.seed) + ", found after " +
                        std::to_string(h.cases_at_failure) + " sessions.\n# " + h.failure +
                        "\n# Search again: " + result.reproduce +
                        "\n# Play again: ggs fuzz --replay FILE\n" + h.failure_transcript;
    if (auto* child = dynamic_cast<ChildServer*>(h.target)) {
      child->keep_files();
      result.server_log = child->log_path();
    }
  }
  return result;
}

ReplayResult Replay(const std::string& path, const FuzzOptions& options) {
  Result<SessionFile> file = ReadSessionFile(path);
  if (!file.ok()) return {file.status(), ""};
  FuzzOptions o = options;
  o.games_dir = FindGamesDir(o.games_dir);
  o.grace_ms = file->config.grace_ms;
  Result<RunnerOptions> runner_options = LoadRunnerOptions(o);
  if (!runner_options.ok()) return {runner_options.status(), ""};
  Result<std::unique_ptr<Target>> target = MakeTarget(o, file->config.limits);
  if (!target.ok()) return {target.status(), ""};
  if (file->config.restarts && !target.value()->can_restart()) {
    return {
        Status::Error("bad_session", "the session restarts the server; replay it without --server"),
        ""};
  }
  if (file->config.uploads && target.value()->admin_token().empty()) {
    return {Status::Error("bad_session", "the session uploads games; replay it without --server"),
            ""};
  }
  Transcript record;
  SessionRunner runner(target.value().get(), runner_options.value(), &record);
  const Status status = PlaySession(file->config, file->steps, *target.value(), runner, record);
  return {status, record.Text(file->config, {})};
}

}  // namespace ggs::props
