// WorkerProgress: the page a VM worker shares with its supervisor to say which event it is
// running and since when. Replies come back once per read batch, so they cannot tell the
// server which event a stuck worker is inside; this page can, exactly.
//
// The supervisor creates the page (CreateProgressPage), maps it, and hands the descriptor
// to the worker, which maps it too (MapProgressPage). Before running an event the worker
// stores started_ns, then running_seq with release order; after the event it stores
// running_seq = 0. The supervisor loads running_seq (acquire), started_ns, and running_seq
// again, and trusts the pair only when both loads of running_seq agree. So event seq 0 means
// "idle": the server's sequence numbers start at 1.
//
// The two fields are lock-free atomics in shared memory, the one kind of object two
// processes may touch at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace ggs {

struct WorkerProgress {
  std::atomic<uint64_t> running_seq{0};  // The event running now; 0 between events.
  std::atomic<uint64_t> started_ns{0};   // CLOCK_MONOTONIC when it started.
};

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "the progress page is shared between processes: its atomics must be lock-free");

inline constexpr size_t kProgressPageSize = 4096;
static_assert(sizeof(WorkerProgress) <= kProgressPageSize);

// The CLOCK_MONOTONIC time in nanoseconds, the clock both sides of the page use.
uint64_t MonotonicNs();

// Creates an anonymous, zeroed page in memory (a memfd of kProgressPageSize bytes, closed on
// exec) and returns its descriptor, which the caller owns. Fails with code internal.
[[nodiscard]] Result<int> CreateProgressPage();

// Maps the page behind `fd` (read and write, shared) and returns it, with both fields set to
// zero: each side maps the page once, before the worker runs its first event. The descriptor
// may be closed afterwards; the mapping stays until UnmapProgressPage. Fails with code
// internal.
[[nodiscard]] Result<WorkerProgress*> MapProgressPage(int fd);

// Releases a mapping MapProgressPage returned. Null is ignored.
void UnmapProgressPage(WorkerProgress* page);

}  // namespace ggs
