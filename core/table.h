// Table: one isolated game instance — its seats, its game VM, its timers and its two
// storage namespaces. Events from players go to the VM as VmEvents through a VmLink
// (core/vm_link.h); the effects each VmReply carries are applied here: writes to the
// table's namespaces (the truth; the VM holds replicas) and to the write-behind store,
// packets to the table's players, timers to the clock.
//
// With a link that answers at once (LocalVmLink) every method below reports the VM's
// answer as it returns. With one that answers later, a method reports what it could check
// at once, and a failed event is answered to the player who caused it when its reply comes.
//
// Thread: the event-loop thread only. Not copyable.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/shared_text.h"
#include "core/game_vm.h"
#include "core/kv_namespace.h"
#include "core/metrics.h"
#include "core/player.h"
#include "core/status.h"
#include "core/storage.h"
#include "core/timers.h"
#include "core/vm_link.h"
#include "core/write_behind.h"

namespace ggs {

class Table final : public VmLink::Receiver {
 public:
  // The series every table counts into, resolved once (Register) and shared by all tables.
  // docs/operations.md, "Metrics", names them.
  struct Metrics {
    static constexpr size_t kKinds = 11;  // Indexed by VmEvent::Kind's value.
    // Events sent to a VM and answered, and the time from sending to applying the reply (in
    // worker mode, the round trip); nullptr for the kinds not counted (forget_timer, close).
    std::array<Counter*, kKinds> events{};
    std::array<Histogram*, kKinds> event_seconds{};
    // Events the game failed: a script error or timeout, or the event killed its worker.
    std::array<Counter*, kKinds> script_errors{};
    Counter* skipped_ticks = nullptr;
    CounterByLabel* errors_sent = nullptr;  // Error replies, by code (the server's one family).

    // Registers the series in `registry`; `errors_sent` must outlive the tables.
    static Metrics Register(MetricRegistry* registry, CounterByLabel* errors_sent);
  };

  struct Deps {
    Timers* timers = nullptr;
    WriteBehind* store = nullptr;
    VmLink* link = nullptr;
    VmOptions vm_options;
    // Restart intensity: a table whose events kill its VM's worker `restart_limit` times
    // within `restart_period_ms` is closed (crashed()).
    int restart_limit = 3;
    uint64_t restart_period_ms = 60000;
    // A game command is refused with table_busy while the table's oldest unanswered event
    // was sent longer ago than this (the VM is that far behind); 0: never.
    uint64_t max_lag_ms = 0;
    // Where the table counts its events; nullptr: nowhere. Must outlive the table.
    const Metrics* metrics = nullptr;
  };

  // A new, empty table; `row` names its game (or none, for a table awaiting `define`).
  // `id` names it on `deps.link`, unique among the tables of one link.
  Table(uint64_t id, TableRow row, Deps deps);
  ~Table() override;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const std::string& token() const { return row_.token; }
  const TableRow& row() const { return row_; }
  bool defined() const { return !row_.source.empty(); }
  uint64_t id() const { return id_; }
  // False while a restored table waits for its VM to be rebuilt (see BuildVm).
  bool built() const { return vm_open_ || row_.source.empty(); }
  // The game's seats: as its VM declared them; before that, as ExpectSeats said (kMaxSeats
  // when nothing did).
  int seats() const { return vm_open_ ? seats_ : expected_seats_; }
  // The seats to count with until the VM answers (a registered game's, known in advance).
  void ExpectSeats(int seats) { expected_seats_ = seats; }
  bool full() const { return players_.size() >= static_cast<size_t>(seats()); }
  bool empty() const { return players_.empty(); }
  const std::vector<Player*>& players() const { return players_; }
  // Bytes the VM held after its last event.
  size_t vm_memory() const { return vm_memory_; }
  // Firings of repeating timers skipped because the one before was still unanswered.
  uint64_t skipped_ticks() const { return skipped_ticks_; }
  // Game commands refused with table_busy (see Deps::max_lag_ms).
  uint64_t busy_commands() const { return busy_commands_; }
  const KvNamespace& world() const { return world_; }
  const KvNamespace& local() const { return local_; }

  // Persists the table row (call once after creating a new table).
  void Persist();
  // Creates the VM from `source`. `done` runs with the VM's verdict when it comes (before
  // Define returns, on a link that answers at once): ok, and the table is then defined and
  // persisted, and after `done` the game's playerJoined hook runs for the players seated
  // before the define; or define_failed (a syntax or load error), and the table stays
  // undefined. A player who joins meanwhile is greeted at once: the VM runs its
  // playerJoined after the script loads, and its commands after that.
  // REQUIRES: !defined() && !defining().
  void Define(SharedText source, int game_version, std::function<void(Status)> done);
  // True while the VM's answer to its creation (a define or a rebuild) is on its way.
  bool opening() const { return opening_; }
  // True while a Define waits for the VM's verdict.
  bool defining() const { return define_ != nullptr; }

  // Moves the running table to new code the way a rebuild does: a new VM from `source` and
  // the table's namespaces, whose restored() runs, while its players stay seated and
  // connected. `done` gets ok once the table runs `game_version` (then persisted), or why
  // it keeps its old version: define_failed (the source does not load here), script_error
  // (restored() threw), script_timeout (the new code ran past the budget), table_crashed,
  // or the table ended first. Events sent meanwhile run in order on whichever version is
  // current when they reach the VM. Game timers that come due meanwhile wait for the
  // verdict: they fire on the old code if it stays, and are dropped if the new code takes
  // over (its restored() sets its own).
  void Upgrade(SharedText source, int game_version, std::function<void(Status)> done);
  // True while an Upgrade waits for its verdict.
  bool upgrading() const { return !upgrades_.empty(); }

  // Seats `player` (REQUIRES: !full()), giving it the next player id, and runs the
  // game's playerJoined hook. The player is seated even when the hook throws.
  Status Join(Player* player);
  // Unseats `player` and runs the game's playerLeft hook.
  void Leave(Player* player);
  // Runs the game's playerResumed hook: `player` is back on a new connection.
  void Resumed(Player* player);
  // Runs playerCommand for `player`; a script error changes nothing and is returned.
  // Refused (table_busy, nothing sent) while the VM is more than Deps::max_lag_ms behind.
  Status Command(Player* player, std::string_view command, std::string_view args);
  // Deletes the table's stored state and stops its timers; the table must be destroyed next.
  void End();
  // Stops the table's timers and fails its upgrades, writing nothing: another node owns it
  // now (Coordinator::Forfeit). The caller forgets its players and destroys it.
  void Drop();

  // Restores a stored table's namespaces and players (already created by the caller, with
  // ids). Its VM is rebuilt later, by BuildVm: on the table's next event, or by the
  // coordinator's background sweep, so that a restart costs little however many tables
  // there are.
  void Restore(const StoredTable& stored, const std::vector<Player*>& players);
  // Rebuilds the VM of a restored table from its source and runs the game's restored hook;
  // ok and nothing to do when the VM exists. Every event calls it first.
  Status BuildVm();

  // True once the table killed its VM's worker too often: it refuses every event with
  // table_crashed; its state stays in storage.
  bool crashed() const { return crashed_; }

  // Runs `fn` once every event sent so far has been answered and applied: at once when
  // none waits. A `pong` waits so, behind what its player's earlier commands caused.
  void AfterPending(std::function<void()> fn);

  // VmLink::Receiver: applies the reply to the oldest event still waiting for one. The
  // functions AfterPending queued for it run last, and may destroy the table.
  void OnReply(VmReply reply) override;
  // VmLink::Receiver: the event that killed the worker, if it is this table's, is answered
  // to its player (script_timeout, or script_error for a crash) and counts toward the
  // restart intensity; then the VM is rebuilt from the table's own namespaces and the other
  // unanswered events are sent again, in order.
  void OnVmLost(std::vector<VmEvent> unanswered, uint64_t culprit_seq, const Status& why) override;

 private:
  struct Pending {
    uint64_t seq = 0;
    VmEvent::Kind kind = VmEvent::Kind::kCommand;
    int cause = 0;  // The id of the player whose request caused the event; 0: none.
    // The players seated when it was sent have lower ids: its broadcasts go to them only.
    int seated_below = 0;
    int timer_id = 0;      // kTimer: the game's timer it fires.
    uint64_t sent_ms = 0;  // Timers::NowMs() when it was sent: what the lag limit reads.
    std::chrono::steady_clock::time_point sent;  // For the event duration metric.
  };

  struct PendingDefine {
    SharedText source;
    int game_version = 0;
    std::function<void(Status)> done;
    std::vector<int> seated;  // Players seated before the define: greeted after it.
  };

  struct PendingUpgrade {
    SharedText source;
    int game_version = 0;
    std::function<void(Status)> done;
  };

  VmEvent Event(VmEvent::Kind kind) const;
  void FinishUpgrade(const Status& verdict);
  void FailUpgrades(const Status& why);
  void SendTimer(int vm_timer);
  void FinishDefine(const Status& verdict);
  void GreetSeated(const std::vector<int>& ids);
  void Crash(const Status& why);
  void Rebuild();
  Status Send(VmEvent event, const Player* cause);
  Status Apply(const VmReply& reply, bool has_cause, int seated_below);
  void RunWaitersUpTo(uint64_t seq);
  void ApplyWrites(const std::vector<KvWrite>& writes);
  void ApplySends(const std::vector<VmEffects::Send>& sends, uint64_t seq, int seated_below);
  void ApplyTimers(const std::vector<VmEffects::Timer>& timers);
  Player* FindPlayer(int id) const;
  // Sends `error` to `player`'s connection, counting it.
  void SendError(Player* player, const Status& error);
  // Counts an answered event, with the VM's `status`.
  void CountAnswered(const Pending& event, const Status& status);
  void FireTimer(int vm_timer);
  void StopAllTimers();
  Status CreateVm(std::string_view source);
  void CloseVm();
  // How long ago the oldest unanswered event was sent; 0 when none waits.
  uint64_t LagMs() const;

  uint64_t id_;
  TableRow row_;
  Deps deps_;
  KvNamespace world_{Namespace::kWorld};
  KvNamespace local_{Namespace::kLocal};
  std::vector<Player*> players_;           // Seat order.
  std::vector<int> player_ids_;            // Same order; the VM's view of the seats.
  bool vm_open_ = false;                   // The VM answered kOpen; until kClose.
  std::unique_ptr<PendingDefine> define_;  // A Define waiting for its verdict.
  std::deque<PendingUpgrade> upgrades_;    // Sent as kUpgrade, oldest first; no verdict yet.
  std::vector<int> held_fires_;            // Timers that came due during an upgrade.
  int seats_ = kMaxSeats;
  int expected_seats_ = kMaxSeats;
  bool crashed_ = false;
  bool opening_ = false;
  std::deque<uint64_t> losses_ms_;  // When its events killed the worker, within the period.
  size_t vm_memory_ = 0;
  uint64_t skipped_ticks_ = 0;
  uint64_t busy_commands_ = 0;
  std::deque<Pending> pending_;  // Sent, not yet answered; oldest first.
  // Expires with the table, so that code the table calls can tell it was destroyed.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // AfterPending's functions, each with the last seq it waits for; in that order.
  std::deque<std::pair<uint64_t, std::function<void()>>> waiters_;
  // The event whose sender waits for its status (a link that answers at once), and it.
  uint64_t awaited_seq_ = 0;
  std::optional<Status> awaited_status_;
  struct TimerEntry {
    Timers::Id clock_id = 0;
    bool repeat = false;
    // A firing of it is on its way to the VM: the next one is skipped rather than queued
    // behind it, so a VM that falls behind gets fewer ticks instead of a growing backlog.
    bool in_flight = false;
  };
  std::unordered_map<int, TimerEntry> timers_;  // VM timer id -> clock timer.
};

}  // namespace ggs
