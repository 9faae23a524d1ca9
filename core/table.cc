// Table: seats, VmEvents out through the link, and the application of each VmReply.
#include "core/table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>

#include "core/log.h"
#include "core/peer.h"
#include "core/protocol.h"

namespace ggs {
namespace {

KvItems ItemsOf(const KvNamespace& ns) { return {ns.items().begin(), ns.items().end()}; }

// The event kinds a table counts, with their label values.
constexpr std::pair<VmEvent::Kind, const char*> kCountedKinds[] = {
    {VmEvent::Kind::kOpen, "open"},       {VmEvent::Kind::kCommand, "command"},
    {VmEvent::Kind::kJoined, "joined"},   {VmEvent::Kind::kLeft, "left"},
    {VmEvent::Kind::kResumed, "resumed"}, {VmEvent::Kind::kRestored, "restored"},
    {VmEvent::Kind::kTimer, "timer"},     {VmEvent::Kind::kUpgrade, "upgrade"},
};

constexpr size_t IndexOf(VmEvent::Kind kind) { return static_cast<size_t>(kind); }
static_assert(IndexOf(VmEvent::Kind::kUpgrade) < Table::Metrics::kKinds &&
                  IndexOf(VmEvent::Kind::kClose) < Table::Metrics::kKinds,
              "Table::Metrics::kKinds must exceed every VmEvent::Kind");

}  // namespace

Table::Metrics Table::Metrics::Register(MetricRegistry* registry, CounterByLabel* errors_sent) {
  Metrics m;
  for (const auto& [kind, name] : kCountedKinds) {
    const Labels labels = {{"kind", name}};
    m.events[IndexOf(kind)] = registry->GetCounter(
        "ggs_events_total", "Events sent to the tables' game VMs and answered, by kind.", labels);
    m.event_seconds[IndexOf(kind)] = registry->GetHistogram(
        "ggs_event_duration_seconds",
        "Time from a table sending an event to its VM to the reply being applied, by kind.",
        DurationBuckets(), labels);
    m.script_errors[IndexOf(kind)] = registry->GetCounter(
        "ggs_script_errors_total",
        "Events the game failed (a script error or timeout, or the event killed its worker), "
        "by kind.",
        labels);
  }
  m.skipped_ticks = registry->GetCounter(
      "ggs_timer_skipped_ticks_total",
      "Firings of repeating game timers skipped because the one before was still unanswered.");
  m.errors_sent = errors_sent;
  return m;
}

Table::Table(uint64_t id, TableRow row, Deps deps) : id_(id), row_(std::move(row)), deps_(deps) {
  deps_.link->Attach(id_, this);
}

Table::~Table() {
  StopAllTimers();
  CloseVm();
}

void Table::Persist() { deps_.store->PutTable(row_); }

VmEvent Table::Event(VmEvent::Kind kind) const {
  VmEvent e;
  e.kind = kind;
  e.table = id_;
  return e;
}

// Sends `event`. When the link answers before returning, the reply has been applied and its
// status is returned; otherwise ok, and OnReply answers a failure to `cause`.
Status Table::Send(VmEvent event, const Player* cause) {
  event.seq = NextVmEventSeq();
  pending_.push_back({event.seq, event.kind, cause ? cause->id : 0, row_.next_player_id,
                      event.timer_id, deps_.timers->NowMs(), std::chrono::steady_clock::now()});
  // A reply may send further events (a cleared timer), so the awaited event nests.
  const uint64_t outer_seq = awaited_seq_;
  std::optional<Status> outer_status = std::move(awaited_status_);
  awaited_seq_ = event.seq;
  awaited_status_.reset();
  deps_.link->Send(std::move(event));
  std::optional<Status> got = std::move(awaited_status_);
  awaited_seq_ = outer_seq;
  awaited_status_ = std::move(outer_status);
  return got ? std::move(*got) : Status::Ok();
}

void Table::OnReply(VmReply reply) {
  while (!pending_.empty() && pending_.front().seq < reply.seq) pending_.pop_front();
  if (pending_.empty() || pending_.front().seq != reply.seq) {
    Log(LogLevel::kError, "table " + token() + ": a reply to no event (seq " +
                              std::to_string(reply.seq) + ") was dropped");
    return;
  }
  const Pending event = pending_.front();
  pending_.pop_front();
  if (event.kind == VmEvent::Kind::kTimer) {
    if (auto it = timers_.find(event.timer_id); it != timers_.end()) it->second.in_flight = false;
  }
  if (event.kind == VmEvent::Kind::kUpgrade && reply.status.ok()) {
    StopAllTimers();  // The old VM's; the new one's restored() sets its own.
    held_fires_.clear();
    seats_ = std::clamp(reply.seats, 1, kMaxSeats);
  }
  // A VM that does not load is its opener's to report (define_failed, or a rebuild's log).
  Status status =
      Apply(reply, event.cause != 0 || event.kind == VmEvent::Kind::kOpen, event.seated_below);
  CountAnswered(event, reply.status);
  if (event.kind == VmEvent::Kind::kOpen) {
    opening_ = false;
    vm_open_ = reply.status.ok();
    seats_ = reply.status.ok() ? std::clamp(reply.seats, 1, kMaxSeats) : kMaxSeats;
    if (define_) {
      FinishDefine(status);  // Persists the row, seats included.
    } else if (vm_open_ && row_.seats != seats_) {
      row_.seats = seats_;
      Persist();
    }
  }
  if (event.kind == VmEvent::Kind::kUpgrade) FinishUpgrade(status);
  if (reply.seq == awaited_seq_) {
    awaited_status_ = std::move(status);
  } else if (!status.ok()) {
    SendError(FindPlayer(event.cause), status);
  }
  RunWaitersUpTo(reply.seq);
}

void Table::AfterPending(std::function<void()> fn) {
  if (pending_.empty()) return fn();
  waiters_.emplace_back(pending_.back().seq, std::move(fn));
}

// A waiter may end this table (a `bye` from its last player): then it stops at once.
void Table::RunWaitersUpTo(uint64_t seq) {
  const std::weak_ptr<bool> alive = alive_;
  while (!waiters_.empty() && waiters_.front().first <= seq) {
    std::function<void()> fn = std::move(waiters_.front().second);
    waiters_.pop_front();
    fn();
    if (alive.expired()) return;
  }
}

void Table::OnVmLost(std::vector<VmEvent> unanswered, uint64_t culprit_seq, const Status& why) {
  std::unordered_map<uint64_t, int> causes;  // Seq -> the player who caused the event.
  for (const Pending& p : pending_) causes[p.seq] = p.cause;
  pending_.clear();
  vm_open_ = false;
  opening_ = false;
  StopAllTimers();  // The game's timers died with its VM; restored() sets them again.
  held_fires_.clear();
  const auto culprit =
      std::find_if(unanswered.begin(), unanswered.end(),
                   [culprit_seq](const VmEvent& e) { return e.seq == culprit_seq; });
  const std::string game = row_.game_name.empty() ? "(defined)" : row_.game_name;
  if (culprit == unanswered.end()) {
    // The pool has logged the worker's death once; each of its tables only at debug.
    Log(LogLevel::kDebug, "table " + token() + " game " + game +
                              ": its worker died; rebuilding its VM: " + why.message());
  } else {
    Log(LogLevel::kError,
        "table " + token() + " game " + game + ": an event killed its worker: " + why.message());
    const Status answer = Status::Error(
        why.code() == error::kScriptTimeout ? error::kScriptTimeout : error::kScriptError,
        why.message());
    if (deps_.metrics) {
      if (Counter* c = deps_.metrics->script_errors[IndexOf(culprit->kind)]) c->Inc();
    }
    if (culprit->kind == VmEvent::Kind::kOpen && define_) {
      FinishDefine(Status::Error(error::kDefineFailed, why.message()));
      FailUpgrades(Status::Error(error::kDefineFailed, "the table's game never loaded"));
      RunWaitersUpTo(UINT64_MAX);
      return;  // The game never loaded: nothing to rebuild.
    }
    if (culprit->kind == VmEvent::Kind::kUpgrade) {
      // The new code's fault, not the table's: the table goes on with its old version.
      FinishUpgrade(
          Status::Error(answer.code(), "the new version killed its worker: " + why.message()));
    } else {
      SendError(FindPlayer(causes[culprit_seq]), answer);
    }
    if (culprit->kind != VmEvent::Kind::kUpgrade) {
      const uint64_t now = deps_.timers->NowMs();
      losses_ms_.push_back(now);
      while (!losses_ms_.empty() && losses_ms_.front() + deps_.restart_period_ms <= now) {
        losses_ms_.pop_front();
      }
      if (static_cast<int>(losses_ms_.size()) >= deps_.restart_limit) return Crash(why);
    }
  }
  std::deque<std::pair<uint64_t, std::function<void()>>> waiters = std::move(waiters_);
  waiters_.clear();
  Rebuild();
  for (VmEvent& e : unanswered) {
    if (e.seq == culprit_seq || e.kind == VmEvent::Kind::kOpen ||
        e.kind == VmEvent::Kind::kRestored || e.kind == VmEvent::Kind::kClose) {
      continue;
    }
    const Player* cause = FindPlayer(causes[e.seq]);
    Status s = Send(std::move(e), cause);
    (void)s;  // A later reply: its failure goes to its player.
  }
  const std::weak_ptr<bool> alive = alive_;
  for (auto& [seq, fn] : waiters) {
    AfterPending(std::move(fn));  // Behind the replays now.
    if (alive.expired()) return;  // It ran at once and ended the table.
  }
}

// A new VM from the table's own state: the pending define's source, or the game's.
void Table::Rebuild() {
  if (define_) {
    Status s = CreateVm(define_->source);
    (void)s;  // The verdict finishes the define.
    return;
  }
  if (row_.source.empty()) return;
  if (Status s = CreateVm(row_.source); !s.ok()) return;
  Status restored = Send(Event(VmEvent::Kind::kRestored), nullptr);
  (void)restored;  // Apply has logged it.
}

void Table::Crash(const Status& why) {
  crashed_ = true;
  StopAllTimers();
  Log(LogLevel::kError, "table " + token() + " is closed: its events killed its worker " +
                            std::to_string(losses_ms_.size()) + " times within " +
                            std::to_string(deps_.restart_period_ms / 1000) + " s");
  const Status closed =
      Status::Error(error::kTableCrashed, "this table is closed: its game failed " +
                                              std::to_string(losses_ms_.size()) +
                                              " times in a row (" + why.message() + ")");
  for (Player* p : players_) SendError(p, closed);
  FailUpgrades(closed);
  RunWaitersUpTo(UINT64_MAX);  // Nothing more will be answered.
}

Status Table::CreateVm(std::string_view source) {
  VmEvent open = Event(VmEvent::Kind::kOpen);
  open.source = std::string(source);
  open.memory_limit = deps_.vm_options.memory_limit;
  open.limits = deps_.vm_options.limits;
  open.isolate = !losses_ms_.empty();
  open.world = ItemsOf(world_);
  open.local = ItemsOf(local_);
  open.players = player_ids_;
  opening_ = true;
  return Send(std::move(open), nullptr);
}

void Table::CloseVm() {
  vm_open_ = false;
  deps_.link->Detach(id_);
}

void Table::Define(SharedText source, int game_version, std::function<void(Status)> done) {
  define_ = std::make_unique<PendingDefine>(
      PendingDefine{source, game_version, std::move(done), player_ids_});
  Status verdict = CreateVm(source);
  (void)verdict;  // OnReply has finished the define with it, or will.
}

void Table::FinishDefine(const Status& verdict) {
  std::unique_ptr<PendingDefine> define = std::move(define_);
  if (verdict.ok()) {
    row_.source = std::move(define->source);
    row_.game_version = define->game_version;
    row_.seats = seats_;
    Persist();
  }
  if (define->done) define->done(verdict);
  if (verdict.ok()) GreetSeated(define->seated);
}

void Table::Upgrade(SharedText source, int game_version, std::function<void(Status)> done) {
  if (crashed_) return done(Status::Error(error::kTableCrashed, "this table is closed"));
  if (!defined() && !defining()) {
    return done(Status::Error(error::kNotDefined, "this table's game is not defined"));
  }
  if (Status s = BuildVm(); !s.ok()) return done(s);
  upgrades_.push_back({std::move(source), game_version, std::move(done)});
  VmEvent upgrade = Event(VmEvent::Kind::kUpgrade);
  upgrade.source = upgrades_.back().source.str();
  upgrade.memory_limit = deps_.vm_options.memory_limit;
  upgrade.limits = deps_.vm_options.limits;
  Status s = Send(std::move(upgrade), nullptr);
  (void)s;  // FinishUpgrade has reported it, or will.
}

void Table::FinishUpgrade(const Status& verdict) {
  if (upgrades_.empty()) return;  // Failed already (the table ended or closed).
  PendingUpgrade upgrade = std::move(upgrades_.front());
  upgrades_.pop_front();
  if (verdict.ok()) {
    Log(LogLevel::kInfo, "table " + token() + " game " + row_.game_name + " moved to version " +
                             std::to_string(upgrade.game_version));
    row_.source = std::move(upgrade.source);
    row_.game_version = upgrade.game_version;
    row_.seats = seats_;
    Persist();
  } else {
    Log(LogLevel::kWarn, "table " + token() + " game " + row_.game_name + " keeps version " +
                             std::to_string(row_.game_version) + ": " + verdict.message());
    if (upgrades_.empty()) {
      const std::vector<int> held = std::move(held_fires_);
      held_fires_.clear();
      for (const int id : held) SendTimer(id);  // The old code stays: its timers are due.
    }
  }
  if (upgrade.done) upgrade.done(verdict);
}

void Table::FailUpgrades(const Status& why) {
  std::deque<PendingUpgrade> upgrades = std::move(upgrades_);
  upgrades_.clear();
  held_fires_.clear();
  for (PendingUpgrade& u : upgrades) {
    if (u.done) u.done(why);
  }
}

void Table::GreetSeated(const std::vector<int>& ids) {
  for (const int id : ids) {
    Player* p = FindPlayer(id);
    if (p == nullptr) continue;  // Left meanwhile.
    VmEvent joined = Event(VmEvent::Kind::kJoined);
    joined.player_id = p->id;
    joined.players = player_ids_;
    if (Status s = Send(std::move(joined), p); !s.ok())
      Log(LogLevel::kWarn, "table " + token() + ": playerJoined: " + s.message());
  }
}

Status Table::Join(Player* player) {
  Status built = BuildVm();
  player->id = row_.next_player_id++;
  player->table = this;
  players_.push_back(player);
  player_ids_.push_back(player->id);
  Persist();
  deps_.store->PutPlayer({player->token, token(), player->id});
  if (!vm_open_ && !opening_) return built;  // No game yet: greeted when it is defined.
  VmEvent joined = Event(VmEvent::Kind::kJoined);
  joined.player_id = player->id;
  joined.players = player_ids_;
  return Send(std::move(joined), player);
}

void Table::Leave(Player* player) {
  const auto it = std::find(players_.begin(), players_.end(), player);
  if (it == players_.end()) return;
  player_ids_.erase(player_ids_.begin() + (it - players_.begin()));
  players_.erase(it);
  deps_.store->DeletePlayer(player->token, token());
  player->table = nullptr;
  // The last player leaving ends the table: no need to rebuild a VM just to say goodbye.
  if (!players_.empty() && !BuildVm().ok()) return;
  if (!vm_open_ && !opening_) return;
  VmEvent left = Event(VmEvent::Kind::kLeft);
  left.player_id = player->id;
  left.players = player_ids_;
  if (Status s = Send(std::move(left), nullptr); !s.ok())
    Log(LogLevel::kWarn, "table " + token() + ": playerLeft: " + s.message());
}

void Table::Resumed(Player* player) {
  if (!BuildVm().ok() || (!vm_open_ && !opening_)) return;
  VmEvent resumed = Event(VmEvent::Kind::kResumed);
  resumed.player_id = player->id;
  Status s = Send(std::move(resumed), player);
  (void)s;  // Apply has logged it; the resume itself succeeded.
}

Status Table::Command(Player* player, std::string_view command, std::string_view args) {
  if (crashed_) return Status::Error(error::kTableCrashed, "this table is closed");
  if (Status s = BuildVm(); !s.ok()) return s;
  if (const uint64_t lag = LagMs(); deps_.max_lag_ms > 0 && lag > deps_.max_lag_ms) {
    ++busy_commands_;
    return Status::Error(error::kTableBusy, "the table's game is " + std::to_string(lag) +
                                                " ms behind (--max-table-lag-ms " +
                                                std::to_string(deps_.max_lag_ms) +
                                                "); this command was dropped");
  }
  VmEvent e = Event(VmEvent::Kind::kCommand);
  e.player_id = player->id;
  e.command = std::string(command);
  e.args = std::string(args);
  return Send(std::move(e), player);
}

uint64_t Table::LagMs() const {
  if (pending_.empty()) return 0;
  const uint64_t now = deps_.timers->NowMs();
  return now > pending_.front().sent_ms ? now - pending_.front().sent_ms : 0;
}

void Table::End() {
  StopAllTimers();
  FailUpgrades(Status::Error(error::kNoSuchTable, "the table ended"));
  deps_.store->DeleteTable(token());
}

void Table::Drop() {
  StopAllTimers();
  FailUpgrades(Status::Error(error::kNoSuchTable, "the table moved to another node"));
  players_.clear();
  player_ids_.clear();
}

void Table::Restore(const StoredTable& stored, const std::vector<Player*>& players) {
  if (row_.seats > 0) expected_seats_ = row_.seats;  // As its VM declared them last time.
  for (const auto& [k, v] : stored.world) world_.Load(k, v);
  for (const auto& [k, v] : stored.local) local_.Load(k, v);
  for (Player* p : players) {
    p->table = this;
    players_.push_back(p);
    player_ids_.push_back(p->id);
  }
}

Status Table::BuildVm() {
  if (built() || crashed_ || opening_) return Status::Ok();
  if (Status s = CreateVm(row_.source); !s.ok()) {
    Log(LogLevel::kError, "table " + token() + ": cannot rebuild its VM: " + s.message());
    return Status::Error(error::kScriptError,
                         "this table's game cannot be rebuilt: " + s.message());
  }
  Status restored = Send(Event(VmEvent::Kind::kRestored), nullptr);
  (void)restored;  // Apply has logged it; the VM is built either way.
  return Status::Ok();
}

// Applies a committed event's effects, or reports its error. Log lines come out either way.
Status Table::Apply(const VmReply& reply, bool has_cause, int seated_below) {
  for (const std::string& line : reply.effects.logs) {
    Log(LogLevel::kInfo,
        "game " + (row_.game_name.empty() ? token() : row_.game_name) + ": " + line);
  }
  vm_memory_ = reply.memory_used;
  if (!reply.status.ok()) {
    Log(has_cause ? LogLevel::kDebug : LogLevel::kWarn,
        "table " + token() + ": " + reply.status.message());
    return reply.status;
  }
  ApplyWrites(reply.effects.writes);
  ApplySends(reply.effects.sends, reply.seq, seated_below);
  ApplyTimers(reply.effects.timers);
  return Status::Ok();
}

// The VM has committed these to its replicas; the table's namespaces follow, then storage.
void Table::ApplyWrites(const std::vector<KvWrite>& writes) {
  for (const KvWrite& w : writes) {
    KvNamespace& ns = w.ns == Namespace::kWorld ? world_ : local_;
    switch (w.op) {
      case KvWrite::Op::kSet:
        ns.Set(w.key, w.value);
        break;
      case KvWrite::Op::kRemove:
        ns.Remove(w.key);
        break;
      case KvWrite::Op::kClear:
        ns.Clear();
        break;
    }
    deps_.store->Write(token(), w);
  }
}

// Sends to the players who were seated and connected when the event was sent: a late reply
// must not reach a player who sat down, or came back, after it, just as it would not have
// had the VM answered at once.
void Table::ApplySends(const std::vector<VmEffects::Send>& sends, uint64_t seq, int seated_below) {
  std::string bytes;
  for (const VmEffects::Send& send : sends) {
    bytes.clear();
    AppendClientCommand(bytes, send.command, send.args);
    for (Player* p : players_) {
      if (p->peer && p->id < seated_below && p->attached_after < seq &&
          (send.player_id == 0 || send.player_id == p->id)) {
        p->peer->Send(bytes);
      }
    }
  }
}

void Table::ApplyTimers(const std::vector<VmEffects::Timer>& timers) {
  for (const VmEffects::Timer& t : timers) {
    if (t.op == VmEffects::Timer::Op::kClear) {
      if (auto it = timers_.find(t.id); it != timers_.end()) {
        deps_.timers->Stop(it->second.clock_id);
        timers_.erase(it);
      }
      VmEvent forget = Event(VmEvent::Kind::kForgetTimer);
      forget.timer_id = t.id;
      Status s = Send(std::move(forget), nullptr);
      (void)s;  // Forgetting cannot fail while the VM is open.
      continue;
    }
    const auto ms = static_cast<uint64_t>(std::max(1.0, std::isfinite(t.ms) ? t.ms : 1.0));
    const int id = t.id;
    if (auto old = timers_.find(id); old != timers_.end()) deps_.timers->Stop(old->second.clock_id);
    timers_[id] = {deps_.timers->Start(ms, t.repeat, [this, id] { FireTimer(id); }), t.repeat};
  }
}

Player* Table::FindPlayer(int id) const {
  if (id == 0) return nullptr;
  const auto it =
      std::find_if(players_.begin(), players_.end(), [id](const Player* p) { return p->id == id; });
  return it == players_.end() ? nullptr : *it;
}

void Table::SendError(Player* player, const Status& error) {
  if (player == nullptr || player->peer == nullptr) return;
  if (deps_.metrics) deps_.metrics->errors_sent->Inc(error.code());
  player->peer->SendError(error);
}

void Table::CountAnswered(const Pending& event, const Status& status) {
  if (deps_.metrics == nullptr) return;
  const size_t kind = IndexOf(event.kind);
  if (kind >= Metrics::kKinds || deps_.metrics->events[kind] == nullptr) return;
  deps_.metrics->events[kind]->Inc();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - event.sent;
  deps_.metrics->event_seconds[kind]->Observe(took.count());
  if (!status.ok()) deps_.metrics->script_errors[kind]->Inc();
}

void Table::FireTimer(int vm_timer) {
  const auto it = timers_.find(vm_timer);
  if (it == timers_.end() || !vm_open_) return;
  if (it->second.in_flight) {  // Only a repeating timer can be: the VM is behind.
    ++skipped_ticks_;
    if (deps_.metrics) deps_.metrics->skipped_ticks->Inc();
    return;
  }
  // A one-shot timer is finished once it fires; the clock has forgotten it already.
  if (!it->second.repeat) {
    timers_.erase(it);
  } else {
    it->second.in_flight = true;
  }
  if (!upgrades_.empty()) {  // Which code runs it is known once the upgrade answers.
    if (std::find(held_fires_.begin(), held_fires_.end(), vm_timer) == held_fires_.end()) {
      held_fires_.push_back(vm_timer);
    }
    return;
  }
  SendTimer(vm_timer);
}

void Table::SendTimer(int vm_timer) {
  VmEvent fire = Event(VmEvent::Kind::kTimer);
  fire.timer_id = vm_timer;
  Status s = Send(std::move(fire), nullptr);
  (void)s;  // Apply has logged it; a timer has no player to answer.
}

void Table::StopAllTimers() {
  for (const auto& [vm_id, timer] : timers_) deps_.timers->Stop(timer.clock_id);
  timers_.clear();
}

}  // namespace ggs
