// VmTable: a game VM outside a server, for the benchmarks.
#include "bench/vm_tables.h"

namespace ggs::bench {

Result<std::unique_ptr<VmTable>> VmTable::Create(std::string_view source, int players) {
  std::unique_ptr<VmTable> t(new VmTable());
  VmContext context{&t->world_, &t->local_, &t->players_};
  Result<std::unique_ptr<GameVm>> vm = GameVm::Create(source, context, VmOptions{});
  if (!vm.ok()) return vm.status();
  t->vm_ = std::move(*vm);
  for (int id = 1; id <= players; ++id) {
    t->players_.push_back(id);
    VmResult joined = t->vm_->PlayerJoined(id);
    if (!joined.status.ok()) return joined.status;
    t->Note(joined.effects);
  }
  return t;
}

void VmTable::Note(const VmEffects& effects) {
  for (const VmEffects::Timer& timer : effects.timers) {
    if (interval_id_ == 0 && timer.op == VmEffects::Timer::Op::kSet && timer.repeat) {
      interval_id_ = timer.id;
    }
  }
}

}  // namespace ggs::bench
