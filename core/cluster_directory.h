// ClusterDirectory: what the nodes of a cluster share besides table state — who is alive
// (a lease per node), who owns each table (an owner and a fencing epoch per table), and
// where players and tables are. RedisStorage (core/redis_storage.h) is its one home;
// core/cluster.h is its one user. docs/scaling.md describes the keys and the rules.
//
// Nodes are named by their advertised game address, HOST:PORT: a node restarted on the
// same address is the same node, and takes its tables back at once.
//
// Thread: one thread at a time, as the storage it belongs to.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/storage.h"

namespace ggs {

// A node as the registry of nodes knows it.
struct NodeRecord {
  std::string id;           // Its advertised game address, HOST:PORT.
  std::string web_address;  // Its advertised HTTP address, or "" when it has none.
  bool alive = false;       // Its lease has not expired.
  std::string load;         // What it published with its last lease renewal (ClusterLoad).
};

// A table's owner: the node that serves it, and the epoch of its ownership, raised by
// every claim. Writes for the table are accepted only from the node holding the newest
// epoch.
struct TableOwner {
  std::string node;  // "" when the table has no owner recorded.
  uint64_t epoch = 0;

  bool operator==(const TableOwner&) const = default;
};

class ClusterDirectory {
 public:
  virtual ~ClusterDirectory() = default;

  // Takes or renews the lease of node `id` for `ttl_ms`, publishing `load` and the node's
  // HTTP address. Returns whether the lease was still held (false: it had expired or never
  // existed, so other nodes may have claimed this node's tables meanwhile).
  virtual Result<bool> RenewLease(const std::string& id, const std::string& web_address,
                                  const std::string& load, uint64_t ttl_ms) = 0;
  // Gives the lease up at once (a clean shutdown): other nodes may claim at their next look.
  virtual Status ReleaseLease(const std::string& id) = 0;
  // Every registered node, ordered by id.
  virtual Result<std::vector<NodeRecord>> Nodes() = 0;
  // Removes node `id` from the registry when it holds no lease and owns no table; returns
  // whether it did.
  virtual Result<bool> ForgetNode(const std::string& id) = 0;

  // Claims table `token` for node `id`: succeeds when the table has no owner, when its owner
  // is `id` itself (a node restarted on its address), or when its owner's lease has expired;
  // the epoch is raised either way and returned. Fails with code "owned" (the message is the
  // live owner's id) when another live node owns it, "no_such_table" when it is not stored.
  // Atomic: of two nodes claiming one table, one wins. `listed_by`: the node whose owned set
  // listed the table (or ""), from which a table no longer stored is taken out.
  virtual Result<uint64_t> Claim(const std::string& token, const std::string& id,
                                 const std::string& listed_by = "") = 0;
  // The tables recorded as owned by node `id`.
  virtual Result<std::vector<std::string>> OwnedBy(const std::string& id) = 0;
  // The current owner of each table, in the order given.
  virtual Result<std::vector<TableOwner>> Owners(const std::vector<std::string>& tokens) = 0;
  // The table that player `token` is seated at, or "" when no such player is stored.
  virtual Result<std::string> TableOfPlayer(const std::string& token) = 0;
  // One stored table; fails with "no_such_table" when it is not stored.
  virtual Result<StoredTable> LoadTable(const std::string& token) = 0;
  // Bumped by every AddGameVersion: a node whose registry is older reloads it.
  virtual Result<uint64_t> GamesSerial() = 0;
  // Records that `version` of game `name` was uploaded live (every node moves its running
  // tables of the game to it), and reads the newest such version of every game.
  virtual Status MarkLive(const std::string& name, int version) = 0;
  virtual Result<std::map<std::string, int>> LiveVersions() = 0;

  // Fencing. Once a table is fenced, Storage::Apply writes its operations only while the
  // table's owner in the directory is `owner` (`fresh`: or while it has none, which the
  // batch then records: a table created here); a batch's operations for a table owned by
  // anyone else are dropped, and the table is reported by TakeLost(). A table deleted by
  // an applied batch is unfenced. Once any table has been fenced (a cluster node), the
  // operations of tables not fenced (any more: let go, or deleted) are dropped too. When
  // Redis has lost its data (its store id is gone or new), every fenced table's owner
  // record is written again by its next batch.
  virtual void Fence(const std::string& token, const TableOwner& owner, bool fresh) = 0;
  virtual void Unfence(const std::string& token) = 0;
  // The tables whose writes were refused since the last call, with their new owners.
  virtual std::vector<std::pair<std::string, TableOwner>> TakeLost() = 0;
};

}  // namespace ggs
