// The micro benchmarks: every BM_ function in bench/*.cc, run in-process through Google
// Benchmark and collected as plain figures, so that `ggs bench` prints them in its one
// table and writes them to its JSON. Also the packet the benchmarks share.
//
// Thread: RunMicro runs on the calling thread; call it at most once per process (Google
// Benchmark keeps its flags in globals).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace ggs::bench {

// One benchmark (one BM_ function with one argument), as measured.
struct MicroResult {
  std::string name;  // BM_Name or BM_Name/arg.
  int64_t iterations = 0;
  double real_ns = 0;      // Wall time per iteration.
  double cpu_ns = 0;       // CPU time per iteration (the main thread's).
  double bytes_per_s = 0;  // 0 when the benchmark does not count bytes.
  double items_per_s = 0;  // Its unit (packets, calls, rows, ticks) is in its name.
  // Memory per item in bytes, for the benchmarks that measure it (counter memory_per_item);
  // 0 otherwise.
  double memory_per_item = 0;
  std::string error;  // Not empty when the benchmark skipped itself with an error.
};

struct MicroOptions {
  std::string filter = ".";  // A regular expression over the names.
  // Seconds each benchmark runs for at least. A tiny value runs each benchmark's loop
  // once, which is what the smoke run (`--quick`) wants.
  double min_time_s = 0.3;
};

// Runs every registered benchmark matching the filter. Fails with code "bad_options" for
// an invalid filter.
Result<std::vector<MicroResult>> RunMicro(const MicroOptions& options);

// Pong's `state` broadcast as the server encodes it (about 60 bytes): the message the
// parser benchmarks parse and the echo ceiling echoes.
const std::string& StatePacketBytes();

}  // namespace ggs::bench
