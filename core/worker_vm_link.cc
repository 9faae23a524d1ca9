// WorkerVmLink: tables placed on workers, replies routed back, losses told to the tables.
#include "core/worker_vm_link.h"

#include <algorithm>

#include "core/protocol.h"

namespace ggs {

WorkerVmLink::WorkerVmLink(Loop* loop, WorkerPoolOptions options)
    : pool_(loop, this, std::move(options)), load_(pool_.size(), 0), events_(pool_.size(), 0) {}

void WorkerVmLink::Attach(uint64_t table, Receiver* receiver) {
  const size_t worker =
      static_cast<size_t>(std::min_element(load_.begin(), load_.end()) - load_.begin());
  tables_[table] = {receiver, worker};
  ++load_[worker];
}

void WorkerVmLink::Detach(uint64_t table) {
  const auto it = tables_.find(table);
  if (it == tables_.end()) return;
  VmEvent close;
  close.kind = VmEvent::Kind::kClose;
  close.table = table;
  close.seq = NextVmEventSeq();
  pool_.Send(it->second.worker, std::move(close));  // Its reply finds no table: dropped.
  --load_[it->second.worker];
  tables_.erase(it);
}

void WorkerVmLink::Send(VmEvent event) {
  const auto it = tables_.find(event.table);
  if (it == tables_.end()) return;
  ++events_[it->second.worker];
  pool_.Send(it->second.worker, std::move(event));
}

void WorkerVmLink::OnReply(size_t, VmReply reply) {
  const auto it = tables_.find(reply.table);
  if (it != tables_.end()) it->second.receiver->OnReply(std::move(reply));
}

void WorkerVmLink::OnWorkerLost(size_t worker, std::vector<VmEvent> unanswered,
                                uint64_t culprit_seq, Status why) {
  ++(why.code() == worker_error::kScriptTimeout ? budget_kills_ : crashes_);
  std::unordered_map<uint64_t, std::vector<VmEvent>> lost;  // By table.
  for (VmEvent& e : unanswered) lost[e.table].push_back(std::move(e));
  const Status reason =
      why.code() == error::kScriptTimeout
          ? why
          : Status::Error(error::kInternal, "the game's worker died: " + why.message());
  // A table's rebuild may attach or detach others; walk a copy of who was there.
  std::vector<std::pair<uint64_t, Receiver*>> held;
  for (const auto& [table, entry] : tables_) {
    if (entry.worker == worker) held.emplace_back(table, entry.receiver);
  }
  for (const auto& [table, receiver] : held) {
    if (!tables_.contains(table)) continue;
    receiver->OnVmLost(std::move(lost[table]), culprit_seq, reason);
  }
}

}  // namespace ggs
