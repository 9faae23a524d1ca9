// LocalVmLink: a VmHost in this process.
#include "core/vm_link.h"

namespace ggs {

void LocalVmLink::Send(VmEvent event) {
  VmReply reply = host_.Handle(event);
  const auto it = receivers_.find(event.table);
  if (it != receivers_.end()) it->second->OnReply(std::move(reply));
}

}  // namespace ggs
