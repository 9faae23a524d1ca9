// Storage operations built in one line.
#include "testing/storage_ops.h"

namespace ggs {

TableRow TestTableRow(const std::string& token, const std::string& game) {
  return TableRow{token, game, 1, "source of " + token, "creator of " + token, 1};
}

StorageOp PutTableOp(const TableRow& row) {
  StorageOp op;
  op.kind = StorageOp::Kind::kPutTable;
  op.table = row;
  return op;
}

StorageOp DeleteTableOp(const std::string& token) {
  StorageOp op;
  op.kind = StorageOp::Kind::kDeleteTable;
  op.table.token = token;
  return op;
}

StorageOp PutPlayerOp(const std::string& token, const std::string& table, int id) {
  StorageOp op;
  op.kind = StorageOp::Kind::kPutPlayer;
  op.player = PlayerRow{token, table, id};
  return op;
}

StorageOp DeletePlayerOp(const std::string& token) {
  StorageOp op;
  op.kind = StorageOp::Kind::kDeletePlayer;
  op.player.token = token;
  return op;
}

StorageOp KvOp(const std::string& table, Namespace ns, KvWrite::Op kind, const std::string& key,
               const std::string& value) {
  StorageOp op;
  op.kind = StorageOp::Kind::kKv;
  op.table.token = table;
  op.kv = KvWrite{ns, kind, key, value};
  return op;
}

StorageOp SetOp(const std::string& table, const std::string& key, const std::string& value,
                Namespace ns) {
  return KvOp(table, ns, KvWrite::Op::kSet, key, value);
}

}  // namespace ggs
