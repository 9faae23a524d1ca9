// WorkerVmLink: the VmLink of `ggs serve --workers N`. Every table's VM lives on one worker
// process of a WorkerPool (core/worker_pool.h), the one with the fewest tables when the table
// attaches; replies come back from the loop. When a worker dies, every table it held hears
// so (VmLink::Receiver::OnVmLost) with its own unanswered events, and rebuilds its VM on the
// fresh worker that replaces it at the same index.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/loop.h"
#include "core/vm_link.h"
#include "core/worker_pool.h"

namespace ggs {

class WorkerVmLink final : public VmLink, private WorkerPool::Owner {
 public:
  // `loop` must outlive the link. Nothing runs before Start().
  WorkerVmLink(Loop* loop, WorkerPoolOptions options);
  // Starts the workers; fails as WorkerPool::Start does.
  [[nodiscard]] Status Start() { return pool_.Start(); }

  void Attach(uint64_t table, Receiver* receiver) override;
  void Detach(uint64_t table) override;
  void Send(VmEvent event) override;

  size_t workers() const { return pool_.size(); }
  uint64_t restarts() const { return pool_.restarts(); }
  // The tables on worker `worker`.
  size_t load(size_t worker) const { return load_.at(worker); }
  // Events sent to worker `worker`'s index so far (over its replacements).
  uint64_t events(size_t worker) const { return events_.at(worker); }
  // Workers lost because an event overran the budget (the pool killed them), and otherwise.
  uint64_t budget_kills() const { return budget_kills_; }
  uint64_t crashes() const { return crashes_; }
  const WorkerPool& pool() const { return pool_; }

 private:
  struct Entry {
    Receiver* receiver = nullptr;
    size_t worker = 0;
  };

  void OnReply(size_t worker, VmReply reply) override;
  void OnWorkerLost(size_t worker, std::vector<VmEvent> unanswered, uint64_t culprit_seq,
                    Status why) override;

  WorkerPool pool_;
  std::unordered_map<uint64_t, Entry> tables_;
  std::vector<size_t> load_;      // Tables per worker.
  std::vector<uint64_t> events_;  // Events sent, per worker.
  uint64_t budget_kills_ = 0;
  uint64_t crashes_ = 0;
};

}  // namespace ggs
