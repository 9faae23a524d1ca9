// KvNamespace: a sorted key-value map with Web Storage semantics and an undo log.
#include "core/kv_namespace.h"

#include <cassert>
#include <iterator>
#include <utility>

namespace ggs {

const std::string* KvNamespace::Get(const std::string& key) const {
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : &it->second;
}

const std::string* KvNamespace::Key(size_t n) const {
  if (n >= items_.size()) return nullptr;
  // A std::map cannot be indexed, so walk from the cursor when it is at or before n; the
  // usual ascending loop then costs one step per key.
  if (!cursor_.valid || cursor_.index > n) {
    cursor_.valid = true;
    cursor_.index = 0;
    cursor_.at = items_.begin();
  }
  cursor_.at = std::next(cursor_.at, static_cast<std::ptrdiff_t>(n - cursor_.index));
  cursor_.index = n;
  return &cursor_.at->first;
}

void KvNamespace::Set(const std::string& key, const std::string& value) {
  auto [it, inserted] = items_.try_emplace(key);
  if (inserted) {
    bytes_ += key.size();
    cursor_.valid = false;
  }
  bytes_ -= it->second.size();
  if (in_transaction_) {
    // The old value is about to be overwritten, so the undo entry can take it by move.
    undo_.push_back(
        {key, inserted ? std::nullopt : std::optional<std::string>(std::move(it->second))});
  }
  it->second = value;
  bytes_ += value.size();
}

void KvNamespace::Remove(const std::string& key) {
  auto it = items_.find(key);
  if (it == items_.end()) return;
  bytes_ -= it->first.size() + it->second.size();
  if (in_transaction_) undo_.push_back({key, std::move(it->second)});
  items_.erase(it);
  cursor_.valid = false;
}

void KvNamespace::Clear() {
  if (in_transaction_) {
    // The values are about to go, so the undo log can take them by move.
    for (auto& [key, value] : items_) undo_.push_back({key, std::move(value)});
  }
  items_.clear();
  bytes_ = 0;
  cursor_.valid = false;
}

void KvNamespace::Load(const std::string& key, const std::string& value) { Put(key, value); }

void KvNamespace::Begin() {
  assert(!in_transaction_);
  in_transaction_ = true;
  undo_.clear();
}

void KvNamespace::Commit() {
  in_transaction_ = false;
  undo_.clear();
}

void KvNamespace::Rollback() {
  // Undoing newest first restores each key to the value it had before its first change.
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) Put(it->key, std::move(it->previous));
  in_transaction_ = false;
  undo_.clear();
}

void KvNamespace::Put(const std::string& key, std::optional<std::string> value) {
  auto it = items_.find(key);
  if (it != items_.end()) {
    bytes_ -= it->second.size();
    if (!value) {
      bytes_ -= key.size();
      items_.erase(it);
      cursor_.valid = false;
      return;
    }
    it->second = std::move(*value);
    bytes_ += it->second.size();
    return;
  }
  if (!value) return;
  bytes_ += key.size() + value->size();
  items_.emplace(key, std::move(*value));
  cursor_.valid = false;
}

}  // namespace ggs
