// RedisStorage: the Redis home of Storage, and the only file that calls hiredis (redis*).
#include "core/redis_storage.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>
#include <utility>

#include "core/protocol.h"

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

// KEYS: tables, table:<t>, players:<t>, world:<t>, local:<t>, player_table. ARGV: t.
constexpr char kDeleteTableScript[] = R"lua(
for _, p in ipairs(redis.call('HKEYS', KEYS[3])) do redis.call('HDEL', KEYS[6], p) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[1], ARGV[1])
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

// KEYS: games, game:<name>. ARGV: name, source. Versions are 1..n, so the next is n + 1;
// the script runs atomically, so two nodes never claim one version.
constexpr char kAddGameScript[] = R"lua(
local v = redis.call('HLEN', KEYS[2]) + 1
redis.call('HSET', KEYS[2], v, ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return v
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

Status Internal(std::string message) {
  return Status::Error(error::kInternal, "redis: " + std::move(message));
}

Result<int> ParseInt(const std::string& text, std::string_view what) {
  int value = 0;
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
  Result<std::vector<Reply>> pong = storage->Run({{"PING"}});
  if (!pong.ok() || (*pong)[0].error()) {
    const std::string reason = pong.ok() ? (*pong)[0].str : pong.status().message();
    return Status::Io("cannot reach Redis at " + url + ": " + reason);
  }
  return std::unique_ptr<Storage>(std::move(storage));
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
                     t.source,
                     t.creator_token,
                     std::to_string(t.next_player_id),
                     std::to_string(t.seats)};
    case StorageOp::Kind::kDeleteTable:
      return Command{"EVAL",
                     kDeleteTableScript,
                     "6",
                     Key("tables"),
                     Key("table:", t.token),
                     Key("players:", t.token),
                     Key("world:", t.token),
                     Key("local:", t.token),
                     Key("player_table"),
                     t.token};
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
      Run({{"EVAL", kAddGameScript, "2", Key("games"), Key("game:", name), name, source}});
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
    std::map<std::string, std::string> row = (*replies)[4 * i].Map();
    if (row.empty()) continue;  // Deleted between the two reads.
    StoredTable& table = tables.emplace_back();
    TableRow& r = table.row;
    r.token = tokens[i].str;
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
    for (const auto& [player_token, id] : (*replies)[4 * i + 1].Map()) {
      Result<int> player_id = ParseInt(id, "player id");
      if (!player_id.ok()) return player_id.status();
      table.players.push_back(PlayerRow{player_token, r.token, *player_id});
    }
    // The token breaks ties, as in the SQLite home.
    std::sort(table.players.begin(), table.players.end(),
              [](const PlayerRow& a, const PlayerRow& b) {
                return std::tie(a.player_id, a.token) < std::tie(b.player_id, b.token);
              });
    table.world = (*replies)[4 * i + 2].Map();
    table.local = (*replies)[4 * i + 3].Map();
  }
  return tables;
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
  Result<std::vector<Reply>> replies = Transaction(commands);
  return replies.ok() ? Status::Ok() : replies.status();
}

}  // namespace ggs
