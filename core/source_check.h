// SourceCheck: loads a game's source in a VM of its own on a VmLink and reports the seats it
// declares, or why it does not load. On a link to worker processes the script runs on a
// worker, under the event budget, so that an upload whose top level never ends costs one
// worker, not the server.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "core/vm_link.h"

namespace ggs {

class SourceCheck final : public VmLink::Receiver {
 public:
  // The seats, or define_failed (it does not load), script_timeout (it ran past the budget)
  // or script_error (it killed its worker).
  using Done = std::function<void(Result<int>)>;

  // Attaches as table `id` (unused on `link`) and sends the VM its source. `done` runs once,
  // after the VM is closed and the id detached: before the constructor returns on a link that
  // answers at once, else from the loop. `done` may destroy this object; destroying it
  // earlier drops the check without calling `done`. `link` must outlive this object.
  SourceCheck(VmLink* link, uint64_t id, const std::string& source, uint64_t memory_limit,
              Done done);
  ~SourceCheck() override;
  SourceCheck(const SourceCheck&) = delete;
  SourceCheck& operator=(const SourceCheck&) = delete;

  void OnReply(VmReply reply) override;
  void OnVmLost(std::vector<VmEvent> unanswered, uint64_t culprit_seq, const Status& why) override;

 private:
  void Finish(Result<int> verdict);

  VmLink* link_;
  uint64_t id_;
  bool attached_ = true;
  Done done_;
};

}  // namespace ggs
