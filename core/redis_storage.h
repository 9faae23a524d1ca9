// RedisStorage: the Storage home in a Redis server (`ggs serve --cluster redis://HOST:PORT`),
// on hiredis. The only file with redis* calls. docs/scaling.md, "Storage in Redis",
// describes the keys.
//
// Every key starts with a prefix ("ggs:" by default), so that several stores (tests, or
// separate deployments) can share one Redis server. Apply() sends its batch as one pipelined
// MULTI/EXEC transaction; the operations that must read before they write (a table's place
// in the creation order, a player moving tables, a table deletion) are short Lua scripts
// inside it, so a batch is applied whole or, when refused before EXEC, not at all. Applying
// a batch twice gives what applying it once gives, so a batch whose EXEC reply was lost with
// the connection is safely sent again.
//
// A lost connection fails the call in progress with code "internal"; the next call
// reconnects (connect timeout 1 s, command timeout 5 s), so WriteBehind keeps its queue and
// the next flush retries it.
//
// Thread: one thread at a time. Not copyable.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/host_port.h"
#include "core/cluster_directory.h"
#include "core/status.h"
#include "core/storage.h"

struct redisContext;

namespace ggs {

inline constexpr char kDefaultRedisPrefix[] = "ggs:";

// Parses "redis://HOST:PORT" (also "redis://[::1]:PORT"). Fails with code "bad_address" and a
// message that quotes the text.
Result<HostPort> ParseRedisUrl(std::string_view url);

// Also the cluster's ClusterDirectory (core/cluster_directory.h), on the same connection:
// fenced batches WATCH their tables' owner records, check them, and write in MULTI/EXEC, so
// a node that lost a table never writes over its new owner.
class RedisStorage final : public Storage, public ClusterDirectory {
 public:
  // Connects to the Redis server at `url` (see ParseRedisUrl) and checks that it answers.
  // Fails with "bad_address" for a bad URL and "io" when the server cannot be reached.
  static Result<std::unique_ptr<Storage>> Open(const std::string& url,
                                               const std::string& prefix = kDefaultRedisPrefix);
  ~RedisStorage() override;

  Result<int> AddGameVersion(const std::string& name, const std::string& source) override;
  Result<std::vector<StoredGame>> LatestGames() override;
  // Reads the creation order, then every table's hashes in one MULTI/EXEC.
  Result<std::vector<StoredTable>> LoadTables() override;
  Status Apply(const std::vector<StorageOp>& ops) override;

  Result<bool> RenewLease(const std::string& id, const std::string& web_address,
                          const std::string& load, uint64_t ttl_ms) override;
  Status ReleaseLease(const std::string& id) override;
  Result<std::vector<NodeRecord>> Nodes() override;
  Result<bool> ForgetNode(const std::string& id) override;
  Result<uint64_t> Claim(const std::string& token, const std::string& id,
                         const std::string& listed_by) override;
  Result<std::vector<std::string>> OwnedBy(const std::string& id) override;
  Result<std::vector<TableOwner>> Owners(const std::vector<std::string>& tokens) override;
  Result<std::string> TableOfPlayer(const std::string& token) override;
  Result<StoredTable> LoadTable(const std::string& token) override;
  Result<uint64_t> GamesSerial() override;
  Status MarkLive(const std::string& name, int version) override;
  Result<std::map<std::string, int>> LiveVersions() override;
  void Fence(const std::string& token, const TableOwner& owner, bool fresh) override;
  void Unfence(const std::string& token) override;
  std::vector<std::pair<std::string, TableOwner>> TakeLost() override;

 private:
  using Command = std::vector<std::string>;
  struct Reply;

  RedisStorage(HostPort address, std::string prefix);
  // Connects when there is no usable connection.
  Status Connect();
  // Sets the store's id unless it has one (SET NX, so that every node agrees) and reads it
  // into store_id_.
  Status ClaimStoreId();
  // Sends `commands` in one pipeline and returns their replies in order. A connection error
  // drops the connection (the next call reconnects) and fails the whole call.
  Result<std::vector<Reply>> Run(const std::vector<Command>& commands);
  // Runs `commands` inside MULTI/EXEC and returns the replies of EXEC.
  Result<std::vector<Reply>> Transaction(const std::vector<Command>& commands);
  Status Fail(std::string_view context);
  static Result<StoredTable> ParseTable(const std::string& token, const Reply* hashes);
  static Result<TableOwner> ParseOwner(const Reply& reply);

  std::string Key(std::string_view kind, std::string_view token = {}) const;
  Result<Command> OpCommand(const StorageOp& op) const;

  HostPort address_;
  std::string prefix_;
  redisContext* context_ = nullptr;
  struct FenceState {
    TableOwner owner;
    bool fresh = false;  // Created here: no owner record yet, the next batch writes it.
  };
  std::map<std::string, FenceState> fences_;  // By table token.
  std::string store_id_;                      // See Open.
  bool fencing_ = false;  // Some table was fenced: this store serves a cluster node.
  std::vector<std::pair<std::string, TableOwner>> lost_;
};

}  // namespace ggs
