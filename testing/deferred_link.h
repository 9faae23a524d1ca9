// DeferredLink: a VmLink for unit tests whose replies wait until the test delivers them, as
// a worker process's would, so that tests drive the server's side of a late reply.
#pragma once

#include <deque>
#include <unordered_map>

#include "core/vm_host.h"
#include "core/vm_link.h"

namespace ggs {

// A link whose replies wait until the test delivers them, as a worker's would.
class DeferredLink final : public VmLink {
 public:
  void Attach(uint64_t table, Receiver* receiver) override { receivers_[table] = receiver; }
  void Detach(uint64_t table) override { receivers_.erase(table); }
  void Send(VmEvent event) override { queued_.push_back(std::move(event)); }
  // Runs every queued event (and those their replies send) and delivers the replies.
  void DeliverAll() {
    while (!queued_.empty()) {
      VmEvent event = std::move(queued_.front());
      queued_.pop_front();
      VmReply reply = host_.Handle(event);
      if (auto it = receivers_.find(event.table); it != receivers_.end()) {
        it->second->OnReply(std::move(reply));
      }
    }
  }
  size_t queued() const { return queued_.size(); }

 private:
  VmHost host_;
  std::deque<VmEvent> queued_;
  std::unordered_map<uint64_t, Receiver*> receivers_;
};

}  // namespace ggs
