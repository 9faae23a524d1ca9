// Cluster: one node's part in a cluster of `ggs serve --cluster` nodes sharing one Redis
// (docs/scaling.md). It holds the node's lease, claims the tables of dead nodes (and its
// own after a restart) and hands them to the coordinator, tells the coordinator where the
// tables it does not hold are (ClusterRouter), publishes the node's load, and forfeits the
// tables whose writes the directory refused because another node owns them now.
//
// Every `lease_ms / 3` it renews its lease and looks at the other nodes: a node whose lease
// has expired is dead, and its tables are claimed by the survivors (each survivor first
// claims its share, then, a look later, whatever is left). A hello for a dead node's table
// claims that table at once, wherever it arrives.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cluster_directory.h"
#include "core/coordinator.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/timers.h"

namespace ggs {

struct ClusterOptions {
  // A node whose lease is not renewed within this is dead, and its tables are taken over.
  uint64_t lease_ms = 3000;
};

// What a node publishes with its lease: its load, and its oldest open table per game.
struct ClusterLoad {
  size_t tables = 0;
  size_t players = 0;
  std::vector<std::pair<std::string, std::string>> open;  // (game, table token).

  bool operator==(const ClusterLoad&) const = default;
};
// `tables players` on the first line, then `game table` per line.
std::string FormatClusterLoad(const ClusterLoad& load);
// A load that does not parse is an empty load.
ClusterLoad ParseClusterLoad(const std::string& text);

class Cluster final : public ClusterRouter {
 public:
  // The pointers must outlive the cluster.
  Cluster(Timers* timers, ClusterDirectory* directory, MetricRegistry* metrics,
          ClusterOptions options);
  ~Cluster() override;
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Takes the lease, claims back the tables this node owned before a restart, and starts
  // looking every lease_ms / 3. `coordinator` (made with this cluster as its router, and
  // restored) must outlive the cluster. Fails when Redis cannot be reached.
  // `id` is the node's advertised game address, HOST:PORT, which names it; `web_address`
  // its advertised HTTP address, "" when it has none.
  Status Start(Coordinator* coordinator, std::string id, std::string web_address);
  // After every flush: forfeits the tables whose writes were refused.
  void AfterFlush();
  // Stops looking and gives the lease up, so that the survivors take the tables over at
  // their next look. Call after the last flush.
  void Stop();

  Route FindTable(const std::string& table_token) override;
  Route FindPlayer(const std::string& player_token) override;
  Route PlaceGame(const std::string& game, bool redirected) override;
  void Created(const std::string& table_token) override;
  void UploadedLive(const std::string& game, int version) override;

  const std::string& id() const { return id_; }

 private:
  void Look();
  bool RenewLease();
  void ClaimOrphans();
  void CheckOwnership();
  // Lets go of every table (writing nothing): the lease may expire before it is renewed.
  void StopServing();
  // Claims `token`: adopted here (kHere), owned by a live node (kElsewhere), or kUnknown.
  // `listed_by`: the dead node whose owned set listed the table, or "".
  Route ClaimAndAdopt(const std::string& token, const std::string& listed_by = "");
  // Loads a claimed table and hands it to the coordinator (kHere), or remembers it in
  // unloaded_ when the load fails.
  Route Load(const std::string& token);
  Route RouteTo(const std::string& node);
  ClusterLoad OwnLoad() const;

  Timers* timers_;
  ClusterDirectory* directory_;
  ClusterOptions options_;
  Coordinator* coordinator_ = nullptr;
  std::string id_;
  std::string web_address_;
  Timers::Id look_timer_ = 0;
  std::map<std::string, uint64_t> epochs_;            // Tables held here -> their epoch.
  std::vector<NodeRecord> view_;                      // The other nodes, as of the last look.
  std::map<std::string, std::string> web_addresses_;  // Every node seen, by id.
  std::map<std::string, ClusterLoad> loads_;          // Their loads, by id, as of the last look.
  std::set<std::string> orphans_seen_;                // Dead nodes' tables seen at the last look.
  // Owners Redis named for tables held elsewhere, trusted for a look (lease / 3) while the
  // owner is not seen dead: the players of a node that died retry their hellos until its
  // lease expires, and each retry would otherwise cost Redis round trips on this loop.
  struct KnownOwner {
    std::string node;
    uint64_t until_ms = 0;
  };
  std::unordered_map<std::string, KnownOwner> known_owners_;    // By table token.
  std::unordered_map<std::string, std::string> player_tables_;  // Player token -> table.
  uint64_t games_serial_ = 0;
  std::set<std::string> unloaded_;    // Claimed here, not loaded yet: tried every look.
  bool ownership_unchecked_ = false;  // The lease lapsed and CheckOwnership has not run yet.
  std::map<std::string, int> live_versions_;  // The newest live upload of each game, moved to.
  uint64_t renewed_at_ms_ = 0;                // When the last successful renewal was sent.
  size_t failed_renewals_ = 0;
  Counter* claimed_;
  Counter* forfeited_;
  Counter* lease_lapses_;
  Counter* renew_failures_;
};

}  // namespace ggs
