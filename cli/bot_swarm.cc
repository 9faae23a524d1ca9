// `ggs bot-swarm`: placeholder until its issue lands; it says so and fails.
#include <iostream>

#include "cli/commands.h"

namespace ggs::cli {

void AddBotSwarm(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("bot-swarm", "(not built yet)");
  cmd->callback([exit_code] {
    std::cerr << "ggs bot-swarm: not built yet\n";
    *exit_code = 2;
  });
}

}  // namespace ggs::cli
