// WorkerPool: the server's side of its VM worker processes. It starts `ggs worker` children,
// writes each one's events in one batch per loop turn, reads their replies, and supervises
// them: an event that overruns its time budget gets its worker killed, and a worker that
// dies for any reason is replaced at once, with the owner told exactly what was lost.
//
// Supervision rests on the progress page (core/worker_progress.h) each worker shares with
// the pool: a repeating watchdog timer reads every page and SIGKILLs a worker whose running
// event started more than the budget ago. Replies carry no such information, because a
// worker writes the replies of a read batch together, after the whole batch ran.
//
// What the pool keeps per worker is a queue of the events sent to it and not yet answered,
// in order. A reply answers the front of that queue (a reply for any other seq, or a stream
// the reader rejects, is a broken worker, which is killed). When a worker dies, what is left
// in its queue was never run as far as the server is concerned: the worker's replicas died
// with it, and the server's copy of every table, which saw none of those effects, is the
// truth. Rebuilding tables is the owner's job; docs/architecture.md, "The worker pool".
//
// Thread: the event-loop thread only; every Owner callback runs on it. The libuv home of the
// workers (uv_spawn, their pipes, their exit callbacks).
//
// REQUIRES: SIGPIPE is ignored in the process (ggs's main does so), because writing to a
// worker that has just died must fail with EPIPE rather than end the server.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/loop.h"
#include "core/status.h"
#include "core/vm_wire.h"
#include "core/worker_progress.h"

struct uv_prepare_s;
struct uv_check_s;

namespace ggs {

// The codes of a lost worker's Status (see WorkerPool::Owner::OnWorkerLost).
namespace worker_error {
// The pool killed the worker: an event ran longer than the budget.
inline constexpr char kScriptTimeout[] = "script_timeout";
// The worker died otherwise: a signal (from outside, the seccomp filter, the kernel), an exit,
// or a broken reply stream (then the pool killed it).
inline constexpr char kWorkerCrashed[] = "worker_crashed";
}  // namespace worker_error

struct WorkerPoolOptions {
  std::string binary;              // The ggs executable; each worker runs `binary worker ...`.
  size_t workers = 1;              // REQUIRES: at least 1.
  uint64_t event_budget_ms = 100;  // An event running longer gets its worker SIGKILLed.
  size_t address_space = 0;        // Each worker's --address-space (0: no cap).
  bool sandbox = true;             // Run each worker with --sandbox.
};

class WorkerPool {
 public:
  // What the pool reports; every call runs on the loop thread, from inside the loop. A
  // callback may Send, but must not destroy the pool.
  class Owner {
   public:
    virtual ~Owner() = default;
    // Worker `worker` answered one event. Replies from one worker arrive in the order its
    // events were sent.
    virtual void OnReply(size_t worker, VmReply reply) = 0;
    // Worker `worker` died. `unanswered` holds every event sent to it whose reply never
    // came, in the order sent, the culprit included; none of them took effect.
    // `culprit_seq` is the seq of the event it was running when it died (0 when it was
    // between events); that event is in `unanswered`, unless it finished and its reply
    // arrived in the instant before the kill (then OnReply has had it). `why` has code
    // worker_error::kScriptTimeout when the pool killed it for overrunning the budget,
    // else worker_error::kWorkerCrashed with the signal, exit status or stream error in
    // its message.
    // A fresh worker, with no tables, already holds the index, except in two cases where
    // the index stays empty for a second or more and events Sent to it meanwhile wait for
    // the next worker: the dead worker had never answered (it may have died starting up,
    // and restarting it at once could loop), or the replacement could not be started
    // (the pool tries again every second).
    virtual void OnWorkerLost(size_t worker, std::vector<VmEvent> unanswered, uint64_t culprit_seq,
                              Status why) = 0;
  };

  // `loop` and `owner` must outlive the pool. Nothing starts before Start().
  WorkerPool(Loop* loop, Owner* owner, WorkerPoolOptions options);
  // Kills and reaps every worker, without calling the owner, and closes every handle; the
  // closes have finished when it returns. Events not yet answered are dropped.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Creates each worker's progress page and spawns every worker. On failure (a page that
  // cannot be made, a binary that cannot be spawned) the workers already started stay, and
  // the destructor ends them; code internal. REQUIRES: called once.
  [[nodiscard]] Status Start();

  // Queues `event` for worker `worker` (REQUIRES: < size(), event.seq != 0 and unique among
  // the events not yet answered). Everything queued for a worker during one loop turn goes
  // out in one write at the end of the turn; while a write is in flight, the next batch
  // waits for it. The event counts as sent, and so appears in OnWorkerLost if its worker
  // dies before answering, from the moment Send returns.
  void Send(size_t worker, VmEvent event);

  size_t size() const { return slots_.size(); }
  // Workers lost so far; each is replaced as OnWorkerLost describes.
  uint64_t restarts() const { return restarts_; }
  // The process id of worker `worker` now; 0 while it has none. For logs and tests.
  pid_t pid(size_t worker) const;
  // Writes started so far, over all workers. For tests of the batching.
  uint64_t writes() const { return writes_; }

  // Opaque records, defined in worker_pool.cc: a worker's index, and one process with its
  // pipes (a new one for each replacement).
  struct Slot;
  struct Child;

 private:
  Status Spawn(Slot& slot);
  // Spawn, or log the failure and leave the next try to the watchdog, a second later.
  void Respawn(Slot& slot);
  void FlushAll();
  void Flush(Slot& slot);
  void Watchdog();
  void Kill(Slot& slot, Status why);
  void DeliverReplies(Slot& slot);
  void OnRead(Child* child, const char* data, size_t size);
  void OnWritten(Child* child, int status);
  void OnExit(Child* child, int64_t exit_status, int term_signal);
  void Detach(Child* child);

  Loop* loop_;
  Owner* owner_;
  WorkerPoolOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<uv_prepare_s> prepare_;
  std::unique_ptr<uv_check_s> check_;
  Timers::Id watchdog_ = 0;
  uint64_t restarts_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace ggs
