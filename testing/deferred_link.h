// DeferredLink: a VmLink for unit tests whose replies wait until the test delivers them, as
// a worker process's would, so that tests drive the server's side of a late reply.
#pragma once

#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/vm_host.h"
#include "core/vm_link.h"

namespace ggs {

// A link whose replies wait until the test delivers them, as a worker's would.
class DeferredLink final : public VmLink {
 public:
  void Attach(uint64_t table, Receiver* receiver) override { receivers_[table] = receiver; }
  void Detach(uint64_t table) override {
    receivers_.erase(table);
    VmEvent close;
    close.kind = VmEvent::Kind::kClose;
    close.table = table;
    queued_.push_back(std::move(close));
  }
  void Send(VmEvent event) override { queued_.push_back(std::move(event)); }
  // Runs every queued event (and those their replies send) and delivers the replies.
  void DeliverAll() {
    while (DeliverNext()) {
    }
  }
  // Runs the oldest queued event and delivers its reply; false when none is queued.
  bool DeliverNext() {
    if (queued_.empty()) return false;
    VmEvent event = std::move(queued_.front());
    queued_.pop_front();
    VmReply reply = host_->Handle(event);
    if (auto it = receivers_.find(event.table); it != receivers_.end()) {
      it->second->OnReply(std::move(reply));
    }
    return true;
  }
  size_t queued() const { return queued_.size(); }
  // The seq of the queued event at `index`.
  uint64_t seq_at(size_t index) const { return queued_.at(index).seq; }

  // The worker dies while running the queued event with seq `culprit_seq` (0: while idle):
  // every VM is gone, and each table hears of its queued events, none of which ran.
  void Lose(uint64_t culprit_seq, const Status& why) {
    host_ = std::make_unique<VmHost>();
    std::unordered_map<uint64_t, std::vector<VmEvent>> lost;
    for (VmEvent& e : queued_) lost[e.table].push_back(std::move(e));
    queued_.clear();
    const std::unordered_map<uint64_t, Receiver*> receivers = receivers_;
    for (const auto& [table, receiver] : receivers) {
      receiver->OnVmLost(std::move(lost[table]), culprit_seq, why);
    }
  }

 private:
  std::unique_ptr<VmHost> host_ = std::make_unique<VmHost>();
  std::deque<VmEvent> queued_;
  std::unordered_map<uint64_t, Receiver*> receivers_;
};

}  // namespace ggs
