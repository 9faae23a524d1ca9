// VmHost: the worker's side of the table <-> VM boundary. It keeps, per table id, the game's
// VM with its own replicas of the table's namespaces and player list, and runs one event at
// a time, answering each with the reply the server applies.
//
// The replicas start from what kOpen carries and then change only through the VM's own
// committed writes, so they stay equal to the server's copy, which remains the truth.
//
// Thread: one thread at a time. Not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "core/vm_wire.h"

namespace ggs {

class VmHost {
 public:
  VmHost();
  ~VmHost();
  VmHost(const VmHost&) = delete;
  VmHost& operator=(const VmHost&) = delete;

  // Runs `event` and returns its reply, with the event's seq and table:
  //   kOpen     creates the table's VM (replacing one it had); the reply carries its seats,
  //             or define_failed, and then the table is not kept.
  //   kCommand, kJoined, kLeft, kResumed, kRestored, kTimer
  //             run the matching GameVm call (kJoined and kLeft first take the new players
  //             list); a callback that throws gives script_error, no writes, only logs.
  //   kForgetTimer  forgets a cleared timer's function; ok and empty.
  //   kClose    drops the table's VM and replicas; ok and empty.
  //   kUpgrade  creates a second VM from the new source and copies of the replicas and runs
  //             its restored(); when both succeed it replaces the table's VM and the reply
  //             carries its seats and restored()'s effects. Otherwise the old VM stays, as
  //             if nothing happened, and the reply carries define_failed (the source does
  //             not load) or script_error (restored() threw).
  // Any event but kOpen for a table without a VM fails with no_such_table.
  VmReply Handle(const VmEvent& event);

  // The number of tables with a VM.
  size_t tables() const { return tables_.size(); }
  // True when table `table`'s VM was opened with VmEvent::isolate.
  bool isolated(uint64_t table) const;

 private:
  struct Table;
  VmReply Open(const VmEvent& event);
  VmReply Upgrade(Table& old, const VmEvent& event);
  static Status CreateVm(Table& table, const VmEvent& event);
  VmResult Run(Table& table, const VmEvent& event);

  std::unordered_map<uint64_t, std::unique_ptr<Table>> tables_;
};

}  // namespace ggs
