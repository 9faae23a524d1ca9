// ggs: the game server and the toolkit around it (serve, upload, bot-swarm, fuzz, bench).
#include <csignal>

#include "cli/commands.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // Write errors are handled where they happen.
  CLI::App app{"ggs: a reliable generic game server for JavaScript games, and its toolkit"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ggs 0.1");
  int exit_code = 0;
  ggs::cli::AddServe(app, &exit_code);
  ggs::cli::AddUpload(app, &exit_code);
  ggs::cli::AddBotSwarm(app, &exit_code);
  ggs::cli::AddFuzz(app, &exit_code);
  ggs::cli::AddBench(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
