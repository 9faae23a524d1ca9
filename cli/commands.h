// The ggs subcommands: each file adds one to the CLI11 app and runs it when chosen.
#pragma once

#include <CLI/CLI.hpp>

namespace ggs::cli {

// Each Add* registers a subcommand whose callback runs it; the exit code it leaves in
// `*exit_code` is the process's.
void AddServe(CLI::App& app, int* exit_code);
void AddUpload(CLI::App& app, int* exit_code);
void AddBotSwarm(CLI::App& app, int* exit_code);
void AddFuzz(CLI::App& app, int* exit_code);
void AddBench(CLI::App& app, int* exit_code);
// Hidden from help: the VM worker process that a server starts.
void AddWorker(CLI::App& app, int* exit_code);

}  // namespace ggs::cli
