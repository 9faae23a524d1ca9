// Sandbox: RLIMIT_AS and the worker's seccomp allow-list.
#include "core/sandbox.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "core/protocol.h"

namespace ggs {
namespace {

// The system calls a worker may make once it is running, each allowed without conditions.
// Measured with strace over the worker tests, a running worker makes only read, write, brk,
// mmap, munmap and exit_group; the others are what glibc's malloc, realloc, free and locks
// call on paths those tests may not reach. mmap and mprotect are not in this list: they are
// allowed only without PROT_EXEC, below.
constexpr int kAllowed[] = {
    SCMP_SYS(read),           // Event batches on stdin.
    SCMP_SYS(write),          // Reply batches on stdout, log lines on stderr.
    SCMP_SYS(exit_group),     // The end of input, or a broken stream.
    SCMP_SYS(exit),           // The C library's fallback when exit_group returns.
    SCMP_SYS(brk),            // malloc's main heap.
    SCMP_SYS(munmap),         // malloc returning large blocks.
    SCMP_SYS(mremap),         // realloc of large blocks.
    SCMP_SYS(madvise),        // free() trimming memory; the VM allocator returning pages.
    SCMP_SYS(clock_gettime),  // Progress timestamps when the vDSO is bypassed.
    SCMP_SYS(rt_sigreturn),   // Returning from a signal handler.
    SCMP_SYS(futex),          // Locks inside the C and C++ libraries.
};

Status Failed(const char* what, int rc) {
  return Status::Error(error::kInternal,
                       std::string("seccomp: ") + what + ": " + std::strerror(rc < 0 ? -rc : rc));
}

// Adds every rule of the allow-list to `filter`; returns the first failure.
Status AddRules(scmp_filter_ctx filter) {
  for (const int call : kAllowed) {
    if (const int rc = seccomp_rule_add(filter, SCMP_ACT_ALLOW, call, 0); rc != 0) {
      return Failed("seccomp_rule_add", rc);
    }
  }
  // New memory (the VM allocator's regions, malloc's arenas) and changes of its protection,
  // never executable: the third argument's PROT_EXEC bit must be clear.
  for (const int call : {SCMP_SYS(mmap), SCMP_SYS(mprotect)}) {
    const int rc = seccomp_rule_add(filter, SCMP_ACT_ALLOW, call, 1,
                                    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    if (rc != 0) return Failed("seccomp_rule_add(mmap, mprotect)", rc);
  }
  return Status::Ok();
}

}  // namespace

Status LimitAddressSpace(size_t bytes) {
  if (bytes == 0 || !kHardeningWorks) return Status::Ok();
  const rlimit limit{bytes, bytes};
  if (setrlimit(RLIMIT_AS, &limit) != 0) {
    return Status::Error(error::kInternal,
                         std::string("setrlimit(RLIMIT_AS): ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status EnterSandbox() {
  if (!kHardeningWorks) return Status::Ok();
  // The C library reads the time zone on the first time conversion, and the log converts
  // time: have it read now, while open() is still allowed.
  tzset();
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (filter == nullptr) return Status::Error(error::kInternal, "seccomp_init failed");
  Status s = AddRules(filter);
  if (s.ok()) {
    if (const int rc = seccomp_load(filter); rc != 0) s = Failed("seccomp_load", rc);
  }
  seccomp_release(filter);
  return s;
}

}  // namespace ggs
