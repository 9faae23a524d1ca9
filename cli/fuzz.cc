// `ggs fuzz`: random, hostile protocol sessions against a server, checked against a model of
// what every client must receive; a failure is shrunk to a minimal session, printed as a
// transcript and written to a file that `ggs fuzz --replay FILE` plays again.
// docs/fuzz.md describes the model and the transcript format.
#include <iomanip>
#include <iostream>

#include "base/file.h"
#include "cli/commands.h"
#include "props/fuzzer.h"

namespace ggs::cli {
namespace {

struct FuzzFlags {
  props::FuzzOptions options;
  std::string replay;
};

int RunReplay(const FuzzFlags& f) {
  const props::ReplayResult replay = props::Replay(f.replay, f.options);
  std::cout << replay.transcript;
  if (!replay.status.ok()) {
    std::cerr << "ggs fuzz: replay of " << f.replay << " failed: " << replay.status.message()
              << "\n";
    return 1;
  }
  std::cout << "ggs fuzz: replay of " << f.replay << " passed\n";
  return 0;
}

void PrintRate(const props::FuzzResult& r) {
  const double seconds = std::max(r.seconds, 1e-9);
  std::cout << std::fixed << std::setprecision(1) << r.sessions << " sessions (" << r.steps
            << " steps) in " << r.seconds << " s: " << r.sessions / seconds << " sessions/s, "
            << r.steps / seconds << " steps/s; seed " << r.seed << "\n";
}

int RunFuzzCommand(const FuzzFlags& f) {
  if (!f.replay.empty()) return RunReplay(f);
  Result<props::FuzzResult> result = props::RunFuzz(f.options, std::cerr);
  if (!result.ok()) {
    std::cerr << "ggs fuzz: " << result.status().message() << "\n";
    return 2;
  }
  const props::FuzzResult& r = result.value();
  if (r.passed) {
    std::cout << "ggs fuzz: passed " << r.cases << " sessions; ";
    PrintRate(r);
    return 0;
  }
  std::cout << r.transcript << "\nggs fuzz: FAILED after " << r.cases
            << " sessions; the minimal session above fails with:\n  " << r.failure << "\n";
  if (Status s = WriteFile(f.options.output, r.transcript); s.ok()) {
    std::cout << "written to " << f.options.output << "; replay: ggs fuzz --replay "
              << f.options.output << "\n";
  } else {
    std::cerr << "ggs fuzz: " << s.message() << "\n";
  }
  std::cout << "reproduce the search: " << r.reproduce << "\n";
  if (!r.server_log.empty()) std::cout << "the server's log: " << r.server_log << "\n";
  PrintRate(r);
  return 1;
}

}  // namespace

void AddFuzz(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<FuzzFlags>();
  props::FuzzOptions& o = flags->options;
  CLI::App* cmd = app.add_subcommand(
      "fuzz",
      "Model-based random protocol sessions (RapidCheck); shrinks a failure to a minimal "
      "replayable transcript");
  cmd->add_option("--sessions", o.sessions, "Sessions (test cases) to run")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed (0 picks one; the run prints it)");
  cmd->add_option("--max-steps", o.max_steps, "Steps in the longest session")
      ->capture_default_str();
  cmd->add_option("--time-budget", o.time_budget_s,
                  "Seconds after which no new session starts (0 = no budget)");
  cmd->add_option("--server", o.server,
                  "HOST:PORT of a running server with the shipped games (default: start one; "
                  "restarts only happen then)");
  cmd->add_option("--admin-token", o.admin_token,
                  "With --server: that server's admin token, so that sessions upload games "
                  "(or env GGS_ADMIN_TOKEN)")
      ->envname("GGS_ADMIN_TOKEN");
  cmd->add_option("--replay", flags->replay, "Play a session file written by a failing run")
      ->check(CLI::ExistingFile);
  cmd->add_option("--games", o.games_dir, "The shipped games directory")->capture_default_str();
  cmd->add_option("--output", o.output, "Where a failing session is written")
      ->capture_default_str();
  cmd->add_option("--clients", o.clients, "Client connections per session")->capture_default_str();
  cmd->add_option("--timeout-ms", o.timeout_ms, "Longest wait for an expected reply")
      ->capture_default_str();
  cmd->add_option("--max-header", o.limits.max_header,
                  "--max-header of the started server; with --server, that server's (assumed 8KiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option(
         "--max-payload", o.limits.max_payload,
         "--max-payload of the started server; with --server, that server's (assumed 1MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--grace-ms", o.grace_ms,
                  "Grace mode: the started server's --reconnect-grace in ms (with --server, that "
                  "server's), which wait steps sleep past; no restarts (0 = an hour, no waits)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_flag("--kills", o.kills,
                "Kill steps: SIGKILL the started server and restart it on its database, then "
                "check that it kept every write acknowledged more than a flush interval (and a "
                "margin) before the kill and invented none");
  cmd->footer(
      "Examples:\n  ggs fuzz --sessions 500 --seed 42\n  ggs fuzz --time-budget 120\n"
      "  ggs fuzz --grace-ms 1000 --time-budget 30\n  ggs fuzz --kills --time-budget 30\n  ggs "
      "fuzz --server 127.0.0.1:9000\n  ggs fuzz "
      "--replay ggs-fuzz-failure.txt");
  cmd->callback([flags, exit_code, cmd] {
    // A running server most likely has ggs serve's own limits, not the small ones the fuzzer
    // gives the server it starts.
    if (!flags->options.server.empty()) {
      if (cmd->count("--max-header") == 0)
        flags->options.limits.max_header = ParserLimits().max_header;
      if (cmd->count("--max-payload") == 0)
        flags->options.limits.max_payload = ParserLimits().max_payload;
    }
    flags->options.binary = ExecutablePath();
    *exit_code = RunFuzzCommand(*flags);
  });
}

}  // namespace ggs::cli
