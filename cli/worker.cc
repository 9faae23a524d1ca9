// `ggs worker` (hidden): a VM worker process. It speaks the worker wire (core/vm_wire.h) on
// stdin and stdout and runs its tables' games; `ggs serve` is to start and supervise it
// (core/worker_pool.h). Its hardening is applied before the first read: the address-space
// cap, the progress page, then the seccomp filter, which must come last.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/worker_loop.h"
#include "core/worker_progress.h"

namespace ggs::cli {
namespace {

struct WorkerFlags {
  int progress_fd = -1;
  size_t address_space = 0;
  bool sandbox = false;
  bool try_open_after_sandbox = false;  // Tests only: prove that the filter kills.
};

int Refuse(const Status& s) {
  Log(LogLevel::kError, "ggs worker: " + s.ToString());
  return 1;
}

int Worker(const WorkerFlags& flags) {
  if (Status s = LimitAddressSpace(flags.address_space); !s.ok()) return Refuse(s);
  WorkerProgress* progress = nullptr;
  if (flags.progress_fd >= 0) {
    Result<WorkerProgress*> page = MapProgressPage(flags.progress_fd);
    if (!page.ok()) return Refuse(page.status());
    ::close(flags.progress_fd);
    progress = *page;
  }
  if (flags.sandbox) {
    if (Status s = EnterSandbox(); !s.ok()) return Refuse(s);
  }
  if (flags.try_open_after_sandbox) {
    const int fd = ::open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
    return 3;  // Reached only without a filter that forbids open.
  }
  const int code = RunWorker(STDIN_FILENO, STDOUT_FILENO, wire::kDefaultMaxMessage, progress);
  UnmapProgressPage(progress);
  return code;
}

}  // namespace

void AddWorker(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "worker", "Run game VMs for a server: events on stdin, replies on stdout (internal)");
  cmd->group("");
  auto flags = std::make_shared<WorkerFlags>();
  cmd->add_option("--progress-fd", flags->progress_fd,
                  "Descriptor of the progress page shared with the server");
  cmd->add_option("--address-space", flags->address_space,
                  "Cap on the process's address space in bytes (0: none)");
  cmd->add_flag("--sandbox", flags->sandbox,
                "Allow only the system calls a running worker needs (seccomp)");
  cmd->add_flag("--try-open-after-sandbox", flags->try_open_after_sandbox,
                "Test only: open a file after the filter is installed")
      ->group("");
  cmd->callback([exit_code, flags] { *exit_code = Worker(*flags); });
}

}  // namespace ggs::cli
