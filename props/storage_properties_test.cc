// The storage property: the write-behind store in front of either storage home, SQLite or
// Redis (core/write_behind.h, core/storage.h), behaves like a std::map oracle that applies every
// call in order — after every flush, across a clean restart on the same file, and across a crash,
// which loses exactly the writes since the last flush — and loads the tables oldest first, the
// order a restarted server needs to seat players at the oldest open table. A RapidCheck stateful
// test (rc::state).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/escape.h"
#include "core/redis_storage.h"
#include "core/sqlite_storage.h"
#include "core/storage.h"
#include "core/write_behind.h"
#include "testing/redis_process.h"
#include "testing/storage_dump.h"
#include "testing/temp_dir.h"

namespace ggs::props {
namespace {

namespace gen = rc::gen;

using KvKey = std::tuple<std::string, int, std::string>;  // Table token, namespace, key.

// The database as the sequence of calls defines it: rows and keys by their keys, and the
// tables in the order they were created (LoadTables returns the oldest first).
struct Oracle {
  std::map<std::string, TableRow> tables;
  std::vector<std::string> created;
  std::map<std::string, PlayerRow> players;
  std::map<KvKey, std::string> kv;
};

struct StorageModel {
  Oracle now;      // Every call applied.
  Oracle durable;  // As of the last flush: what a crash leaves.
};

// What LoadTables must return for `o`: the tables oldest first, each with its players by id
// and its namespaces; rows of tables that do not exist are not loaded.
std::string View(const Oracle& o) {
  std::vector<StoredTable> tables;
  for (const std::string& token : o.created) {
    StoredTable& t = tables.emplace_back();
    t.row = o.tables.at(token);
    for (const auto& [player_token, p] : o.players) {
      if (p.table_token == token) t.players.push_back(p);
    }
    std::sort(t.players.begin(), t.players.end(), [](const PlayerRow& a, const PlayerRow& b) {
      return std::tie(a.player_id, a.token) < std::tie(b.player_id, b.token);
    });
    for (const auto& [key, value] : o.kv) {
      if (std::get<0>(key) == token)
        (std::get<1>(key) == 0 ? t.world : t.local)[std::get<2>(key)] = value;
    }
  }
  return DumpTables(tables);
}

// The redis-server of this test process, started by the first Redis case and stopped when
// the process exits; nullptr (and the case fails) when it cannot start.
RedisProcess* SharedRedis() {
  static Result<std::unique_ptr<RedisProcess>> redis = RedisProcess::Start();
  if (!redis.ok()) {
    ADD_FAILURE() << redis.status().ToString();
    return nullptr;
  }
  return redis.value().get();
}

// The system under test: a store (a database file, or keys under a prefix of its own in
// Redis), its Storage and the WriteBehind in front.
struct Db {
  explicit Db(bool in_redis) : redis(in_redis) {
    static int count = 0;
    prefix = "props" + std::to_string(++count) + ":";
    Open();
  }
  ~Db() { Close(); }  // Before dir goes.
  void Open() {
    Result<std::unique_ptr<Storage>> opened = Status::Io("no redis-server");
    if (!redis) {
      opened = SqliteStorage::Open(dir.File("props.db"));
    } else if (RedisProcess* server = SharedRedis(); server != nullptr) {
      opened = RedisStorage::Open(server->url(), prefix);
    }
    RC_ASSERT(opened.ok());
    storage = std::move(opened.value());
    store = std::make_unique<WriteBehind>(storage.get());
  }
  void Close() {
    store.reset();
    storage.reset();
  }
  std::string Load() {
    Result<std::vector<StoredTable>> tables = storage->LoadTables();
    RC_ASSERT(tables.ok());
    return DumpTables(tables.value());
  }
  bool redis;
  std::string prefix;
  TempDir dir{"ggs-props-db"};
  std::unique_ptr<Storage> storage;
  std::unique_ptr<WriteBehind> store;
};

using Command = rc::state::Command<StorageModel, Db>;

// Few names, so that calls collide: the same table deleted and recreated, a player moving.
rc::Gen<std::string> TableToken() { return gen::element<std::string>("t1", "t2", "t3"); }
rc::Gen<std::string> PlayerToken() { return gen::element<std::string>("p1", "p2", "p3", "p4"); }
rc::Gen<std::string> Key() {
  return gen::element<std::string>("a", "b", "score", std::string("k\0", 2));
}
rc::Gen<std::string> Bytes() {
  return gen::container<std::string>(
      gen::map(gen::inRange(0, 256), [](int b) { return static_cast<char>(b); }));
}

struct PutTable : Command {
  TableRow row;
  PutTable() {
    row.token = *TableToken();
    row.game_name = *gen::element<std::string>("", "chat", "pong");
    row.game_version = *gen::inRange(0, 4);
    row.source = *Bytes();
    row.creator_token = *PlayerToken();
    row.next_player_id = *gen::inRange(1, 9);
  }
  void apply(StorageModel& m) const override {
    if (!m.now.tables.contains(row.token)) m.now.created.push_back(row.token);
    m.now.tables[row.token] = row;
  }
  void run(const StorageModel&, Db& db) const override { db.store->PutTable(row); }
  void show(std::ostream& os) const override { os << "PutTable " << row.token; }
};

struct DeleteTable : Command {
  std::string token = *TableToken();
  void apply(StorageModel& m) const override {
    m.now.tables.erase(token);
    std::erase(m.now.created, token);
    std::erase_if(m.now.players, [&](const auto& e) { return e.second.table_token == token; });
    std::erase_if(m.now.kv, [&](const auto& e) { return std::get<0>(e.first) == token; });
  }
  void run(const StorageModel&, Db& db) const override { db.store->DeleteTable(token); }
  void show(std::ostream& os) const override { os << "DeleteTable " << token; }
};

struct PutPlayer : Command {
  PlayerRow row{*PlayerToken(), *TableToken(), *gen::inRange(1, 6)};
  void apply(StorageModel& m) const override { m.now.players[row.token] = row; }
  void run(const StorageModel&, Db& db) const override { db.store->PutPlayer(row); }
  void show(std::ostream& os) const override {
    os << "PutPlayer " << row.token << " at " << row.table_token << " id " << row.player_id;
  }
};

struct DeletePlayer : Command {
  std::string token = *PlayerToken();
  void apply(StorageModel& m) const override { m.now.players.erase(token); }
  void run(const StorageModel&, Db& db) const override { db.store->DeletePlayer(token, ""); }
  void show(std::ostream& os) const override { os << "DeletePlayer " << token; }
};

struct WriteKv : Command {
  std::string table = *TableToken();
  KvWrite write;
  WriteKv() {
    write.ns = *gen::element(Namespace::kWorld, Namespace::kLocal);
    write.op = *gen::element(KvWrite::Op::kSet, KvWrite::Op::kSet, KvWrite::Op::kRemove,
                             KvWrite::Op::kClear);
    if (write.op != KvWrite::Op::kClear) write.key = *Key();
    if (write.op == KvWrite::Op::kSet) write.value = *Bytes();
  }
  void apply(StorageModel& m) const override {
    const int ns = static_cast<int>(write.ns);
    if (write.op == KvWrite::Op::kSet) m.now.kv[{table, ns, write.key}] = write.value;
    if (write.op == KvWrite::Op::kRemove) m.now.kv.erase({table, ns, write.key});
    if (write.op == KvWrite::Op::kClear) {
      std::erase_if(m.now.kv, [&](const auto& e) {
        return std::get<0>(e.first) == table && std::get<1>(e.first) == ns;
      });
    }
  }
  void run(const StorageModel&, Db& db) const override { db.store->Write(table, write); }
  void show(std::ostream& os) const override {
    os << "Write " << table << " ns" << static_cast<int>(write.ns) << " op"
       << static_cast<int>(write.op) << " " << EscapeBytes(write.key) << "="
       << EscapeBytes(write.value);
  }
};

struct Flush : Command {
  void apply(StorageModel& m) const override { m.durable = m.now; }
  void run(const StorageModel& m, Db& db) const override {
    RC_ASSERT(db.store->Flush().ok());
    RC_ASSERT(db.Load() == View(m.now));
  }
  void show(std::ostream& os) const override { os << "Flush"; }
};

// A clean shutdown flushes; the new process sees everything.
struct Restart : Command {
  void apply(StorageModel& m) const override { m.durable = m.now; }
  void run(const StorageModel& m, Db& db) const override {
    RC_ASSERT(db.store->Flush().ok());
    db.Close();
    db.Open();
    RC_ASSERT(db.Load() == View(m.now));
  }
  void show(std::ostream& os) const override { os << "Restart"; }
};

// kill -9: what was queued since the last flush is gone, nothing else.
struct Crash : Command {
  void apply(StorageModel& m) const override { m.now = m.durable; }
  void run(const StorageModel& m, Db& db) const override {
    db.Close();
    db.Open();
    RC_ASSERT(db.Load() == View(m.durable));
  }
  void show(std::ostream& os) const override { os << "Crash"; }
};

void CheckWriteBehind(bool in_redis) {
  Db db(in_redis);
  rc::state::check(StorageModel{}, db,
                   rc::state::gen::execOneOfWithArgs<PutTable, DeleteTable, PutPlayer, DeletePlayer,
                                                     WriteKv, WriteKv, Flush, Restart, Crash>());
  // Whatever the sequence left queued must reach the store too.
  RC_ASSERT(db.store->Flush().ok());
}

RC_GTEST_PROP(StorageProperties, WriteBehindBehavesLikeAMapAcrossRestartsAndCrashes, ()) {
  CheckWriteBehind(false);
}

RC_GTEST_PROP(StorageProperties, WriteBehindOnRedisBehavesLikeAMapAcrossRestartsAndCrashes, ()) {
  CheckWriteBehind(true);
}

}  // namespace
}  // namespace ggs::props
