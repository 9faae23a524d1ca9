// SourceCheck: one kOpen on a table id of its own, answered, then closed.
#include "core/source_check.h"

#include <algorithm>
#include <utility>

#include "core/protocol.h"

namespace ggs {

SourceCheck::SourceCheck(VmLink* link, uint64_t id, const std::string& source,
                         uint64_t memory_limit, Done done)
    : link_(link), id_(id), done_(std::move(done)) {
  link_->Attach(id_, this);
  VmEvent open;
  open.kind = VmEvent::Kind::kOpen;
  open.seq = NextVmEventSeq();
  open.table = id_;
  open.source = source;
  open.memory_limit = memory_limit;
  link_->Send(std::move(open));  // May answer, and destroy this object, before returning.
}

SourceCheck::~SourceCheck() {
  if (attached_) link_->Detach(id_);
}

void SourceCheck::OnReply(VmReply reply) {
  if (!reply.status.ok()) return Finish(reply.status);
  return Finish(reply.seats);
}

void SourceCheck::OnVmLost(std::vector<VmEvent> unanswered, uint64_t culprit_seq,
                           const Status& why) {
  const bool mine = std::any_of(unanswered.begin(), unanswered.end(),
                                [culprit_seq](const VmEvent& e) { return e.seq == culprit_seq; });
  if (!mine) {
    // Another table's event killed the worker before this one ran: a verdict on nothing.
    return Finish(Status::Error(error::kInternal, "the game's worker died: " + why.message()));
  }
  Finish(Status::Error(
      why.code() == error::kScriptTimeout ? error::kScriptTimeout : error::kScriptError,
      "loading the game killed its worker: " + why.message()));
}

void SourceCheck::Finish(Result<int> verdict) {
  attached_ = false;
  link_->Detach(id_);
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(verdict));  // May destroy this object: nothing after it.
}

}  // namespace ggs
