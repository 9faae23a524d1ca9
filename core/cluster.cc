// Cluster: leases, claims, routing and forfeits of one node.
#include "core/cluster.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <sstream>

#include "core/log.h"
#include "core/protocol.h"

namespace ggs {

std::string FormatClusterLoad(const ClusterLoad& load) {
  std::string text = std::to_string(load.tables) + " " + std::to_string(load.players);
  for (const auto& [game, table] : load.open) text += "\n" + game + " " + table;
  return text;
}

ClusterLoad ParseClusterLoad(const std::string& text) {
  ClusterLoad load;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) return load;
  std::istringstream first(line);
  if (!(first >> load.tables >> load.players)) return ClusterLoad{};
  while (std::getline(in, line)) {
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size()) continue;
    load.open.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return load;
}

Cluster::Cluster(Timers* timers, ClusterDirectory* directory, MetricRegistry* metrics,
                 ClusterOptions options)
    : timers_(timers),
      directory_(directory),
      options_(std::move(options)),
      claimed_(metrics->GetCounter("ggs_cluster_claimed_tables_total",
                                   "Tables this node claimed: from dead nodes, or its own "
                                   "after a restart.")),
      forfeited_(metrics->GetCounter(
          "ggs_cluster_forfeited_tables_total",
          "Tables this node let go because another node had claimed them (fenced writes).")),
      lease_lapses_(metrics->GetCounter(
          "ggs_cluster_lease_lapses_total",
          "Renewals that found this node's lease expired (a pause or a partition).")),
      renew_failures_(metrics->GetCounter("ggs_cluster_lease_renewal_failures_total",
                                          "Lease renewals that could not reach Redis.")) {
  metrics->AddCollector(
      "ggs_cluster_nodes", "Nodes of the cluster, by state, as last seen.",
      MetricRegistry::Type::kGauge, {"state"}, [this](std::vector<Sample>& out) {
        size_t alive = 1;  // This node.
        for (const NodeRecord& n : view_) alive += n.alive;
        out.push_back({{{"state", "alive"}}, static_cast<double>(alive)});
        out.push_back({{{"state", "dead"}}, static_cast<double>(view_.size() + 1 - alive)});
      });
}

Cluster::~Cluster() { timers_->Stop(look_timer_); }

Status Cluster::Start(Coordinator* coordinator, std::string id, std::string web_address) {
  coordinator_ = coordinator;
  id_ = std::move(id);
  web_address_ = std::move(web_address);
  Result<bool> held =
      directory_->RenewLease(id_, web_address_, FormatClusterLoad(OwnLoad()), options_.lease_ms);
  if (!held.ok()) return held.status();
  renewed_at_ms_ = timers_->NowMs();
  if (Result<uint64_t> serial = directory_->GamesSerial(); serial.ok()) games_serial_ = *serial;
  if (Result<std::map<std::string, int>> live = directory_->LiveVersions(); live.ok()) {
    live_versions_ = std::move(*live);
  }
  Result<std::vector<std::string>> own = directory_->OwnedBy(id_);
  if (!own.ok()) return own.status();
  for (const std::string& token : *own) ClaimAndAdopt(token);
  Log(LogLevel::kInfo, "cluster node " + id_ + ": took back " + std::to_string(epochs_.size()) +
                           " of its tables; lease " + std::to_string(options_.lease_ms) + " ms");
  Look();
  look_timer_ =
      timers_->Start(std::max<uint64_t>(options_.lease_ms / 3, 1), true, [this] { Look(); });
  return Status::Ok();
}

void Cluster::Stop() {
  timers_->Stop(look_timer_);
  look_timer_ = 0;
  if (Status s = directory_->ReleaseLease(id_); !s.ok()) {
    Log(LogLevel::kWarn, "cannot release the lease: " + s.message() +
                             " (the other nodes take this node's tables once it expires)");
  }
}

ClusterLoad Cluster::OwnLoad() const {
  ClusterLoad load;
  if (coordinator_ == nullptr) return load;
  load.tables = coordinator_->table_count();
  load.players = coordinator_->player_count();
  load.open = coordinator_->OpenTables();
  return load;
}

void Cluster::Look() {
  if (!RenewLease()) return;
  Result<std::vector<NodeRecord>> nodes = directory_->Nodes();
  if (!nodes.ok()) return;
  view_.clear();
  loads_.clear();
  for (NodeRecord& node : *nodes) {
    web_addresses_[node.id] = node.web_address;
    if (node.id == id_) continue;
    if (node.alive) loads_[node.id] = ParseClusterLoad(node.load);
    view_.push_back(std::move(node));
  }
  if (ownership_unchecked_) CheckOwnership();
  // Tables claimed but not loaded yet (their load failed): again.
  for (const std::string& token : std::vector<std::string>(unloaded_.begin(), unloaded_.end())) {
    Load(token);
  }
  ClaimOrphans();
  if (Result<uint64_t> serial = directory_->GamesSerial();
      serial.ok() && *serial != games_serial_) {
    // The serial is taken only once the registry and the live moves are done, so that a
    // failure here is tried again at the next look.
    Result<bool> news = coordinator_->ReloadGames();
    Result<std::map<std::string, int>> live = directory_->LiveVersions();
    if (!news.ok() || !live.ok()) {
      Log(LogLevel::kWarn,
          "cannot reload the games: " + (news.ok() ? live.status() : news.status()).message());
    } else {
      games_serial_ = *serial;
      // Live uploads received by other nodes: move this node's tables of those games too.
      for (const auto& [game, version] : *live) {
        int& moved = live_versions_[game];
        if (version > moved && coordinator_->MoveTablesLive(game, version)) moved = version;
      }
    }
  }
  // Forget what may be stale: owners past their look, and (bounded) the players' tables.
  const uint64_t now = timers_->NowMs();
  std::erase_if(known_owners_, [now](const auto& entry) { return entry.second.until_ms <= now; });
  if (player_tables_.size() > 100000) player_tables_.clear();
  // Tables that ended here are no longer held.
  for (auto it = epochs_.begin(); it != epochs_.end();) {
    it = coordinator_->FindTable(it->first) ? std::next(it) : epochs_.erase(it);
  }
}

bool Cluster::RenewLease() {
  const uint64_t sent = timers_->NowMs();  // Redis counts the lease from about now.
  Result<bool> held =
      directory_->RenewLease(id_, web_address_, FormatClusterLoad(OwnLoad()), options_.lease_ms);
  if (!held.ok()) {
    renew_failures_->Inc();
    if (failed_renewals_++ % 30 == 0) {
      Log(LogLevel::kError, "cannot renew the lease (" + std::to_string(failed_renewals_) +
                                " failures in a row): " + held.status().message());
    }
    // Past two thirds of the lease without a renewal, the lease may expire before the next
    // look: other nodes may then claim the tables, so this node stops serving them now.
    if (!epochs_.empty() && timers_->NowMs() >= renewed_at_ms_ + options_.lease_ms * 2 / 3) {
      StopServing();
    }
    return false;
  }
  failed_renewals_ = 0;
  renewed_at_ms_ = sent;
  if (!*held) {
    // Expired: a pause or a partition. Other nodes may have claimed tables meanwhile; the
    // fenced flush refuses writes for those, and this check lets them go at once, written
    // or not. Then the tables still owned here and not held (let go while Redis was away)
    // are claimed back.
    lease_lapses_->Inc();
    Log(LogLevel::kWarn, "the lease had expired; checking which tables are still this node's");
    CheckOwnership();
    if (Result<std::vector<std::string>> own = directory_->OwnedBy(id_); own.ok()) {
      size_t back = 0;
      for (const std::string& token : *own) {
        if (coordinator_->FindTable(token) != nullptr) continue;
        back += ClaimAndAdopt(token).kind == Route::Kind::kHere;
      }
      if (back > 0) Log(LogLevel::kInfo, "took back " + std::to_string(back) + " tables");
    }
  }
  return true;
}

void Cluster::StopServing() {
  Log(LogLevel::kError, "the lease could not be renewed for " +
                            std::to_string(timers_->NowMs() - renewed_at_ms_) +
                            " ms: this node stops serving its " + std::to_string(epochs_.size()) +
                            " tables (their players reconnect and resume once Redis answers)");
  const std::map<std::string, uint64_t> held = std::exchange(epochs_, {});
  for (const auto& [token, epoch] : held) {
    directory_->Unfence(token);
    forfeited_->Inc();
    coordinator_->Forfeit(token, Route{Route::Kind::kUnavailable, "", ""});
  }
}

// Lets go of every table another node has claimed since this node's lease expired. Until
// this succeeds it is tried again at every look; meanwhile the fence refuses the writes of
// tables that are gone.
void Cluster::CheckOwnership() {
  ownership_unchecked_ = true;
  std::vector<std::string> tokens;
  for (const auto& [token, epoch] : epochs_) tokens.push_back(token);
  Result<std::vector<TableOwner>> owners = directory_->Owners(tokens);
  if (!owners.ok()) return;
  ownership_unchecked_ = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const TableOwner& owner = (*owners)[i];
    if (owner.node.empty() || owner == TableOwner{id_, epochs_[tokens[i]]}) continue;
    directory_->Unfence(tokens[i]);
    epochs_.erase(tokens[i]);
    forfeited_->Inc();
    coordinator_->Forfeit(tokens[i], RouteTo(owner.node));
  }
}

void Cluster::ClaimOrphans() {
  std::vector<std::string> alive{id_};
  for (const NodeRecord& node : view_) {
    if (node.alive) alive.push_back(node.id);
  }
  std::sort(alive.begin(), alive.end());
  const size_t rank = std::find(alive.begin(), alive.end(), id_) - alive.begin();
  // Claims take a slice of each look, so that a survivor taking over thousands of tables
  // keeps serving its own and renews its lease in time; the rest wait for the next look.
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(std::max<uint64_t>(options_.lease_ms / 6, 1));
  std::set<std::string> seen;
  for (const NodeRecord& node : view_) {
    if (node.alive) continue;
    Result<std::vector<std::string>> owned = directory_->OwnedBy(node.id);
    if (!owned.ok()) return;
    if (owned->empty()) {
      if (Result<bool> forgot = directory_->ForgetNode(node.id); forgot.ok() && *forgot) {
        Log(LogLevel::kInfo, "node " + node.id + " is gone and left no table: forgotten");
      }
      continue;
    }
    size_t taken = 0;
    for (const std::string& token : *owned) {
      // Each survivor claims its share first; what is left after a look, anyone claims.
      const bool mine = std::hash<std::string>{}(token) % alive.size() == rank;
      if ((!mine && !orphans_seen_.contains(token)) || std::chrono::steady_clock::now() >= until) {
        seen.insert(token);
        continue;
      }
      taken += ClaimAndAdopt(token, node.id).kind == Route::Kind::kHere;
    }
    if (taken > 0) {
      Log(LogLevel::kInfo, "node " + node.id + " is dead: took over " + std::to_string(taken) +
                               " of its " + std::to_string(owned->size()) + " tables");
    }
  }
  orphans_seen_ = std::move(seen);
}

ClusterRouter::Route Cluster::ClaimAndAdopt(const std::string& token,
                                            const std::string& listed_by) {
  const Route here{Route::Kind::kHere, id_, web_address_};
  const bool held = coordinator_->FindTable(token) != nullptr;
  // A table held here is this node's, unless a dead node's owned set lists it: then the
  // copy here is stale (this node lost it while its lease lapsed) and is replaced.
  if (held && listed_by.empty()) return here;
  Result<uint64_t> epoch = directory_->Claim(token, id_, listed_by);
  if (!epoch.ok()) {
    if (epoch.status().code() == "owned") return RouteTo(epoch.status().message());
    return Route{};
  }
  // Fenced at once: whatever happens to the load, writes for it carry the new epoch.
  directory_->Fence(token, TableOwner{id_, *epoch}, false);
  epochs_[token] = *epoch;
  claimed_->Inc();
  if (held) coordinator_->Forfeit(token, here);  // Its players resume on the state in Redis.
  return Load(token);
}

ClusterRouter::Route Cluster::Load(const std::string& token) {
  Result<StoredTable> stored = directory_->LoadTable(token);
  if (!stored.ok()) {
    if (stored.status().code() == error::kNoSuchTable) {
      unloaded_.erase(token);
      epochs_.erase(token);
      directory_->Unfence(token);
      return Route{};
    }
    if (unloaded_.insert(token).second) {
      Log(LogLevel::kError, "claimed table " + token +
                                " but cannot load it (tried again every "
                                "look): " +
                                stored.status().message());
    }
    return Route{};
  }
  unloaded_.erase(token);
  coordinator_->Adopt(std::move(*stored));
  if (coordinator_->FindTable(token) == nullptr) {
    epochs_.erase(token);  // Nobody was left at it: it ended.
    return Route{};
  }
  return Route{Route::Kind::kHere, id_, web_address_};
}

ClusterRouter::Route Cluster::RouteTo(const std::string& node) {
  auto known = web_addresses_.find(node);
  if (known == web_addresses_.end()) {  // A node newer than the last look: ask once.
    if (Result<std::vector<NodeRecord>> nodes = directory_->Nodes(); nodes.ok()) {
      for (const NodeRecord& n : *nodes) web_addresses_[n.id] = n.web_address;
    }
    known = web_addresses_.find(node);
  }
  return Route{Route::Kind::kElsewhere, node, known == web_addresses_.end() ? "" : known->second};
}

ClusterRouter::Route Cluster::FindTable(const std::string& table_token) {
  if (const auto known = known_owners_.find(table_token); known != known_owners_.end()) {
    const bool dead = std::any_of(view_.begin(), view_.end(), [&](const NodeRecord& n) {
      return n.id == known->second.node && !n.alive;
    });
    if (!dead && timers_->NowMs() < known->second.until_ms) return RouteTo(known->second.node);
    known_owners_.erase(known);
  }
  // The claim itself says who owns it: it succeeds only when the owner is dead (or this
  // node), and otherwise names the live owner.
  Route route = ClaimAndAdopt(table_token);
  if (route.kind == Route::Kind::kElsewhere) {
    known_owners_[table_token] =
        KnownOwner{route.address, timers_->NowMs() + std::max<uint64_t>(options_.lease_ms / 3, 1)};
  }
  return route;
}

ClusterRouter::Route Cluster::FindPlayer(const std::string& player_token) {
  // A token names one seat for good: its table never changes, so it is looked up once.
  auto known = player_tables_.find(player_token);
  if (known == player_tables_.end()) {
    Result<std::string> table = directory_->TableOfPlayer(player_token);
    if (!table.ok() || table->empty()) return Route{};
    known = player_tables_.emplace(player_token, std::move(*table)).first;
  }
  return FindTable(known->second);
}

ClusterRouter::Route Cluster::PlaceGame(const std::string& game, bool redirected) {
  if (redirected) return Route{};
  for (const auto& [node, load] : loads_) {
    for (const auto& [name, table] : load.open) {
      if (name == game) return RouteTo(node);
    }
  }
  // A new table goes to the node with clearly fewer tables: a fifth fewer, and two at least.
  const size_t own = coordinator_->table_count();
  const std::string* best = nullptr;
  size_t fewest = own;
  for (const auto& [node, load] : loads_) {
    if (load.tables < fewest) {
      fewest = load.tables;
      best = &node;
    }
  }
  if (best == nullptr || fewest + std::max<size_t>(2, own / 5) > own) return Route{};
  ++loads_[*best].tables;  // Until its next published load: do not send it every newcomer.
  return RouteTo(*best);
}

void Cluster::Created(const std::string& table_token) {
  directory_->Fence(table_token, TableOwner{id_, 1}, true);
  epochs_[table_token] = 1;
}

void Cluster::UploadedLive(const std::string& game, int version) {
  live_versions_[game] = std::max(live_versions_[game], version);  // Moved here already.
  if (Status s = directory_->MarkLive(game, version); !s.ok()) {
    Log(LogLevel::kError,
        "cannot tell the other nodes of the live upload of " + game + ": " + s.message());
  }
}

void Cluster::AfterFlush() {
  for (auto& [token, owner] : directory_->TakeLost()) {
    epochs_.erase(token);
    forfeited_->Inc();
    // No owner: the table was deleted by a newer owner; its players hear that it ended.
    coordinator_->Forfeit(token, owner.node.empty() ? Route{} : RouteTo(owner.node));
  }
}

}  // namespace ggs
