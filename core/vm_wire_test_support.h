// Test support for the worker wire and its host: every field of an event, a reply or a set of
// effects rendered as one unambiguous line, so that tests compare them with EXPECT_EQ and a
// failure shows what differs. Test-only; included by *_test.cc.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/game_vm.h"
#include "core/vm_wire.h"

namespace ggs::testing_support {

// Events for tests: `kind` with its seq and table, and the two kinds tests send most.
inline VmEvent MakeEvent(VmEvent::Kind kind, uint64_t seq, uint64_t table) {
  VmEvent e;
  e.kind = kind;
  e.seq = seq;
  e.table = table;
  return e;
}
inline VmEvent MakeOpen(uint64_t seq, uint64_t table, std::string source,
                        std::vector<int> players = {1}) {
  VmEvent e = MakeEvent(VmEvent::Kind::kOpen, seq, table);
  e.source = std::move(source);
  e.memory_limit = 8 << 20;
  e.players = std::move(players);
  return e;
}
inline VmEvent MakeCommand(uint64_t seq, uint64_t table, int player, std::string command,
                           std::string args = "") {
  VmEvent e = MakeEvent(VmEvent::Kind::kCommand, seq, table);
  e.player_id = player;
  e.command = std::move(command);
  e.args = std::move(args);
  return e;
}

// A string as `<size>:<bytes>`, so that no byte inside it can be mistaken for a separator.
inline std::string Counted(std::string_view s) {
  return std::to_string(s.size()) + ":" + std::string(s);
}

inline std::string Describe(const VmEffects& e) {
  std::string out = "sends[";
  for (const VmEffects::Send& s : e.sends) {
    out += std::to_string(s.player_id) + " " + Counted(s.command) + " " + Counted(s.args) + ";";
  }
  out += "] writes[";
  for (const KvWrite& w : e.writes) {
    out += std::to_string(static_cast<int>(w.ns)) + " " + std::to_string(static_cast<int>(w.op)) +
           " " + Counted(w.key) + " " + Counted(w.value) + ";";
  }
  out += "] timers[";
  for (const VmEffects::Timer& t : e.timers) {
    out += std::to_string(static_cast<int>(t.op)) + " " + std::to_string(t.id) + " " +
           std::to_string(std::bit_cast<uint64_t>(t.ms)) + (t.repeat ? " repeat;" : " once;");
  }
  out += "] logs[";
  for (const std::string& line : e.logs) out += Counted(line) + ";";
  return out + "]";
}

inline std::string Describe(const Status& s) {
  return Counted(s.code()) + " " + Counted(s.message());
}

inline std::string Describe(const VmReply& r) {
  return "reply " + std::to_string(r.seq) + " " + std::to_string(r.table) + " " +
         Describe(r.status) + " seats " + std::to_string(r.seats) + " memory " +
         std::to_string(r.memory_used) + " " + Describe(r.effects);
}

inline std::string Describe(const VmEvent& e) {
  std::string out =
      "event " + std::to_string(static_cast<int>(e.kind)) + " " + std::to_string(e.seq) + " " +
      std::to_string(e.table) + " " + Counted(e.source) + " " + std::to_string(e.memory_limit) +
      " limits " + std::to_string(e.limits.sends_per_event) + "," +
      std::to_string(e.limits.writes_per_event) + "," + std::to_string(e.limits.event_bytes) + "," +
      std::to_string(e.limits.timers) + "," + std::to_string(e.limits.keys) + "," +
      std::to_string(e.limits.namespace_bytes) + (e.isolate ? " isolate" : "") + " world[";
  for (const auto& [k, v] : e.world) out += Counted(k) + "=" + Counted(v) + ";";
  out += "] local[";
  for (const auto& [k, v] : e.local) out += Counted(k) + "=" + Counted(v) + ";";
  out += "] players[";
  for (int p : e.players) out += std::to_string(p) + ";";
  return out + "] " + std::to_string(e.player_id) + " " + Counted(e.command) + " " +
         Counted(e.args) + " " + std::to_string(e.timer_id);
}

}  // namespace ggs::testing_support
