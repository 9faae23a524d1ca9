// Process figures from Linux: CPU time and memory of the swarm itself and, when its pid is
// known, of the server it measures with its worker children (from /proc/PID/stat and
// /proc/PID/status).
#pragma once

#include <sys/types.h>

#include "core/status.h"

namespace ggs::bots {

struct ProcessSample {
  double cpu_s = 0;   // User plus system CPU time since the process started.
  double rss_mb = 0;  // Resident set size now (VmRSS).
  double hwm_mb = 0;  // Peak resident set size (VmHWM).
};

// The whole machine's CPU time by kind since boot, in seconds summed over all CPUs, from
// the first line of /proc/stat. Softirq time matters on loopback: the receiving side's TCP
// work runs there, accounted to no process.
struct MachineSample {
  double user = 0;  // User and nice.
  double system = 0;
  double softirq = 0;  // Softirq and irq.
  double steal = 0;    // Taken by the hypervisor for other guests.
  double idle = 0;     // Idle and I/O wait.
  int cpus = 0;
};

// Samples process `pid`. Fails with code "io" when it cannot be read (no such process).
Result<ProcessSample> SampleProcess(pid_t pid);

// Samples process `pid` with every live descendant (base/process_tree.h): a `ggs serve`
// together with its VM workers. cpu_s is the sum over the tree of each process's own CPU
// plus the CPU of its children that have ended and been reaped (utime, stime, cutime and
// cstime), so a worker that is killed and reaped keeps counting through its parent; rss_mb
// and hwm_mb are sums over the live processes (the peaks of different processes may not
// have coincided, so hwm_mb is an upper bound). Fails with code "io" when `pid` cannot be
// read; a descendant that ends during the sample is left out.
Result<ProcessSample> SampleProcessTree(pid_t pid);

// Samples /proc/stat. Fails with code "io" when it cannot be read.
Result<MachineSample> SampleMachine();

// This process's user plus system CPU time, from getrusage (all threads).
double SelfCpuSeconds();

}  // namespace ggs::bots
