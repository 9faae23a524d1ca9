// WriteBehind: the write-behind cache in front of Storage. Table state changes are queued
// here, coalesced (the last write to a key wins; a clear or a table deletion drops the
// queued writes it makes moot), and flushed to Storage in one batched transaction per
// Flush(). Flushing the queue always gives the database that applying every call in order
// would.
//
// The server calls Flush() at least every flush interval and at clean shutdown, so a
// crash loses at most one interval of writes.
//
// Thread: one thread at a time.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/kv_namespace.h"
#include "core/storage.h"

namespace ggs {

class WriteBehind {
 public:
  // `storage` must outlive this object.
  explicit WriteBehind(Storage* storage) : storage_(storage) {}

  void PutTable(const TableRow& row);
  void DeleteTable(const std::string& table_token);
  void PutPlayer(const PlayerRow& row);
  // `table_token`: the table the player leaves, which a cluster's fencing checks
  // (core/cluster_directory.h); "" where none is known.
  void DeletePlayer(const std::string& player_token, const std::string& table_token);
  void Write(const std::string& table_token, const KvWrite& write);
  // Forgets every queued operation of table `table_token` (its row, its players' rows, its
  // keys), writing nothing for it: another node of a cluster owns the table now.
  void DropTable(const std::string& table_token);

  // Writes everything queued in one transaction. On failure the queue is kept, so a later
  // Flush() retries it.
  Status Flush();

  // Operations queued (after coalescing).
  size_t pending() const;
  // Operations written by Flush() since construction.
  size_t flushed() const { return flushed_; }

 private:
  // See write_behind.cc.
  void Upsert(StorageOp op);
  void Append(StorageOp op);
  void Push(StorageOp op);
  void Track(size_t position);
  void Kill(size_t position);
  void KillKey(const std::string& key);
  void KillLive(const std::vector<size_t>& positions);
  void ClearNamespace(const std::string& table_token, Namespace ns);
  bool DeletedAfter(const std::string& table_token, size_t position) const;
  void Compact();
  void Reindex();
  void Reset();

  Storage* storage_;
  std::vector<StorageOp> log_;
  std::vector<bool> dead_;
  std::unordered_map<std::string, size_t> index_;  // Coalescing key -> position in log_.
  // Table token -> namespace -> positions of its queued kv ops, for DeleteTable and clears.
  std::unordered_map<std::string, std::map<Namespace, std::vector<size_t>>> kv_ops_;
  size_t live_ = 0;
  size_t flushed_ = 0;
};

}  // namespace ggs
