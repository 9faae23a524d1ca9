// LocalVmLink: a VmHost in this process.
#include "core/vm_link.h"

namespace ggs {

void LocalVmLink::Send(VmEvent event) {
  VmReply reply = host_.Handle(event);
  const auto it = receivers_.find(event.table);
  if (it != receivers_.end()) it->second->OnReply(std::move(reply));
}

void LocalVmLink::Detach(uint64_t table) {
  receivers_.erase(table);
  VmEvent close;
  close.kind = VmEvent::Kind::kClose;
  close.table = table;
  host_.Handle(close);  // Ok, or no_such_table when it had no VM: either way it is gone.
}

}  // namespace ggs
