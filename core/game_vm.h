// GameVm: one sandboxed MuJS state running one table's game. The only file with js_*.
//
// The table <-> VM boundary is a message interface: events go in (a player command, a
// player joining or leaving, a timer firing, the VM being rebuilt from storage) and each
// event returns the effects the game asked for (sends, broadcasts, storage writes, timers,
// log lines). Each event is a transaction: if the callback throws, its storage writes are
// rolled back and it returns no effects, only the error.
//
// The game sees exactly one host object, GGS (docs/game-api.md):
//   GGS.sendCommand(player_id, command, args)   GGS.sendCommandToAll(command, args)
//   GGS.world / GGS.localStorage: getItem setItem removeItem clear key(n) length
//     (GGS.world.setItem also broadcasts `world_set` with payload `key=value`)
//   GGS.setTimeout(fn, ms) GGS.setInterval(fn, ms) GGS.clearTimeout(id) GGS.clearInterval(id)
//   GGS.log(...)   GGS.players() -> array of player ids at the table
// and these optional globals of the game script:
//   function playerCommand(player_id, command, args)   (required)
//   function playerJoined(player_id)   function playerLeft(player_id)   function restored()
//   function playerResumed(player_id)   (a disconnected player came back with its token)
//   var seats = N;   (seats at a table of this game; absent means kDefaultSeats)
// Player ids are small positive integers, unique within a table.
//
// Thread: a GameVm is used by one thread at a time. Not copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/kv_namespace.h"
#include "core/status.h"

namespace ggs {

inline constexpr int kDefaultSeats = 64;
inline constexpr int kMaxSeats = 10000;

// Everything one event asked for, in the order the game asked for it.
struct VmEffects {
  struct Send {
    int player_id = 0;  // 0 means every player at the table.
    std::string command;
    std::string args;
  };
  struct Timer {
    enum class Op { kSet, kClear };
    Op op = Op::kSet;
    int id = 0;
    double ms = 0;        // For kSet: the delay (>= 0; clamped to at least 1 ms).
    bool repeat = false;  // For kSet: an interval rather than a one-shot timeout.
  };
  std::vector<Send> sends;
  std::vector<KvWrite> writes;  // Already applied to the namespaces (and committed).
  std::vector<Timer> timers;
  std::vector<std::string> logs;
};

// The outcome of one event: ok with effects, or an error (code script_error, message with
// the JavaScript error) and no effects except the log lines.
struct VmResult {
  Status status;
  VmEffects effects;
};

// What the table lends the VM for its whole life. The pointers must outlive the VM.
struct VmContext {
  KvNamespace* world = nullptr;
  KvNamespace* local = nullptr;
  const std::vector<int>* players = nullptr;  // Player ids at the table, in seat order.
};

// What one table's game may do, beyond its memory. Each bounds work the server does on the
// game's behalf (packets, storage writes and flushes, clock timers), so that no callback
// within them holds up other tables. Passing one throws an Error the game may catch; if it
// does not, the event fails with script_error and none of its effects happen.
struct VmLimits {
  uint32_t sends_per_event = 10000;               // GGS.sendCommand and sendCommandToAll calls.
  uint32_t writes_per_event = 2000;               // setItem, removeItem and clear calls.
  uint64_t event_bytes = uint64_t{4} << 20;       // Bytes those carry, with log lines.
  uint32_t timers = 1000;                         // Pending timers of the table.
  uint32_t keys = 10000;                          // Keys in each of world and localStorage.
  uint64_t namespace_bytes = uint64_t{16} << 20;  // Keys and values in each of them.

  bool operator==(const VmLimits&) const = default;
};

struct VmOptions {
  size_t memory_limit = 32 * 1024 * 1024;  // Bytes the MuJS allocator may hold.
  VmLimits limits;
};

class GameVm {
 public:
  // Compiles and runs `source`'s top level. Fails with code define_failed and the syntax or
  // runtime error message (or "out of memory") when the script cannot be loaded, or when it
  // defines no playerCommand function.
  static Result<std::unique_ptr<GameVm>> Create(std::string_view source, VmContext context,
                                                VmOptions options);
  // Checks that `source` compiles and defines playerCommand, in a throwaway state, and
  // returns the seats it declares; fails as Create does.
  static Result<int> Check(std::string_view source, VmOptions options);

  ~GameVm();
  GameVm(const GameVm&) = delete;
  GameVm& operator=(const GameVm&) = delete;

  // The `seats` the script declared, clamped to [1, kMaxSeats]; kDefaultSeats when absent.
  int seats() const { return seats_; }

  VmResult PlayerCommand(int player_id, std::string_view command, std::string_view args);
  VmResult PlayerJoined(int player_id);   // Ok and empty when the hook is absent.
  VmResult PlayerLeft(int player_id);     // Ok and empty when the hook is absent.
  VmResult PlayerResumed(int player_id);  // Ok and empty when the hook is absent.
  VmResult Restored();                    // Ok and empty when the hook is absent.
  // Runs timer `id`'s function. A one-shot timer's function is forgotten afterwards;
  // an unknown id returns ok and empty.
  VmResult FireTimer(int id);
  // Forgets timer `id`'s function (after a committed clear).
  void ForgetTimer(int id);

  // Bytes the MuJS allocator holds now.
  size_t memory_used() const;

 private:
  struct State;
  explicit GameVm(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  int seats_ = kDefaultSeats;
};

}  // namespace ggs
