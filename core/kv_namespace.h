// KvNamespace: one table's in-memory `world` or `localStorage` with Web Storage semantics,
// and an undo log so that a game callback that throws can be rolled back.
//
// The table owns its namespaces; they are the cache that reads are served from. Every
// committed change is also handed to the write-behind store (core/write_behind.h).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ggs {

enum class Namespace : int { kWorld = 0, kLocal = 1 };

// One change to a namespace, as the write-behind store and the undo log see it.
struct KvWrite {
  enum class Op { kSet, kRemove, kClear };
  Namespace ns = Namespace::kWorld;
  Op op = Op::kSet;
  std::string key;
  std::string value;  // For kSet only.
};

class KvNamespace {
 public:
  explicit KvNamespace(Namespace ns) : ns_(ns) {}

  Namespace ns() const { return ns_; }
  // Returns the value of `key`, or nullptr (Web Storage's null).
  const std::string* Get(const std::string& key) const;
  // Returns the n-th key in sorted order, or nullptr when n >= Length().
  const std::string* Key(size_t n) const;
  size_t Length() const { return items_.size(); }
  // Approximate bytes held (keys and values).
  size_t bytes() const { return bytes_; }

  // Changes record an undo entry while a transaction is open.
  void Set(const std::string& key, const std::string& value);
  void Remove(const std::string& key);
  void Clear();

  // Loads a value without recording anything (used when restoring from storage).
  void Load(const std::string& key, const std::string& value);

  // Opens a transaction; REQUIRES: none open.
  void Begin();
  // Closes the transaction, keeping its changes.
  void Commit();
  // Closes the transaction, undoing its changes in reverse order.
  void Rollback();

  const std::map<std::string, std::string>& items() const { return items_; }

 private:
  struct Undo {
    std::string key;
    std::optional<std::string> previous;  // nullopt: the key did not exist.
  };
  void Put(const std::string& key, std::optional<std::string> value);

  Namespace ns_;
  std::map<std::string, std::string> items_;
  // Where the last Key() call landed, so that a loop over Key(0) .. Key(Length() - 1), the
  // usual way a game walks Web Storage, is linear rather than quadratic. Inserting or
  // erasing a key invalidates it; so does copying, since the iterator belongs to one map.
  struct Cursor {
    Cursor() = default;
    Cursor(const Cursor&) {}
    Cursor& operator=(const Cursor&) {
      valid = false;
      return *this;
    }
    bool valid = false;
    size_t index = 0;
    std::map<std::string, std::string>::const_iterator at;
  };
  mutable Cursor cursor_;
  size_t bytes_ = 0;
  bool in_transaction_ = false;
  std::vector<Undo> undo_;
};

}  // namespace ggs
