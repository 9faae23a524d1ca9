// Table: seats, the game VM, and the application of the effects the VM returns.
#include "core/table.h"

#include <algorithm>
#include <cmath>

#include "core/log.h"
#include "core/peer.h"
#include "core/protocol.h"

namespace ggs {

Table::Table(TableRow row, Deps deps) : row_(std::move(row)), deps_(deps) {}

Table::~Table() { StopAllTimers(); }

void Table::Persist() { deps_.store->PutTable(row_); }

Status Table::CreateVm(std::string_view source) {
  VmContext context{&world_, &local_, &player_ids_};
  Result<std::unique_ptr<GameVm>> vm = GameVm::Create(source, context, deps_.vm_options);
  if (!vm.ok()) return vm.status();
  vm_ = std::move(vm.value());
  return Status::Ok();
}

Status Table::Define(std::string source, int game_version) {
  if (Status s = CreateVm(source); !s.ok()) return s;
  row_.source = std::move(source);
  row_.game_version = game_version;
  Persist();
  return Status::Ok();
}

void Table::GreetSeated() {
  const std::vector<Player*> seated = players_;
  for (Player* p : seated) {
    Status joined = Apply(vm_->PlayerJoined(p->id), p);
    if (!joined.ok())
      Log(LogLevel::kWarn, "table " + token() + ": playerJoined: " + joined.message());
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
  if (!vm_) return built;
  return Apply(vm_->PlayerJoined(player->id), player);
}

void Table::Leave(Player* player) {
  const auto it = std::find(players_.begin(), players_.end(), player);
  if (it == players_.end()) return;
  player_ids_.erase(player_ids_.begin() + (it - players_.begin()));
  players_.erase(it);
  deps_.store->DeletePlayer(player->token);
  player->table = nullptr;
  // The last player leaving ends the table: no need to rebuild a VM just to say goodbye.
  if (!players_.empty() && !BuildVm().ok()) return;
  if (vm_) {
    Status s = Apply(vm_->PlayerLeft(player->id), nullptr);
    if (!s.ok()) Log(LogLevel::kWarn, "table " + token() + ": playerLeft: " + s.message());
  }
}

void Table::Resumed(Player* player) {
  if (!BuildVm().ok() || !vm_) return;
  Status s = Apply(vm_->PlayerResumed(player->id), player);
  (void)s;  // Apply has logged it; the resume itself succeeded.
}

Status Table::Command(Player* player, std::string_view command, std::string_view args) {
  if (Status s = BuildVm(); !s.ok()) return s;
  return Apply(vm_->PlayerCommand(player->id, command, args), player);
}

void Table::End() {
  StopAllTimers();
  deps_.store->DeleteTable(token());
}

void Table::Restore(const StoredTable& stored, const std::vector<Player*>& players) {
  for (const auto& [k, v] : stored.world) world_.Load(k, v);
  for (const auto& [k, v] : stored.local) local_.Load(k, v);
  for (Player* p : players) {
    p->table = this;
    players_.push_back(p);
    player_ids_.push_back(p->id);
  }
}

Status Table::BuildVm() {
  if (built()) return Status::Ok();
  if (Status s = CreateVm(row_.source); !s.ok()) {
    Log(LogLevel::kError, "table " + token() + ": cannot rebuild its VM: " + s.message());
    return Status::Error(error::kScriptError,
                         "this table's game cannot be rebuilt: " + s.message());
  }
  Status restored = Apply(vm_->Restored(), nullptr);
  (void)restored;  // Apply has logged it; the VM is built either way.
  return Status::Ok();
}

// Applies a committed event's effects, or reports its error. Log lines come out either way.
Status Table::Apply(VmResult result, Player* cause) {
  for (const std::string& line : result.effects.logs) {
    Log(LogLevel::kInfo,
        "game " + (row_.game_name.empty() ? token() : row_.game_name) + ": " + line);
  }
  if (!result.status.ok()) {
    Log(cause ? LogLevel::kDebug : LogLevel::kWarn,
        "table " + token() + ": " + result.status.message());
    return result.status;
  }
  for (const KvWrite& w : result.effects.writes) deps_.store->Write(token(), w);
  ApplySends(result.effects.sends);
  ApplyTimers(result.effects.timers);
  return Status::Ok();
}

void Table::ApplySends(const std::vector<VmEffects::Send>& sends) {
  std::string bytes;
  for (const VmEffects::Send& send : sends) {
    bytes.clear();
    AppendClientCommand(bytes, send.command, send.args);
    for (Player* p : players_) {
      if ((send.player_id == 0 || send.player_id == p->id) && p->peer) p->peer->Send(bytes);
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
      vm_->ForgetTimer(t.id);
      continue;
    }
    const auto ms = static_cast<uint64_t>(std::max(1.0, std::isfinite(t.ms) ? t.ms : 1.0));
    const int id = t.id;
    timers_[id] = {deps_.timers->Start(ms, t.repeat, [this, id] { FireTimer(id); }), t.repeat};
  }
}

void Table::FireTimer(int vm_timer) {
  const auto it = timers_.find(vm_timer);
  if (it == timers_.end() || !vm_) return;
  // A one-shot timer is finished once it fires; the clock has forgotten it already.
  if (!it->second.repeat) timers_.erase(it);
  Status s = Apply(vm_->FireTimer(vm_timer), nullptr);
  (void)s;  // Apply has logged it; a timer has no player to answer.
}

void Table::StopAllTimers() {
  for (const auto& [vm_id, timer] : timers_) deps_.timers->Stop(timer.clock_id);
  timers_.clear();
}

}  // namespace ggs
