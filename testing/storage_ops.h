// Storage operations built in one line, for the tests of the storage homes (core/storage.h).
#pragma once

#include <string>

#include "core/kv_namespace.h"
#include "core/storage.h"

namespace ggs {

// A table row for `token` of game `game` version 1, with a source and creator named for it.
TableRow TestTableRow(const std::string& token, const std::string& game = "pong");

StorageOp PutTableOp(const TableRow& row);
StorageOp DeleteTableOp(const std::string& token);
StorageOp PutPlayerOp(const std::string& token, const std::string& table, int id);
StorageOp DeletePlayerOp(const std::string& token);
StorageOp KvOp(const std::string& table, Namespace ns, KvWrite::Op kind,
               const std::string& key = "", const std::string& value = "");
StorageOp SetOp(const std::string& table, const std::string& key, const std::string& value,
                Namespace ns = Namespace::kWorld);

}  // namespace ggs
