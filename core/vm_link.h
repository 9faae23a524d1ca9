// VmLink: how tables reach their game VMs. A table sends VmEvents (core/vm_wire.h) through
// the link and applies the VmReply that comes back for each, in the order it sent them.
// The VM keeps replicas of the table's namespaces; the table's own copy stays the truth and
// changes only by the writes a reply carries.
//
// LocalVmLink runs every VM in this process, through a VmHost, and delivers each reply
// before Send returns. A link to worker processes delivers replies later, from the loop.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "core/vm_host.h"
#include "core/vm_wire.h"

namespace ggs {

class VmLink {
 public:
  // What a table is to the link: where its replies go.
  class Receiver {
   public:
    virtual ~Receiver() = default;
    virtual void OnReply(VmReply reply) = 0;
    // The process that ran the table's VM died; the VM is gone. `unanswered` are the table's
    // events that never got a reply, in the order sent (none took effect); `culprit_seq` is
    // the one it was running, when it is among them (else 0); `why` has code
    // error::kScriptTimeout or error::kInternal. The receiver rebuilds its VM with new events.
    virtual void OnVmLost(std::vector<VmEvent> unanswered, uint64_t culprit_seq,
                          const Status& why) = 0;
  };

  virtual ~VmLink() = default;
  // Routes the replies for table `table` to `receiver` until Detach. REQUIRES: not attached.
  virtual void Attach(uint64_t table, Receiver* receiver) = 0;
  // Closes the table's VM and forgets the table: replies still on their way are dropped.
  virtual void Detach(uint64_t table) = 0;
  // Sends `event` to its table's VM. REQUIRES: event.table is attached.
  virtual void Send(VmEvent event) = 0;
};

class LocalVmLink final : public VmLink {
 public:
  void Attach(uint64_t table, Receiver* receiver) override { receivers_[table] = receiver; }
  void Detach(uint64_t table) override;
  // Runs the event at once and delivers its reply before returning.
  void Send(VmEvent event) override;

  size_t vms() const { return host_.tables(); }

 private:
  VmHost host_;
  std::unordered_map<uint64_t, Receiver*> receivers_;
};

}  // namespace ggs
