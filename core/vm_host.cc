// VmHost: one GameVm per table id, each with replica namespaces it owns.
#include "core/vm_host.h"

#include <utility>

#include "core/protocol.h"

namespace ggs {

// One table's VM and what it lends the VM. Held by pointer, so that the VmContext the VM
// keeps stays valid however the map grows.
struct VmHost::Table {
  KvNamespace world{Namespace::kWorld};
  KvNamespace local{Namespace::kLocal};
  std::vector<int> players;
  std::unique_ptr<GameVm> vm;
  bool isolate = false;
};

bool VmHost::isolated(uint64_t table) const {
  const auto it = tables_.find(table);
  return it != tables_.end() && it->second->isolate;
}

VmHost::VmHost() = default;
VmHost::~VmHost() = default;

VmReply VmHost::Handle(const VmEvent& event) {
  if (event.kind == VmEvent::Kind::kOpen) return Open(event);
  VmReply reply;
  reply.seq = event.seq;
  reply.table = event.table;
  const auto it = tables_.find(event.table);
  if (it == tables_.end()) {
    reply.status = Status::Error(error::kNoSuchTable,
                                 "the worker has no VM for table " + std::to_string(event.table));
    return reply;
  }
  if (event.kind == VmEvent::Kind::kClose) {
    tables_.erase(it);
    return reply;
  }
  Table& table = *it->second;
  if (event.kind == VmEvent::Kind::kUpgrade) return Upgrade(table, event);
  VmResult result = Run(table, event);
  reply.status = std::move(result.status);
  reply.effects = std::move(result.effects);
  reply.memory_used = table.vm->memory_used();
  return reply;
}

// Creates `table`'s VM from the event's source, memory limit and limits, over the replicas
// the table already holds.
Status VmHost::CreateVm(Table& table, const VmEvent& event) {
  VmContext context{&table.world, &table.local, &table.players};
  VmOptions options;
  options.memory_limit = event.memory_limit;
  options.limits = event.limits;
  Result<std::unique_ptr<GameVm>> vm = GameVm::Create(event.source, context, options);
  if (!vm.ok()) return vm.status();
  table.vm = std::move(vm.value());
  return Status::Ok();
}

VmReply VmHost::Open(const VmEvent& event) {
  VmReply reply;
  reply.seq = event.seq;
  reply.table = event.table;
  tables_.erase(event.table);
  auto table = std::make_unique<Table>();
  for (const auto& [key, value] : event.world) table->world.Load(key, value);
  for (const auto& [key, value] : event.local) table->local.Load(key, value);
  table->players = event.players;
  table->isolate = event.isolate;
  if (Status s = CreateVm(*table, event); !s.ok()) {
    reply.status = std::move(s);
    return reply;
  }
  reply.seats = table->vm->seats();
  reply.memory_used = table->vm->memory_used();
  tables_.emplace(event.table, std::move(table));
  return reply;
}

VmReply VmHost::Upgrade(Table& old, const VmEvent& event) {
  VmReply reply;
  reply.seq = event.seq;
  reply.table = event.table;
  auto table = std::make_unique<Table>();
  table->world = old.world;
  table->local = old.local;
  table->players = old.players;
  table->isolate = old.isolate;
  reply.memory_used = old.vm->memory_used();
  if (Status s = CreateVm(*table, event); !s.ok()) {
    reply.status = std::move(s);
    return reply;
  }
  VmResult restored = table->vm->Restored();
  if (!restored.status.ok()) {
    reply.status = std::move(restored.status);
    reply.effects.logs = std::move(restored.effects.logs);
    return reply;
  }
  reply.effects = std::move(restored.effects);
  reply.seats = table->vm->seats();
  reply.memory_used = table->vm->memory_used();
  tables_[event.table] = std::move(table);  // Destroys the old VM.
  return reply;
}

VmResult VmHost::Run(Table& table, const VmEvent& event) {
  GameVm& vm = *table.vm;
  switch (event.kind) {
    case VmEvent::Kind::kCommand:
      return vm.PlayerCommand(event.player_id, event.command, event.args);
    case VmEvent::Kind::kJoined:
      table.players = event.players;
      return vm.PlayerJoined(event.player_id);
    case VmEvent::Kind::kLeft:
      table.players = event.players;
      return vm.PlayerLeft(event.player_id);
    case VmEvent::Kind::kResumed:
      return vm.PlayerResumed(event.player_id);
    case VmEvent::Kind::kRestored:
      return vm.Restored();
    case VmEvent::Kind::kTimer:
      return vm.FireTimer(event.timer_id);
    case VmEvent::Kind::kForgetTimer:
      vm.ForgetTimer(event.timer_id);
      return {};
    case VmEvent::Kind::kOpen:
    case VmEvent::Kind::kClose:
    case VmEvent::Kind::kUpgrade:
      break;
  }
  return {};
}

}  // namespace ggs
