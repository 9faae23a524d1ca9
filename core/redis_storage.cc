// RedisStorage: the Redis home of Storage, and the only file that calls hiredis (redis*).
#include "core/redis_storage.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "core/log.h"
#include "core/protocol.h"
#include "core/uuid.h"

namespace ggs {
namespace {

constexpr timeval kConnectTimeout{1, 0};
constexpr timeval kCommandTimeout{5, 0};
constexpr char kScheme[] = "redis://";
constexpr char kBadAddress[] = "bad_address";  // As base/host_port.h reports.

// The scripts run inside MULTI/EXEC, so each sees the state the commands before it left.
// Lua strings are byte strings: tokens and keys of any bytes pass through unchanged.

// KEYS: tables, table_seq, table:<t>. ARGV: t, game_name, game_version, source,
// creator_token, next_player_id, seats. A new table takes the next creation number; a
// rewritten one keeps its place.
constexpr char kPutTableScript[] = R"lua(
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1])
end
redis.call('HSET', KEYS[3], 'game_name', ARGV[2], 'game_version', ARGV[3], 'source', ARGV[4],
           'creator_token', ARGV[5], 'next_player_id', ARGV[6], 'seats', ARGV[7])
)lua";

// KEYS: tables, table:<t>, players:<t>, world:<t>, local:<t>, player_table, owner:<t>.
// ARGV: t, "<prefix>owned:". A table's owner record goes with it.
constexpr char kDeleteTableScript[] = R"lua(
for _, p in ipairs(redis.call('HKEYS', KEYS[3])) do redis.call('HDEL', KEYS[6], p) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[1], ARGV[1])
local owner = redis.call('GET', KEYS[7])
if owner then
  redis.call('SREM', ARGV[2] .. string.sub(owner, string.find(owner, ' ', 1, true) + 1), ARGV[1])
  redis.call('DEL', KEYS[7])
end
)lua";

// KEYS: player_table. ARGV: "<prefix>players:", player token, table token, player id.
// A player moved to another table leaves the old table's hash.
constexpr char kPutPlayerScript[] = R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[2])
if old and old ~= ARGV[3] then redis.call('HDEL', ARGV[1] .. old, ARGV[2]) end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', ARGV[1] .. ARGV[3], ARGV[2], ARGV[4])
)lua";

// KEYS: player_table. ARGV: "<prefix>players:", player token.
constexpr char kDeletePlayerScript[] = R"lua(
local old = redis.call('HGET', KEYS[1], ARGV[2])
if old then
  redis.call('HDEL', ARGV[1] .. old, ARGV[2])
  redis.call('HDEL', KEYS[1], ARGV[2])
end
)lua";

// KEYS: games, game:<name>, games_serial. ARGV: name, source. Versions are 1..n, so the
// next is n + 1; the script runs atomically, so two nodes never claim one version.
constexpr char kAddGameScript[] = R"lua(
local v = redis.call('HLEN', KEYS[2]) + 1
redis.call('HSET', KEYS[2], v, ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[3])
return v
)lua";

// The cluster's scripts. An owner record owner:<t> is "<epoch> <node id>"; a node's lease
// is lease:<id> (its published load, with a TTL); nodes maps every node id ever seen alive
// to its HTTP address; owned:<id> is the set of tables owned by <id>.

// KEYS: lease:<id>, nodes. ARGV: load, ttl ms, id, web address. Returns 1 when the lease
// was still held.
constexpr char kRenewLeaseScript[] = R"lua(
local held = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return held
)lua";

// KEYS: nodes. ARGV: "<prefix>lease:". Returns id, web address, alive (0/1), load per node.
constexpr char kNodesScript[] = R"lua(
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local load = redis.call('GET', ARGV[1] .. all[i])
  out[#out + 1] = all[i]
  out[#out + 1] = all[i + 1]
  out[#out + 1] = load and 1 or 0
  out[#out + 1] = load or ''
end
return out
)lua";

// KEYS: nodes, lease:<id>, owned:<id>. ARGV: id. Forgets a node with no lease and no table.
constexpr char kForgetNodeScript[] = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('SCARD', KEYS[3]) > 0 then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
)lua";

// KEYS: owner:<t>, table:<t>, owned:<id>. ARGV: id, "<prefix>lease:", "<prefix>owned:", t,
// the node whose owned set listed t (or ''). Returns {new epoch, id}, {0, live owner} or
// {-1, ''} when the table is not stored; then whatever still names it as owned goes too.
constexpr char kClaimScript[] = R"lua(
if redis.call('EXISTS', KEYS[2]) == 0 then
  local stale = redis.call('GET', KEYS[1])
  if stale then
    redis.call('SREM', ARGV[3] .. string.sub(stale, string.find(stale, ' ', 1, true) + 1), ARGV[4])
    redis.call('DEL', KEYS[1])
  end
  if ARGV[5] ~= '' then redis.call('SREM', ARGV[3] .. ARGV[5], ARGV[4]) end
  return {-1, ''}
end
local epoch = 0
local current = redis.call('GET', KEYS[1])
if current then
  local space = string.find(current, ' ', 1, true)
  epoch = tonumber(string.sub(current, 1, space - 1))
  local owner = string.sub(current, space + 1)
  if owner ~= ARGV[1] then
    if redis.call('EXISTS', ARGV[2] .. owner) == 1 then return {0, owner} end
    redis.call('SREM', ARGV[3] .. owner, ARGV[4])
  end
end
epoch = epoch + 1
redis.call('SET', KEYS[1], epoch .. ' ' .. ARGV[1])
redis.call('SADD', KEYS[3], ARGV[4])
return {epoch, ARGV[1]}
)lua";

// KEYS: games. ARGV: "<prefix>game:". Returns name, version, source for every game.
constexpr char kLatestGamesScript[] = R"lua(
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. name
  local v = redis.call('HLEN', key)
  out[#out + 1] = name
  out[#out + 1] = v
  out[#out + 1] = redis.call('HGET', key, v)
end
return out
)lua";

constexpr char kConflict[] = "conflict";  // A watched key changed: EXEC did nothing.

Status Internal(std::string message) {
  return Status::Error(error::kInternal, "redis: " + std::move(message));
}

template <typename Int = int>
Result<Int> ParseInt(const std::string& text, std::string_view what) {
  Int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Internal("corrupt " + std::string(what) + " \"" + text + "\"");
  }
  return value;
}

}  // namespace

// A reply copied out of hiredis, so that nothing of hiredis outlives the call.
struct RedisStorage::Reply {
  int type = REDIS_REPLY_NIL;
  long long integer = 0;
  std::string str;  // STRING, STATUS and ERROR.
  std::vector<Reply> elements;

  static Reply From(const redisReply* r) {
    Reply reply;
    reply.type = r->type;
    reply.integer = r->integer;
    if (r->str != nullptr) reply.str.assign(r->str, r->len);
    for (size_t i = 0; i < r->elements; ++i) reply.elements.push_back(From(r->element[i]));
    return reply;
  }
  bool error() const { return type == REDIS_REPLY_ERROR; }
  // Field -> value of an HGETALL reply.
  std::map<std::string, std::string> Map() const {
    std::map<std::string, std::string> items;
    for (size_t i = 0; i + 1 < elements.size(); i += 2) {
      items.emplace_hint(items.end(), elements[i].str, elements[i + 1].str);
    }
    return items;
  }
};

Result<HostPort> ParseRedisUrl(std::string_view url) {
  const std::string_view scheme(kScheme);
  if (url.substr(0, scheme.size()) != scheme) {
    return Status::Error(kBadAddress,
                         "\"" + std::string(url) + "\" is not a Redis URL (redis://HOST:PORT)");
  }
  Result<HostPort> address = ParseHostPort(url.substr(scheme.size()));
  if (!address.ok() || address->host.empty() || address->port == 0) {
    return Status::Error(kBadAddress,
                         "\"" + std::string(url) + "\" is not a Redis URL (redis://HOST:PORT)");
  }
  return address;
}

RedisStorage::RedisStorage(HostPort address, std::string prefix)
    : address_(std::move(address)), prefix_(std::move(prefix)) {}

RedisStorage::~RedisStorage() {
  if (context_ != nullptr) redisFree(context_);
}

Result<std::unique_ptr<Storage>> RedisStorage::Open(const std::string& url,
                                                    const std::string& prefix) {
  Result<HostPort> address = ParseRedisUrl(url);
  if (!address.ok()) return address.status();
  std::unique_ptr<RedisStorage> storage(new RedisStorage(*address, prefix));
  // The store's id marks this Redis's data: a Redis that lost everything (restarted without
  // persistence) lost it too, which tells a fenced flush why its tables' owners are gone.
  if (Status s = storage->ClaimStoreId(); !s.ok()) {
    return Status::Io("cannot reach Redis at " + url + ": " + s.message());
  }
  return std::unique_ptr<Storage>(std::move(storage));
}

Status RedisStorage::ClaimStoreId() {
  Result<std::vector<Reply>> id =
      Run({{"SET", Key("store_id"), NewUuid(), "NX"}, {"GET", Key("store_id")}});
  if (!id.ok()) return id.status();
  if ((*id)[1].error() || (*id)[1].type == REDIS_REPLY_NIL) {
    return Internal((*id)[1].error() ? (*id)[1].str : "cannot read the store id");
  }
  store_id_ = (*id)[1].str;
  return Status::Ok();
}

Status RedisStorage::Connect() {
  if (context_ != nullptr && context_->err == 0) return Status::Ok();
  if (context_ != nullptr) redisFree(context_);
  context_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, kConnectTimeout);
  if (context_ == nullptr) return Internal("cannot allocate a connection");
  if (context_->err != 0)
    return Fail("connect to " + address_.host + ":" + std::to_string(address_.port));
  if (redisSetTimeout(context_, kCommandTimeout) != REDIS_OK) return Fail("set timeout");
  redisEnableKeepAlive(context_);
  return Status::Ok();
}

Status RedisStorage::Fail(std::string_view context) {
  std::string message = std::string(context) + ": ";
  message +=
      context_ != nullptr && context_->errstr[0] != '\0' ? context_->errstr : "connection lost";
  // hiredis cannot use a context after an I/O or protocol error; the next call reconnects.
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
  return Internal(std::move(message));
}

Result<std::vector<RedisStorage::Reply>> RedisStorage::Run(const std::vector<Command>& commands) {
  if (Status s = Connect(); !s.ok()) return s;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const Command& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return Fail("send");
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return Fail("receive");
    replies.push_back(Reply::From(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

Result<std::vector<RedisStorage::Reply>> RedisStorage::Transaction(
    const std::vector<Command>& commands) {
  std::vector<Command> all;
  all.reserve(commands.size() + 2);
  all.push_back({"MULTI"});
  all.insert(all.end(), commands.begin(), commands.end());
  all.push_back({"EXEC"});
  Result<std::vector<Reply>> replies = Run(all);
  if (!replies.ok()) return replies.status();
  // A command refused while queueing makes EXEC refuse the whole transaction (EXECABORT),
  // and its own reply says why.
  for (const Reply& reply : *replies) {
    if (reply.error()) return Internal(reply.str);
  }
  Reply& exec = replies->back();
  if (exec.type == REDIS_REPLY_NIL) {
    return Status::Error(kConflict, "a watched key changed before EXEC");
  }
  if (exec.type != REDIS_REPLY_ARRAY || exec.elements.size() != commands.size()) {
    return Internal("unexpected EXEC reply");
  }
  for (const Reply& reply : exec.elements) {
    if (reply.error()) return Internal(reply.str);
  }
  return std::move(exec.elements);
}

std::string RedisStorage::Key(std::string_view kind, std::string_view token) const {
  std::string key = prefix_;
  key += kind;
  key += token;
  return key;
}

Result<RedisStorage::Command> RedisStorage::OpCommand(const StorageOp& op) const {
  const TableRow& t = op.table;
  const PlayerRow& p = op.player;
  switch (op.kind) {
    case StorageOp::Kind::kPutTable:
      return Command{"EVAL",
                     kPutTableScript,
                     "3",
                     Key("tables"),
                     Key("table_seq"),
                     Key("table:", t.token),
                     t.token,
                     t.game_name,
                     std::to_string(t.game_version),
                     t.source.str(),
                     t.creator_token,
                     std::to_string(t.next_player_id),
                     std::to_string(t.seats)};
    case StorageOp::Kind::kDeleteTable:
      return Command{"EVAL",
                     kDeleteTableScript,
                     "7",
                     Key("tables"),
                     Key("table:", t.token),
                     Key("players:", t.token),
                     Key("world:", t.token),
                     Key("local:", t.token),
                     Key("player_table"),
                     Key("owner:", t.token),
                     t.token,
                     Key("owned:")};
    case StorageOp::Kind::kPutPlayer:
      return Command{"EVAL",          kPutPlayerScript, "1",           Key("player_table"),
                     Key("players:"), p.token,          p.table_token, std::to_string(p.player_id)};
    case StorageOp::Kind::kDeletePlayer:
      return Command{"EVAL", kDeletePlayerScript, "1", Key("player_table"), Key("players:"),
                     p.token};
    case StorageOp::Kind::kKv: {
      std::string hash;
      if (op.kv.ns == Namespace::kWorld) {
        hash = Key("world:", t.token);
      } else if (op.kv.ns == Namespace::kLocal) {
        hash = Key("local:", t.token);
      } else {
        return Internal("unknown namespace " + std::to_string(static_cast<int>(op.kv.ns)));
      }
      switch (op.kv.op) {
        case KvWrite::Op::kSet:
          return Command{"HSET", hash, op.kv.key, op.kv.value};
        case KvWrite::Op::kRemove:
          return Command{"HDEL", hash, op.kv.key};
        case KvWrite::Op::kClear:
          return Command{"DEL", hash};
      }
      return Internal("unknown namespace operation");
    }
  }
  return Internal("unknown storage operation");
}

Result<int> RedisStorage::AddGameVersion(const std::string& name, const std::string& source) {
  Result<std::vector<Reply>> replies =
      Run({{"EVAL", kAddGameScript, "3", Key("games"), Key("game:", name), Key("games_serial"),
            name, source}});
  if (!replies.ok()) return replies.status();
  const Reply& reply = (*replies)[0];
  if (reply.error()) return Internal(reply.str);
  if (reply.type != REDIS_REPLY_INTEGER) return Internal("unexpected reply to a game upload");
  return static_cast<int>(reply.integer);
}

Result<std::vector<StoredGame>> RedisStorage::LatestGames() {
  Result<std::vector<Reply>> replies =
      Run({{"EVAL", kLatestGamesScript, "1", Key("games"), Key("game:")}});
  if (!replies.ok()) return replies.status();
  const Reply& reply = (*replies)[0];
  if (reply.error()) return Internal(reply.str);
  std::vector<StoredGame> games;
  for (size_t i = 0; i + 3 <= reply.elements.size(); i += 3) {
    games.push_back(StoredGame{reply.elements[i].str,
                               static_cast<int>(reply.elements[i + 1].integer),
                               reply.elements[i + 2].str});
  }
  std::sort(games.begin(), games.end(),
            [](const StoredGame& a, const StoredGame& b) { return a.name < b.name; });
  return games;
}

Result<std::vector<StoredTable>> RedisStorage::LoadTables() {
  Result<std::vector<Reply>> order = Run({{"ZRANGE", Key("tables"), "0", "-1"}});
  if (!order.ok()) return order.status();
  if ((*order)[0].error()) return Internal((*order)[0].str);
  const std::vector<Reply>& tokens = (*order)[0].elements;
  std::vector<Command> reads;
  reads.reserve(tokens.size() * 4);
  for (const Reply& token : tokens) {
    for (const char* kind : {"table:", "players:", "world:", "local:"}) {
      reads.push_back({"HGETALL", Key(kind, token.str)});
    }
  }
  std::vector<StoredTable> tables;
  if (reads.empty()) return tables;
  Result<std::vector<Reply>> replies = Transaction(reads);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if ((*replies)[4 * i].elements.empty()) continue;  // Deleted between the two reads.
    Result<StoredTable> table = ParseTable(tokens[i].str, &(*replies)[4 * i]);
    if (!table.ok()) return table.status();
    tables.push_back(std::move(*table));
  }
  return tables;
}

// A table from the replies to HGETALL of its table:, players:, world: and local: hashes.
Result<StoredTable> RedisStorage::ParseTable(const std::string& token, const Reply* hashes) {
  StoredTable table;
  std::map<std::string, std::string> row = hashes[0].Map();
  TableRow& r = table.row;
  r.token = token;
  r.game_name = row["game_name"];
  r.source = row["source"];
  r.creator_token = row["creator_token"];
  Result<int> version = ParseInt(row["game_version"], "game_version");
  Result<int> next = ParseInt(row["next_player_id"], "next_player_id");
  Result<int> seats = ParseInt(row["seats"], "seats");
  for (const Result<int>* value : {&version, &next, &seats}) {
    if (!value->ok()) return value->status();
  }
  r.game_version = *version;
  r.next_player_id = *next;
  r.seats = *seats;
  for (const auto& [player_token, id] : hashes[1].Map()) {
    Result<int> player_id = ParseInt(id, "player id");
    if (!player_id.ok()) return player_id.status();
    table.players.push_back(PlayerRow{player_token, r.token, *player_id});
  }
  // The token breaks ties, as in the SQLite home.
  std::sort(table.players.begin(), table.players.end(), [](const PlayerRow& a, const PlayerRow& b) {
    return std::tie(a.player_id, a.token) < std::tie(b.player_id, b.token);
  });
  table.world = hashes[2].Map();
  table.local = hashes[3].Map();
  return table;
}

namespace {

std::string FormatOwner(const TableOwner& owner) {
  return std::to_string(owner.epoch) + " " + owner.node;
}

}  // namespace

Result<TableOwner> RedisStorage::ParseOwner(const Reply& reply) {
  TableOwner owner;
  if (reply.type == REDIS_REPLY_NIL) return owner;
  const size_t space = reply.str.find(' ');
  if (space == std::string::npos) return Internal("corrupt owner record \"" + reply.str + "\"");
  Result<uint64_t> epoch = ParseInt<uint64_t>(reply.str.substr(0, space), "owner epoch");
  if (!epoch.ok()) return epoch.status();
  owner.epoch = *epoch;
  owner.node = reply.str.substr(space + 1);
  return owner;
}

Status RedisStorage::Apply(const std::vector<StorageOp>& ops) {
  if (ops.empty()) return Status::Ok();
  // Every command is built before anything is sent, so a bad operation applies nothing.
  std::vector<Command> commands;
  commands.reserve(ops.size());
  for (const StorageOp& op : ops) {
    Result<Command> command = OpCommand(op);
    if (!command.ok()) return command.status();
    commands.push_back(std::move(*command));
  }
  if (!fencing_) {
    Result<std::vector<Reply>> replies = Transaction(commands);
    return replies.ok() ? Status::Ok() : replies.status();
  }
  // A cluster node: only fenced tables are written (the others were let go).
  std::vector<bool> op_fenced(ops.size());  // Whether each operation's table is fenced.
  std::vector<std::string> fenced;          // The batch's fenced tables, each once.
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < ops.size(); ++i) {
    const std::string& token = ops[i].table_token();
    if (!fences_.contains(token)) continue;
    op_fenced[i] = true;
    if (seen.insert(token).second) fenced.push_back(token);
  }
  if (fenced.empty()) return Status::Ok();
  // Optimistic: watch the owner records, check them, and let EXEC do nothing (and the
  // batch be tried again) if any of them changed in between.
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Command watch{"WATCH"};
    Command read{"MGET"};
    for (const std::string& token : fenced) {
      watch.push_back(Key("owner:", token));
      read.push_back(Key("owner:", token));
    }
    watch.push_back(Key("store_id"));
    read.push_back(Key("store_id"));
    Result<std::vector<Reply>> current = Run({watch, read});
    if (!current.ok()) return current.status();
    auto unwatched = [this](Status s) {
      Result<std::vector<Reply>> r = Run({{"UNWATCH"}});
      (void)r;  // A lost connection drops the watch with it.
      return s;
    };
    if ((*current)[1].error()) return unwatched(Internal((*current)[1].str));
    // A missing owner record means the table was deleted by whoever owned it last, unless
    // Redis lost all its data (its store id is gone, or a new one was given since): then
    // this node owns its tables again, as if it had just made them. Every node sees the
    // change once and takes the new id, set once for all (NX).
    const Reply& store_id = (*current)[1].elements.back();
    if (store_id.type == REDIS_REPLY_NIL || store_id.str != store_id_) {
      Log(LogLevel::kError,
          "Redis has lost its data (its store id changed): this node writes "
          "the owner records of its tables again");
      if (Result<std::vector<Reply>> r = Run({{"UNWATCH"}}); !r.ok()) return r.status();
      if (Status s = ClaimStoreId(); !s.ok()) return s;
      for (auto& [token, fence] : fences_) fence.fresh = true;
      continue;
    }
    std::map<std::string, TableOwner> lost;
    std::vector<Command> batch;
    for (size_t i = 0; i < fenced.size(); ++i) {
      Result<TableOwner> owner = ParseOwner((*current)[1].elements[i]);
      if (!owner.ok()) return unwatched(owner.status());
      const FenceState& fence = fences_[fenced[i]];
      if (*owner == fence.owner) continue;
      if (owner->node.empty() && fence.fresh) {
        batch.push_back({"SET", Key("owner:", fenced[i]), FormatOwner(fence.owner)});
        batch.push_back({"SADD", Key("owned:", fence.owner.node), fenced[i]});
        continue;
      }
      lost[fenced[i]] = *owner;
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      if (op_fenced[i] && (lost.empty() || !lost.contains(ops[i].table_token()))) {
        batch.push_back(commands[i]);
      }
    }
    if (batch.empty()) {
      if (Result<std::vector<Reply>> r = Run({{"UNWATCH"}}); !r.ok()) return r.status();
    } else if (Result<std::vector<Reply>> r = Transaction(batch); !r.ok()) {
      if (r.status().code() == kConflict) continue;
      return r.status();
    }
    for (const std::string& token : fenced) {
      if (lost.contains(token)) continue;
      fences_[token].fresh = false;
    }
    for (const StorageOp& op : ops) {
      if (op.kind == StorageOp::Kind::kDeleteTable && !lost.contains(op.table.token)) {
        fences_.erase(op.table.token);
      }
    }
    for (auto& [token, owner] : lost) {
      fences_.erase(token);
      lost_.emplace_back(token, std::move(owner));
    }
    return Status::Ok();
  }
  return Internal("the tables' owners kept changing during " + std::to_string(kAttempts) +
                  " attempts to write a batch");
}

Status RedisStorage::MarkLive(const std::string& name, int version) {
  Result<std::vector<Reply>> r = Run(
      {{"HSET", Key("games_live"), name, std::to_string(version)}, {"INCR", Key("games_serial")}});
  if (!r.ok()) return r.status();
  for (const Reply& reply : *r) {
    if (reply.error()) return Internal(reply.str);
  }
  return Status::Ok();
}

Result<std::map<std::string, int>> RedisStorage::LiveVersions() {
  Result<std::vector<Reply>> r = Run({{"HGETALL", Key("games_live")}});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  std::map<std::string, int> versions;
  for (const auto& [name, text] : (*r)[0].Map()) {
    Result<int> version = ParseInt(text, "live version");
    if (!version.ok()) return version.status();
    versions[name] = *version;
  }
  return versions;
}

void RedisStorage::Fence(const std::string& token, const TableOwner& owner, bool fresh) {
  fencing_ = true;
  fences_[token] = FenceState{owner, fresh};
}

void RedisStorage::Unfence(const std::string& token) { fences_.erase(token); }

std::vector<std::pair<std::string, TableOwner>> RedisStorage::TakeLost() {
  return std::exchange(lost_, {});
}

Result<bool> RedisStorage::RenewLease(const std::string& id, const std::string& web_address,
                                      const std::string& load, uint64_t ttl_ms) {
  Result<std::vector<Reply>> r =
      Run({{"EVAL", kRenewLeaseScript, "2", Key("lease:", id), Key("nodes"), load,
            std::to_string(ttl_ms), id, web_address}});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  return (*r)[0].integer == 1;
}

Status RedisStorage::ReleaseLease(const std::string& id) {
  Result<std::vector<Reply>> r = Run({{"DEL", Key("lease:", id)}});
  if (!r.ok()) return r.status();
  return (*r)[0].error() ? Internal((*r)[0].str) : Status::Ok();
}

Result<std::vector<NodeRecord>> RedisStorage::Nodes() {
  Result<std::vector<Reply>> r = Run({{"EVAL", kNodesScript, "1", Key("nodes"), Key("lease:")}});
  if (!r.ok()) return r.status();
  const Reply& reply = (*r)[0];
  if (reply.error()) return Internal(reply.str);
  std::vector<NodeRecord> nodes;
  for (size_t i = 0; i + 4 <= reply.elements.size(); i += 4) {
    nodes.push_back(NodeRecord{reply.elements[i].str, reply.elements[i + 1].str,
                               reply.elements[i + 2].integer == 1, reply.elements[i + 3].str});
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeRecord& a, const NodeRecord& b) { return a.id < b.id; });
  return nodes;
}

Result<bool> RedisStorage::ForgetNode(const std::string& id) {
  Result<std::vector<Reply>> r = Run(
      {{"EVAL", kForgetNodeScript, "3", Key("nodes"), Key("lease:", id), Key("owned:", id), id}});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  return (*r)[0].integer == 1;
}

Result<uint64_t> RedisStorage::Claim(const std::string& token, const std::string& id,
                                     const std::string& listed_by) {
  Result<std::vector<Reply>> r =
      Run({{"EVAL", kClaimScript, "3", Key("owner:", token), Key("table:", token),
            Key("owned:", id), id, Key("lease:"), Key("owned:"), token, listed_by}});
  if (!r.ok()) return r.status();
  const Reply& reply = (*r)[0];
  if (reply.error()) return Internal(reply.str);
  if (reply.elements.size() != 2) return Internal("unexpected reply to a claim");
  const long long epoch = reply.elements[0].integer;
  if (epoch < 0) return Status::Error(error::kNoSuchTable, "no table " + token);
  if (epoch == 0) return Status::Error("owned", reply.elements[1].str);
  return static_cast<uint64_t>(epoch);
}

Result<std::vector<std::string>> RedisStorage::OwnedBy(const std::string& id) {
  Result<std::vector<Reply>> r = Run({{"SMEMBERS", Key("owned:", id)}});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  std::vector<std::string> tokens;
  for (const Reply& e : (*r)[0].elements) tokens.push_back(e.str);
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

Result<std::vector<TableOwner>> RedisStorage::Owners(const std::vector<std::string>& tokens) {
  std::vector<TableOwner> owners;
  if (tokens.empty()) return owners;
  Command read{"MGET"};
  for (const std::string& token : tokens) read.push_back(Key("owner:", token));
  Result<std::vector<Reply>> r = Run({read});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  for (const Reply& e : (*r)[0].elements) {
    Result<TableOwner> owner = ParseOwner(e);
    if (!owner.ok()) return owner.status();
    owners.push_back(std::move(*owner));
  }
  return owners;
}

Result<std::string> RedisStorage::TableOfPlayer(const std::string& token) {
  Result<std::vector<Reply>> r = Run({{"HGET", Key("player_table"), token}});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  return (*r)[0].str;
}

Result<StoredTable> RedisStorage::LoadTable(const std::string& token) {
  std::vector<Command> reads;
  for (const char* kind : {"table:", "players:", "world:", "local:"}) {
    reads.push_back({"HGETALL", Key(kind, token)});
  }
  Result<std::vector<Reply>> r = Transaction(reads);
  if (!r.ok()) return r.status();
  if ((*r)[0].elements.empty()) return Status::Error(error::kNoSuchTable, "no table " + token);
  return ParseTable(token, r->data());
}

Result<uint64_t> RedisStorage::GamesSerial() {
  Result<std::vector<Reply>> r = Run({{"GET", Key("games_serial")}});
  if (!r.ok()) return r.status();
  if ((*r)[0].error()) return Internal((*r)[0].str);
  if ((*r)[0].type == REDIS_REPLY_NIL) return uint64_t{0};
  return ParseInt<uint64_t>((*r)[0].str, "games serial");
}

}  // namespace ggs
