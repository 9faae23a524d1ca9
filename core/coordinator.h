// Coordinator: the host and the judge. It knows every player, table and seat, seats
// players, finds tables and players by token, resumes players within the reconnect grace
// period, and keeps the registry of named games.
//
// Every method that can fail returns a Status whose code is one of the error codes of
// core/protocol.h, ready to be sent to the client. Thread: the event-loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/shared_text.h"
#include "core/metrics.h"
#include "core/peer.h"
#include "core/player.h"
#include "core/protocol.h"
#include "core/source_check.h"
#include "core/status.h"
#include "core/storage.h"
#include "core/table.h"
#include "core/timers.h"
#include "core/vm_link.h"
#include "core/write_behind.h"

namespace ggs {

// What a coordinator in a cluster asks about the tables and players it does not hold:
// core/cluster.h answers. Without one (a single node), what is not here does not exist.
class ClusterRouter {
 public:
  struct Route {
    enum class Kind {
      kUnknown,    // Nowhere: the hello fails (or, for a game, a table is made here).
      kHere,       // Claimed from a dead owner and adopted here just now.
      kElsewhere,  // Served by another node: the client is redirected there.
      // Not servable now (the node cannot renew its lease): a connection is just closed,
      // and its client resumes later, wherever the table is then.
      kUnavailable,
    };
    Kind kind = Kind::kUnknown;
    std::string address;      // kElsewhere: the node's game address, HOST:PORT.
    std::string web_address;  // kElsewhere: its HTTP address, "" when it has none.
  };
  virtual ~ClusterRouter() = default;
  // A hello names a table (or a player) this node does not hold.
  virtual Route FindTable(const std::string& table_token) = 0;
  virtual Route FindPlayer(const std::string& player_token) = 0;
  // A hello for `game` finds no open table here: another node's open table or a node with
  // clearly less load (never when the hello was `redirected` already), else kUnknown.
  virtual Route PlaceGame(const std::string& game, bool redirected) = 0;
  // A table was made here: this node owns it from its first flush.
  virtual void Created(const std::string& table_token) = 0;
  // An upload with `Live: true` installed `version` of `game` here: the other nodes move
  // their running tables of the game too.
  virtual void UploadedLive(const std::string& game, int version) = 0;
};

struct CoordinatorOptions {
  uint64_t reconnect_grace_ms = 30000;
  VmOptions vm;
  std::string admin_token;  // Empty: uploads are refused.
  // Where the tables' VMs run; nullptr: in this process (a LocalVmLink the coordinator owns).
  // Must outlive the coordinator.
  VmLink* vm_link = nullptr;
  // Restart intensity (core/table.h): a table closes after this many worker deaths caused
  // by its events within the period.
  int restart_limit = 3;
  uint64_t restart_period_ms = 60000;
  // A game command waits at most about this long behind its table's earlier events: past
  // it, it is refused with table_busy (Table::Deps::max_lag_ms). 0: never refused.
  uint64_t max_table_lag_ms = 1000;
  // In a cluster, who to ask about tables and players held elsewhere (must outlive the
  // coordinator); nullptr: a single node.
  ClusterRouter* router = nullptr;
  // Where the coordinator and its tables count (docs/operations.md, "Metrics"); nullptr: a
  // registry of its own. Must outlive the coordinator, and be rendered only while it lives.
  MetricRegistry* metrics = nullptr;
};

struct HelloRequest {
  const std::string* token = nullptr;  // Resume this player.
  const std::string* game = nullptr;   // Seat at a table of this registered game.
  std::string table_token;             // Join this table (when not empty).
  int redirects = 0;                   // `Redirects` the client followed for this hello.
};

class Coordinator {
 public:
  // The pointers must outlive the coordinator.
  Coordinator(Timers* timers, Storage* storage, WriteBehind* store, CoordinatorOptions options);
  ~Coordinator();

  // Loads the game registry and every stored table (in a cluster, only the registry: the
  // cluster adopts the tables it claims); their players wait, disconnected, for the grace
  // period. The tables' VMs are rebuilt in the background, a few milliseconds of each loop
  // turn, or at once when a table is needed first.
  Status Restore();
  // Takes a stored table in as Restore does (a cluster claimed it from a dead node). A table
  // held already is left as it is.
  void Adopt(StoredTable stored);
  // Lets go of a table another node owns now, writing nothing and dropping its queued
  // writes: its connected players are sent `redirect` to `owner` (or, when the table has
  // no owner any more, the error no_such_table), the others forgotten (they resume there).
  void Forfeit(const std::string& table_token, const ClusterRouter::Route& owner);
  // Loads games installed since (by another node of a cluster). Returns whether any was new.
  Result<bool> ReloadGames();
  // Moves this node's running tables of game `name` to `version` (a live upload received
  // by another node of the cluster), logging the tables that refuse it.
  // Returns false when that version is not loaded here yet (nothing moved).
  bool MoveTablesLive(const std::string& name, int version);
  // The oldest open table of every game that has one: (game, table token).
  std::vector<std::pair<std::string, std::string>> OpenTables() const;
  // Tables whose VM still waits to be rebuilt after Restore.
  size_t unbuilt_count() const { return unbuilt_.size(); }

  // Installs `source` as the newest version of game `name` and returns the version.
  // Fails with define_failed when the source does not load.
  Result<int> InstallGame(const std::string& name, const std::string& source);
  // The protocol's `upload`: checks `admin_token` in constant time (unauthorized) and the
  // name (bad_request) at once; then loads the source in a VM of its own on the VM link, so
  // on a worker under the event budget (define_failed, script_timeout); then installs it
  // as the game's newest version and, when `live`, moves every running table of the game
  // to it (Table::Upgrade), reporting which refused and why. `done` gets the `uploaded`
  // reply or the failure once every moved table has answered: before Upload returns on a
  // link that answers at once, else from the loop.
  struct UploadRequest {
    std::string admin_token;
    std::string name;
    std::string source;
    bool live = false;
  };
  void Upload(UploadRequest request, std::function<void(Result<UploadReply>)> done);

  // Seats or resumes the player speaking on `peer` and sends it the hello reply
  // `<player_token>,<defined>,<table_token>` before anything the game sends on its join.
  Status Hello(Peer* peer, const HelloRequest& request);
  // Sends `bytes` (encoded packets) to `peer`, then closes the connection after them when
  // `close_after`: at once, or, for a seated player, once everything sent to its table's VM
  // before has been answered. So the server's own replies to a connection (pong, errors,
  // bye) keep the order of its requests behind what its earlier game commands caused,
  // however late the VM answers.
  void Reply(Peer* peer, std::string bytes, bool close_after);
  // Answers `pong` with `payload`, in order (Reply).
  void Ping(Peer* peer, std::string payload);
  // Defines the game of the peer's table from JavaScript source (creator only). Fails at
  // once with no_hello, already_defined or not_creator; the VM's verdict comes with the
  // table's kOpen reply: define_failed to the creator, or `defined` to every seated player.
  Status Define(Peer* peer, std::string source);
  // Passes a game command to the peer's table.
  Status GameCommand(Peer* peer, std::string_view command, std::string_view args);
  // The peer's player leaves for good, in order (Reply): unseated, answered `bye`, and the
  // connection closed.
  void Bye(Peer* peer);
  // The peer's connection is gone: its player keeps its seat for the grace period.
  void Disconnected(Peer* peer);

  // The registry it counts into, and the count of error replies by code, which every
  // sender of an error reply adds to (the dispatcher, the tables, the coordinator itself).
  MetricRegistry& metrics() { return *metrics_; }
  void CountError(std::string_view code) { errors_sent_.Inc(code); }
  uint64_t errors_sent(std::string_view code) const { return errors_sent_.value(code); }

  size_t player_count() const { return players_.size(); }
  size_t table_count() const { return tables_.size(); }
  const Table* FindTable(const std::string& token) const;
  // The newest installed version of `name`, or 0.
  int GameVersion(const std::string& name) const;
  // The source of the newest installed version of `name`, or "".
  std::string GameSource(const std::string& name) const;

 private:
  // Gives a named game's stored table the registry's source: the newest version when it
  // was stored without one, the registry's copy when it runs the registered version.
  void UseRegisteredSource(TableRow& row) const;
  // Takes a stored table in; returns it, or nullptr when it had no player left and ended.
  Table* Take(StoredTable& stored);
  // In a cluster: where `request` should be said instead, when not here.
  std::optional<ClusterRouter::Route> RouteAway(const HelloRequest& request);
  void SendRedirect(Peer* peer, const ClusterRouter::Route& route);
  struct Game {
    int version = 0;
    SharedText source;                       // Shared by its tables' rows.
    int seats = kMaxSeats;                   // As its source declares.
    std::map<uint64_t, Table*> open_tables;  // Tables with a free seat, oldest first.
  };

  // Stores `source` as the newest version of `name`, whose VM declared `seats`.
  Result<int> Register(const std::string& name, const std::string& source, int seats);
  // Moves every running table of game `name` to `version`; `done` gets the report.
  void MoveTables(const std::string& name, int version,
                  std::function<void(Result<UploadReply>)> done);
  Status Resume(Peer* peer, const std::string& token);
  // The table a new player says hello to: the game's open table, the table it names, or a
  // new table whose creator is `player_token`.
  Result<Table*> TableForHello(const HelloRequest& request, const std::string& player_token);
  Result<Table*> OpenTableOf(const std::string& game_name);
  Table* NewTable(const std::string& game_name, int version, const std::string& creator);
  void Attach(Peer* peer, Player* player);
  void Detach(Player* player);
  void Remove(Player* player);
  void EndTable(Table* table);
  void UpdateOpenSeats(Table* table);
  void SweepUnbuilt();
  void SendHello(const Player& player) const;
  Table::Deps TableDeps();
  void RegisterMetrics();
  void CountUpload(const Result<UploadReply>& reply);
  void Defined(Table* table, const std::string& creator, const Status& verdict);

  Timers* timers_;
  Storage* storage_;
  WriteBehind* store_;
  CoordinatorOptions options_;
  std::unique_ptr<VmLink> own_link_;             // When options_.vm_link is nullptr.
  VmLink* link_;                                 // Outlives the tables, which detach from it.
  std::unique_ptr<MetricRegistry> own_metrics_;  // When options_.metrics is nullptr.
  MetricRegistry* metrics_;
  CounterByLabel errors_sent_;
  Table::Metrics table_metrics_;  // Every table's, resolved once.
  size_t restored_tables_ = 0;    // By Restore.
  std::unordered_map<std::string, std::unique_ptr<Player>> players_;  // By token.
  std::unordered_map<std::string, std::unique_ptr<Table>> tables_;    // By token.
  uint64_t next_table_id_ = 1;         // Table ids are also their creation order.
  std::map<std::string, Game> games_;  // By name.
  std::deque<std::string> unbuilt_;    // Restored tables whose VM is not rebuilt yet.
  Timers::Id sweep_timer_ = 0;
  // When a hello for an unknown game last reloaded the games (never: nullopt).
  std::optional<uint64_t> games_reloaded_ms_;
  // Uploads whose source is being loaded on the link, by the check's table id.
  std::unordered_map<uint64_t, std::unique_ptr<SourceCheck>> checks_;
};

}  // namespace ggs
