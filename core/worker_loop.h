// RunWorker: the loop of a VM worker process (`ggs worker`). It reads batches of events from
// one descriptor, runs them through a VmHost, and writes the replies of each batch back.
//
// The loop is plain blocking I/O, with no event loop: a worker does one thing at a time, and
// a game that never returns simply stops it, which is what its supervisor watches for.
#pragma once

#include <cstddef>

#include "core/vm_wire.h"
#include "core/worker_progress.h"

namespace ggs {

// Reads events from `in_fd` until end of file. After each read it runs every whole event
// that has arrived, in order, and writes all their replies to `out_fd` in one write
// (completed if the kernel takes it in parts; EINTR is retried). A message longer than
// `max_message` bytes is a broken stream.
//
// Returns 0 at end of file after whole messages; 2 when the stream is broken (bad_wire,
// or it ends inside a message), after writing the replies of the events before the break;
// 1 when reading or writing fails. Whatever is not 0 is explained on stderr.
// A callback that never returns stops the loop before that read's replies are written, so
// the replies of the events read with it are lost with the worker. Its supervisor must
// treat every event without a reply as never run: the worker's replicas die with it, and
// the server's copy of the namespaces, which never saw those writes, stays the truth.
// Does not close either descriptor.
//
// With a `progress` page (core/worker_progress.h), each event is announced there while it
// runs: started_ns, then running_seq = the event's seq, and running_seq = 0 once it returns.
// That is how the supervisor names the exact event a stuck worker is inside.
int RunWorker(int in_fd, int out_fd, size_t max_message = wire::kDefaultMaxMessage,
              WorkerProgress* progress = nullptr);

}  // namespace ggs
