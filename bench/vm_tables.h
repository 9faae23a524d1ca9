// VmTable: a game VM with the namespaces and seat list a table would lend it, for the
// benchmarks that call the VM directly (no server, no sockets).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "core/game_vm.h"
#include "core/kv_namespace.h"
#include "core/status.h"

namespace ggs::bench {

class VmTable {
 public:
  // Loads `source` and seats players 1..`players`, running playerJoined for each; remembers
  // the first interval the game set (pong's 30 Hz clock). Fails when the game does not load
  // or a hook throws.
  static Result<std::unique_ptr<VmTable>> Create(std::string_view source, int players);

  GameVm& vm() { return *vm_; }
  // The id of the first repeating timer the game set, or 0.
  int interval_id() const { return interval_id_; }

 private:
  VmTable() = default;
  void Note(const VmEffects& effects);

  KvNamespace world_{Namespace::kWorld};
  KvNamespace local_{Namespace::kLocal};
  std::vector<int> players_;
  std::unique_ptr<GameVm> vm_;
  int interval_id_ = 0;
};

}  // namespace ggs::bench
