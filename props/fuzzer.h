// Fuzzer: the engine of `ggs fuzz`. It runs RapidCheck's stateful property — random sessions
// of steps generated from the session model (props/step_gen.h), played against a server by
// the session runner — shrinks a failing session to a minimal one, and writes that session
// as a transcript file that Replay() plays again.
//
// Sessions share one server: each session works on tables of its own and its players all
// leave at the end, so a session sees the server as new. After a failure the fuzzer's own
// server is replaced by a fresh one.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "core/protocol.h"
#include "core/status.h"
#include "props/target.h"
#include "props/transcript.h"

namespace ggs::props {

struct FuzzOptions {
  int sessions = 100;               // Test cases, unless the time budget ends the run first.
  uint64_t seed = 0;                // 0 picks one (printed).
  int max_steps = 100;              // The longest session.
  double time_budget_s = 0;         // Stop starting sessions after this long (0: no budget).
  std::string server;               // HOST:PORT of a running server; empty starts a child.
  std::string admin_token;          // With `server`: its admin token, so sessions upload.
  std::string binary;               // The ggs executable for the child server.
  std::string games_dir = "games";  // The shipped games: the child's --games, chat's source.
  std::string output = "ggs-fuzz-failure.txt";  // Where a failing session is written.
  int clients = 4;                              // Client slots per session.
  int timeout_ms = 2000;                        // Longest wait for an expected packet.
  // The child server's --max-header and --max-payload; with --server, the server's own.
  // The payload limit is past one read of the server (64 KiB), so that sessions send
  // payloads that take several.
  ParserLimits limits{1024, 128 * 1024};
  // Grace mode: the server's --reconnect-grace in milliseconds (the started server gets it;
  // with --server, that server's own), which wait steps sleep past. 0: a grace no session
  // reaches. No restarts in grace mode: they would race the grace periods they start.
  int grace_ms = 0;
  // Kill steps: the child server is killed with SIGKILL and started again on its database,
  // and what it kept is checked (props/durability.h). Needs restarts (no --server, no grace).
  bool kills = false;
};

struct FuzzResult {
  bool passed = true;
  int sessions = 0;  // Sessions run, shrinking included.
  int cases = 0;     // RapidCheck test cases.
  int steps = 0;
  double seconds = 0;
  uint64_t seed = 0;
  std::string failure;     // The minimal failing session's error.
  std::string transcript;  // Its session file.
  std::string reproduce;   // The command line that reproduces the failing batch.
  std::string server_log;  // The started server's log, kept after a failure ("" otherwise).
};

// Runs the property. Progress and the failure report go to `log`. Fails only when the run
// cannot start (no server, no chat source); a failing property is a result.
Result<FuzzResult> RunFuzz(const FuzzOptions& options, std::ostream& log);

struct ReplayResult {
  Status status;           // The session's verdict, or why it could not be played.
  std::string transcript;  // The record of this run, as a session file.
};

// Plays the session file at `path` once against a fresh child server (or options.server)
// with the file's limits.
ReplayResult Replay(const std::string& path, const FuzzOptions& options);

// The games directory to use: `dir` when it has chat/chat.js, else the source tree's.
std::string FindGamesDir(const std::string& dir);

}  // namespace ggs::props
