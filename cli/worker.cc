// `ggs worker` (hidden): a VM worker process. It speaks the worker wire (core/vm_wire.h) on
// stdin and stdout and runs its tables' games; `ggs serve` is to start and supervise it.
#include <unistd.h>

#include "cli/commands.h"
#include "core/worker_loop.h"

namespace ggs::cli {

void AddWorker(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "worker", "Run game VMs for a server: events on stdin, replies on stdout (internal)");
  cmd->group("");
  cmd->callback([exit_code] { *exit_code = RunWorker(STDIN_FILENO, STDOUT_FILENO); });
}

}  // namespace ggs::cli
