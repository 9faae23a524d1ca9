// WriteBehind: the coalescing queue of table-state writes in front of Storage.
//
// The queue is log_, the operations in call order. Coalescing rewrites an operation in place
// or marks it dead (dead_), and keeps one invariant: applying the live operations of log_ in
// order leaves the database exactly as applying every call in order would.
//
// Rewriting the live op at position i with a later write w is sound only when no live op after
// i touches what w writes. For a table row and a kv key the only such ops (a DeleteTable of the
// table, a clear of the namespace) kill the op at i and drop its key from index_, so a later
// write appends after them instead. A player row is the exception, because it names its table
// and that can change: PutPlayer looks for a DeleteTable of its new table queued after i
// (DeletedAfter) and appends past it when there is one.
//
// Killing an op is sound when a later live op overwrites its effect: a kv write before a clear
// of its namespace, the row or the kv of a table before that table's deletion. A DeleteTable
// does not kill queued player ops: a PutPlayer into the table may move a player that the
// database has seated elsewhere, and only applying it before the deletion removes that player
// as the calls did. Left in place it costs one statement and is always right.
//
// kv_ops_ lists, per table and namespace, the positions a DeleteTable or a clear must kill, so
// neither scans the whole log.
#include "core/write_behind.h"

#include <utility>

namespace ggs {
namespace {

using Kind = StorageOp::Kind;

std::string TableKey(const std::string& table_token) { return "T" + table_token; }
std::string DeleteKey(const std::string& table_token) { return "D" + table_token; }
std::string PlayerKey(const std::string& player_token) { return "P" + player_token; }

// The table token is length-prefixed, so no (table, key) pair can spell another's key.
std::string KvKey(const std::string& table_token, Namespace ns, const std::string& key) {
  return "K" + std::to_string(static_cast<int>(ns)) + ":" + std::to_string(table_token.size()) +
         ":" + table_token + key;
}

// The coalescing key of `op`: at most one live op has a given key. A clear has none.
std::string KeyOf(const StorageOp& op) {
  switch (op.kind) {
    case Kind::kPutTable:
      return TableKey(op.table.token);
    case Kind::kDeleteTable:
      return DeleteKey(op.table.token);
    case Kind::kPutPlayer:
    case Kind::kDeletePlayer:
      return PlayerKey(op.player.token);
    case Kind::kKv:
      if (op.kv.op == KvWrite::Op::kClear) return std::string();
      return KvKey(op.table.token, op.kv.ns, op.kv.key);
  }
  return std::string();
}

StorageOp MakeOp(Kind kind) {
  StorageOp op;
  op.kind = kind;
  return op;
}

}  // namespace

void WriteBehind::PutTable(const TableRow& row) {
  StorageOp op = MakeOp(Kind::kPutTable);
  op.table = row;
  Upsert(std::move(op));
}

void WriteBehind::DeleteTable(const std::string& table_token) {
  KillKey(TableKey(table_token));
  KillKey(DeleteKey(table_token));
  auto it = kv_ops_.find(table_token);
  if (it != kv_ops_.end()) {
    for (const auto& entry : it->second) KillLive(entry.second);
    kv_ops_.erase(it);
  }
  StorageOp op = MakeOp(Kind::kDeleteTable);
  op.table.token = table_token;
  Append(std::move(op));
}

void WriteBehind::PutPlayer(const PlayerRow& row) {
  auto it = index_.find(PlayerKey(row.token));
  // The file comment says why the new row must not move before a deletion of its table.
  if (it != index_.end() && DeletedAfter(row.table_token, it->second)) Kill(it->second);
  StorageOp op = MakeOp(Kind::kPutPlayer);
  op.player = row;
  Upsert(std::move(op));
}

void WriteBehind::DeletePlayer(const std::string& player_token, const std::string& table_token) {
  StorageOp op = MakeOp(Kind::kDeletePlayer);
  op.player.token = player_token;
  op.player.table_token = table_token;  // For fencing (core/cluster_directory.h).
  Upsert(std::move(op));
}

void WriteBehind::Write(const std::string& table_token, const KvWrite& write) {
  StorageOp op = MakeOp(Kind::kKv);
  op.table.token = table_token;
  op.kv = write;
  if (write.op != KvWrite::Op::kClear) {
    Upsert(std::move(op));
    return;
  }
  ClearNamespace(table_token, write.ns);
  Append(std::move(op));
}

void WriteBehind::DropTable(const std::string& table_token) {
  for (size_t i = 0; i < log_.size(); ++i) {
    if (dead_[i]) continue;
    if (log_[i].table_token() == table_token) Kill(i);
  }
  kv_ops_.erase(table_token);
}

Status WriteBehind::Flush() {
  Compact();
  Status status = storage_->Apply(log_);
  if (!status.ok()) {
    // The compacted log is the same queue, so rebuilding the indexes over it keeps coalescing
    // later writes into it until a Flush() succeeds.
    Reindex();
    return status;
  }
  flushed_ += log_.size();
  Reset();
  return Status::Ok();
}

size_t WriteBehind::pending() const { return live_; }

// Replaces the live op with the same key in place (the last write wins and keeps the first
// write's position), or appends `op` when none is queued.
void WriteBehind::Upsert(StorageOp op) {
  auto [it, added] = index_.try_emplace(KeyOf(op), log_.size());
  if (added) {
    Push(std::move(op));
  } else {
    log_[it->second] = std::move(op);
  }
}

void WriteBehind::Append(StorageOp op) {
  std::string key = KeyOf(op);
  if (!key.empty()) index_[std::move(key)] = log_.size();
  Push(std::move(op));
}

// Appends `op` to the log without touching index_.
void WriteBehind::Push(StorageOp op) {
  log_.push_back(std::move(op));
  dead_.push_back(false);
  ++live_;
  Track(log_.size() - 1);
}

// Lists a kv op under its table and namespace, where a DeleteTable or a clear will find it.
void WriteBehind::Track(size_t position) {
  const StorageOp& op = log_[position];
  if (op.kind == Kind::kKv) kv_ops_[op.table.token][op.kv.ns].push_back(position);
}

void WriteBehind::Kill(size_t position) {
  dead_[position] = true;
  --live_;
  auto it = index_.find(KeyOf(log_[position]));
  if (it != index_.end() && it->second == position) index_.erase(it);
  // A dead op is never read again, so its strings can go now rather than at the next Flush().
  log_[position] = StorageOp();
}

void WriteBehind::KillKey(const std::string& key) {
  auto it = index_.find(key);
  if (it != index_.end()) Kill(it->second);
}

void WriteBehind::KillLive(const std::vector<size_t>& positions) {
  for (size_t position : positions) {
    if (!dead_[position]) Kill(position);
  }
}

void WriteBehind::ClearNamespace(const std::string& table_token, Namespace ns) {
  auto table = kv_ops_.find(table_token);
  if (table == kv_ops_.end()) return;
  auto it = table->second.find(ns);
  if (it == table->second.end()) return;
  KillLive(it->second);
  table->second.erase(it);
}

// True when a DeleteTable of `table_token` is queued after `position`. At most one is live,
// since each kills the one before it.
bool WriteBehind::DeletedAfter(const std::string& table_token, size_t position) const {
  auto it = index_.find(DeleteKey(table_token));
  return it != index_.end() && it->second > position;
}

// Moves the live ops to the front of log_ in order and drops the dead ones. Leaves dead_,
// index_ and kv_ops_ stale: Flush() follows with Reset() or Reindex().
void WriteBehind::Compact() {
  size_t kept = 0;
  for (size_t i = 0; i < log_.size(); ++i) {
    if (dead_[i]) continue;
    if (kept != i) log_[kept] = std::move(log_[i]);
    ++kept;
  }
  log_.resize(kept);
}

// Rebuilds dead_, index_ and kv_ops_ for a log_ of live ops only.
void WriteBehind::Reindex() {
  dead_.assign(log_.size(), false);
  index_.clear();
  kv_ops_.clear();
  live_ = log_.size();
  for (size_t i = 0; i < log_.size(); ++i) {
    std::string key = KeyOf(log_[i]);
    if (!key.empty()) index_[std::move(key)] = i;
    Track(i);
  }
}

void WriteBehind::Reset() {
  log_.clear();
  dead_.clear();
  index_.clear();
  kv_ops_.clear();
  live_ = 0;
}

}  // namespace ggs
