// The process tree under one process, read from /proc: a server's worker children, for the
// benchmark that kills one and for the samplers that add their CPU and memory to the
// server's. Linux only.
#pragma once

#include <sys/types.h>

#include <vector>

namespace ggs {

// The live children of `parent` (processes whose parent pid is `parent`), in increasing pid
// order; empty when it has none or does not exist. It scans /proc/*/stat, so it costs one
// read per process on the machine: fine once a second, not in a hot loop.
std::vector<pid_t> ChildProcesses(pid_t parent);

// `root` followed by all its live descendants (children, their children, ...), from one
// scan of /proc; empty when `root` does not exist. A process that ends during the scan may
// be missing.
std::vector<pid_t> ProcessTree(pid_t root);

}  // namespace ggs
