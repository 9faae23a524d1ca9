// ggs: the game server and the toolkit around it (serve, upload, bot-swarm, fuzz, bench).
#include <csignal>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

// CLI11 reads config files only at the top level, while users write `ggs serve --config F`;
// so `--config F` (or `--config=F`) moves in front of the subcommand.
std::vector<std::string> HoistConfigFlag(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 2; i < args.size(); ++i) {
    const bool split = args[i] == "--config" && i + 1 < args.size();
    if (!split && !args[i].starts_with("--config=")) continue;
    std::vector<std::string> flag(args.begin() + static_cast<long>(i),
                                  args.begin() + static_cast<long>(i + (split ? 2 : 1)));
    args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i + flag.size()));
    args.insert(args.begin() + 1, flag.begin(), flag.end());
    break;
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // Write errors are handled where they happen.
  CLI::App app{"ggs: a reliable generic game server for JavaScript games, and its toolkit"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ggs 0.1");
  app.set_config("--config", "",
                 "Read flags from a TOML file with one [SUBCOMMAND] section of `flag = value` lines");
  app.allow_config_extras(CLI::config_extras_mode::error);
  int exit_code = 0;
  ggs::cli::AddServe(app, &exit_code);
  ggs::cli::AddUpload(app, &exit_code);
  ggs::cli::AddBotSwarm(app, &exit_code);
  ggs::cli::AddFuzz(app, &exit_code);
  ggs::cli::AddBench(app, &exit_code);
  ggs::cli::AddWorker(app, &exit_code);
  std::vector<std::string> args = HoistConfigFlag(argc, argv);
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  CLI11_PARSE(app, static_cast<int>(cargs.size()), cargs.data());
  return exit_code;
}
