// Coordinator: players, tables, seats and the game registry.
#include "core/coordinator.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/digest.h"
#include "core/log.h"
#include "core/protocol.h"
#include "core/uuid.h"

namespace ggs {
namespace {

bool ValidGameName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

Coordinator::Coordinator(Timers* timers, Storage* storage, WriteBehind* store,
                         CoordinatorOptions options)
    : timers_(timers),
      storage_(storage),
      store_(store),
      options_(std::move(options)),
      own_link_(options_.vm_link ? nullptr : std::make_unique<LocalVmLink>()),
      link_(options_.vm_link ? options_.vm_link : own_link_.get()),
      own_metrics_(options_.metrics ? nullptr : std::make_unique<MetricRegistry>()),
      metrics_(options_.metrics ? options_.metrics : own_metrics_.get()),
      errors_sent_(metrics_, "ggs_errors_sent_total", "Error replies sent to clients, by code.",
                   "error_code"),
      table_metrics_(Table::Metrics::Register(metrics_, &errors_sent_)) {
  RegisterMetrics();
}

Table::Deps Coordinator::TableDeps() {
  return Table::Deps{timers_,
                     store_,
                     link_,
                     options_.vm,
                     options_.restart_limit,
                     options_.restart_period_ms,
                     options_.max_table_lag_ms,
                     &table_metrics_};
}

// Figures the coordinator keeps anyway, read when the registry renders: O(players + tables)
// per render.
void Coordinator::RegisterMetrics() {
  using Type = MetricRegistry::Type;
  metrics_->AddCollector(
      "ggs_players", "Players the server knows, by state: connected, or in their grace period.",
      Type::kGauge, {"state"}, [this](std::vector<Sample>& out) {
        size_t connected = 0;
        for (const auto& [token, player] : players_) connected += player->peer != nullptr;
        out.push_back({{{"state", "connected"}}, static_cast<double>(connected)});
        out.push_back({{{"state", "grace"}}, static_cast<double>(players_.size() - connected)});
      });
  metrics_->AddCollector("ggs_tables",
                         "Running tables, by game (\"(defined)\": a table defined by its creator).",
                         Type::kGauge, {"game"}, [this](std::vector<Sample>& out) {
                           std::map<std::string, size_t> by_game;
                           for (const auto& [token, table] : tables_) {
                             const std::string& game = table->row().game_name;
                             ++by_game[game.empty() ? "(defined)" : game];
                           }
                           for (const auto& [game, n] : by_game) {
                             out.push_back({{{"game", game}}, static_cast<double>(n)});
                           }
                         });
  metrics_->AddCallback("ggs_vm_memory_bytes",
                        "Bytes the tables' game VMs held after their last event.", Type::kGauge, {},
                        [this] {
                          double bytes = 0;
                          for (const auto& [token, table] : tables_) bytes += table->vm_memory();
                          return bytes;
                        });
  metrics_->AddCallback("ggs_restored_tables",
                        "Tables restored from storage when the server started.", Type::kGauge, {},
                        [this] { return static_cast<double>(restored_tables_); });
  metrics_->AddCallback(
      "ggs_restored_tables_unbuilt",
      "Restored tables whose game VM is not rebuilt yet (the background sweep's backlog).",
      Type::kGauge, {}, [this] { return static_cast<double>(unbuilt_.size()); });
  metrics_->AddCallback("ggs_games", "Games installed in the registry.", Type::kGauge, {},
                        [this] { return static_cast<double>(games_.size()); });
}

void Coordinator::CountUpload(const Result<UploadReply>& reply) {
  const std::string result = reply.ok() ? "ok" : reply.status().code();
  metrics_
      ->GetCounter("ggs_uploads_total", "Uploads answered, by result: ok or the error code.",
                   {{"result", result}})
      ->Inc();
  if (reply.ok() && reply.value().live) {
    metrics_
        ->GetCounter("ggs_upload_moved_tables_total",
                     "Running tables moved to a new game version by live uploads.")
        ->Inc(static_cast<uint64_t>(reply.value().moved));
  }
}

Coordinator::~Coordinator() {
  for (auto& [token, player] : players_) timers_->Stop(player->grace_timer);
  timers_->Stop(sweep_timer_);
}

Status Coordinator::Restore() {
  Result<std::vector<StoredGame>> games = storage_->LatestGames();
  if (!games.ok()) return games.status();
  for (StoredGame& g : games.value()) {
    // The seats of a registered game are known before any VM answers: new tables of it
    // fill seat by seat however late their VM's reply comes.
    Result<int> seats = GameVm::Check(g.source, options_.vm);
    if (!seats.ok()) Log(LogLevel::kError, "game " + g.name + ": " + seats.status().message());
    games_[g.name] = Game{g.version, std::move(g.source), seats.ok() ? *seats : kMaxSeats, {}};
  }
  if (options_.router != nullptr) {
    Log(LogLevel::kInfo, "loaded " + std::to_string(games_.size()) +
                             " games; the cluster claims this node's tables");
    return Status::Ok();
  }
  Result<std::vector<StoredTable>> tables = storage_->LoadTables();
  if (!tables.ok()) return tables.status();
  for (StoredTable& stored : tables.value()) Take(stored);
  if (!unbuilt_.empty()) sweep_timer_ = timers_->Start(1, true, [this] { SweepUnbuilt(); });
  restored_tables_ = tables_.size();
  Log(LogLevel::kInfo, "restored " + std::to_string(tables_.size()) + " tables, " +
                           std::to_string(players_.size()) + " players, " +
                           std::to_string(games_.size()) + " games");
  return Status::Ok();
}

Table* Coordinator::Take(StoredTable& stored) {
  UseRegisteredSource(stored.row);
  auto table = std::make_unique<Table>(next_table_id_++, stored.row, TableDeps());
  Table* t = table.get();
  tables_[stored.row.token] = std::move(table);
  std::vector<Player*> seated;
  for (const PlayerRow& row : stored.players) {
    if (players_.contains(row.token)) continue;  // Seated at a table held here already.
    auto player = std::make_unique<Player>();
    player->token = row.token;
    player->id = row.player_id;
    seated.push_back(player.get());
    players_[row.token] = std::move(player);
  }
  t->Restore(stored, seated);
  const auto game = games_.find(stored.row.game_name);
  if (game != games_.end() && game->second.version == stored.row.game_version) {
    t->ExpectSeats(game->second.seats);
  }
  for (Player* p : seated) Detach(p);
  if (t->empty()) {
    EndTable(t);
    return nullptr;
  }
  if (!t->built()) unbuilt_.push_back(t->token());
  return t;
}

void Coordinator::Adopt(StoredTable stored) {
  if (tables_.contains(stored.row.token)) return;
  Table* table = Take(stored);
  if (table == nullptr) return;
  ++restored_tables_;
  if (!unbuilt_.empty() && sweep_timer_ == 0) {
    sweep_timer_ = timers_->Start(1, true, [this] { SweepUnbuilt(); });
  }
}

void Coordinator::Forfeit(const std::string& table_token, const ClusterRouter::Route& owner) {
  const auto it = tables_.find(table_token);
  if (it == tables_.end()) return;
  Table* table = it->second.get();
  if (auto g = games_.find(table->row().game_name); g != games_.end()) {
    g->second.open_tables.erase(table->id());
  }
  const std::vector<Player*> seated = table->players();
  for (Player* p : seated) {
    timers_->Stop(p->grace_timer);
    if (Peer* peer = p->peer) {
      peer->player = nullptr;
      if (owner.kind == ClusterRouter::Route::Kind::kElsewhere && !owner.address.empty()) {
        SendRedirect(peer, owner);
      } else if (owner.kind == ClusterRouter::Route::Kind::kUnavailable) {
        peer->closing = true;
        peer->CloseAfterFlush();
      } else {
        CountError(error::kNoSuchTable);
        peer->SendError(Status::Error(error::kNoSuchTable, "this table has ended"));
        peer->closing = true;
        peer->CloseAfterFlush();
      }
    }
    players_.erase(p->token);
  }
  table->Drop();
  tables_.erase(it);
  store_->DropTable(table_token);  // Its queued writes are stale: the new owner's state wins.
  Log(LogLevel::kWarn, "table " + table_token + " is let go: " +
                           (owner.address.empty() ? std::string("no owner to send its players to")
                                                  : "owned by " + owner.address + " now") +
                           " (" + std::to_string(seated.size()) + " players)");
}

Result<bool> Coordinator::ReloadGames() {
  Result<std::vector<StoredGame>> games = storage_->LatestGames();
  if (!games.ok()) return games.status();
  bool news = false;
  for (StoredGame& g : games.value()) {
    Game& game = games_[g.name];
    if (game.version >= g.version) continue;
    Result<int> seats = GameVm::Check(g.source, options_.vm);
    if (!seats.ok()) Log(LogLevel::kError, "game " + g.name + ": " + seats.status().message());
    game.version = g.version;
    game.source = std::move(g.source);
    game.seats = seats.ok() ? *seats : kMaxSeats;
    news = true;
    Log(LogLevel::kInfo, "game " + g.name + " version " + std::to_string(g.version) +
                             " was installed by another node");
  }
  return news;
}

std::vector<std::pair<std::string, std::string>> Coordinator::OpenTables() const {
  std::vector<std::pair<std::string, std::string>> open;
  for (const auto& [name, game] : games_) {
    if (!game.open_tables.empty())
      open.emplace_back(name, game.open_tables.begin()->second->token());
  }
  return open;
}

// A stored table of a named game takes its source from the games registry:
// - A table stores its source once its first VM has loaded it, a moment after the table
//   itself: a crash in between leaves a row with the game's name and no source. The table
//   gets the game's newest registered source (the one it was created with, unless an upload
//   came since), rather than waiting for a define nobody can send.
// - A table that runs the registered version drops the copy storage gave it for the
//   registry's, so that its game's code is in memory once.
void Coordinator::UseRegisteredSource(TableRow& row) const {
  if (row.game_name.empty()) return;
  const auto game = games_.find(row.game_name);
  if (game == games_.end()) return;
  if (row.source.empty()) {
    Log(LogLevel::kInfo, "table " + row.token + " of game " + row.game_name +
                             " was stored without its source; it takes version " +
                             std::to_string(game->second.version));
    row.game_version = game->second.version;
  } else if (row.game_version != game->second.version || row.source != game->second.source) {
    return;  // Another version: the table keeps its own code.
  }
  row.source = game->second.source;
}

Result<int> Coordinator::InstallGame(const std::string& name, const std::string& source) {
  if (!ValidGameName(name)) {
    return Status::Error(error::kBadRequest, "a game name is 1-64 letters, digits, '_' or '-'");
  }
  Result<int> seats = GameVm::Check(source, options_.vm);
  if (!seats.ok()) return seats.status();
  return Register(name, source, seats.value());
}

Result<int> Coordinator::Register(const std::string& name, const std::string& source, int seats) {
  Result<int> version = storage_->AddGameVersion(name, source);
  if (!version.ok()) return version.status();
  Game& game = games_[name];
  game.version = version.value();
  game.source = source;
  game.seats = seats;
  Log(LogLevel::kInfo, "installed game " + name + " version " + std::to_string(game.version));
  return version;
}

void Coordinator::Upload(UploadRequest request, std::function<void(Result<UploadReply>)> done) {
  done = [this, done = std::move(done)](Result<UploadReply> reply) {
    CountUpload(reply);
    done(std::move(reply));
  };
  if (options_.admin_token.empty()) {
    return done(Status::Error(error::kUnauthorized,
                              "uploads are disabled: start the server with --admin-token"));
  }
  if (!SecretsEqual(request.admin_token, options_.admin_token)) {
    return done(Status::Error(error::kUnauthorized, "wrong or missing Admin-Token"));
  }
  if (!ValidGameName(request.name)) {
    return done(
        Status::Error(error::kBadRequest, "a game name is 1-64 letters, digits, '_' or '-'"));
  }
  const uint64_t id = next_table_id_++;
  auto checked = [this, id, name = request.name, source = request.source, live = request.live,
                  done = std::move(done)](Result<int> seats) {
    const auto it = checks_.find(id);
    std::unique_ptr<SourceCheck> self = std::move(it->second);  // Destroyed on return.
    checks_.erase(it);
    if (!seats.ok()) return done(seats.status());
    Result<int> version = Register(name, source, seats.value());
    if (!version.ok()) return done(version.status());
    if (!live) return done(UploadReply{name, version.value(), false, 0, {}});
    if (options_.router != nullptr) options_.router->UploadedLive(name, version.value());
    MoveTables(name, version.value(), done);
  };
  checks_[id] = nullptr;  // Its entry: erased when the check answers.
  auto check = std::make_unique<SourceCheck>(link_, id, request.source, options_.vm.memory_limit,
                                             std::move(checked));
  // A link that answers at once has finished the check, and erased its entry, already.
  if (const auto it = checks_.find(id); it != checks_.end()) it->second = std::move(check);
}

void Coordinator::MoveTables(const std::string& name, int version,
                             std::function<void(Result<UploadReply>)> done) {
  struct Progress {
    UploadReply reply;
    size_t waiting = 1;  // The loop below counts as one, so that no answer finishes early.
    std::function<void(Result<UploadReply>)> done;
    void Answered() {
      if (--waiting == 0) done(std::move(reply));
    }
  };
  auto progress = std::make_shared<Progress>();
  progress->reply = UploadReply{name, version, true, 0, {}};
  progress->done = std::move(done);
  const SharedText source = games_[name].source;
  std::vector<Table*> tables;
  for (const auto& [token, table] : tables_) {
    if (table->row().game_name == name && !table->crashed()) tables.push_back(table.get());
  }
  for (Table* table : tables) {
    ++progress->waiting;
    table->Upgrade(source, version, [this, progress, token = table->token()](Status s) {
      if (s.ok()) {
        ++progress->reply.moved;
        if (const auto it = tables_.find(token); it != tables_.end()) {
          UpdateOpenSeats(it->second.get());  // The new code may declare other seats.
        }
      } else {
        progress->reply.refused.push_back({token, s.code() + ": " + s.message()});
      }
      progress->Answered();
    });
  }
  Log(LogLevel::kInfo, "moving " + std::to_string(tables.size()) + " running tables of " + name +
                           " to version " + std::to_string(version));
  progress->Answered();
}

bool Coordinator::MoveTablesLive(const std::string& name, int version) {
  const auto game = games_.find(name);
  if (game == games_.end() || game->second.version < version) return false;  // Not loaded yet.
  MoveTables(name, version, [name](Result<UploadReply> reply) {
    if (!reply.ok()) return;
    Log(LogLevel::kInfo, "live upload of " + name + " from another node: moved " +
                             std::to_string(reply->moved) + " tables here, " +
                             std::to_string(reply->refused.size()) + " refused");
    for (const UploadReply::Refusal& r : reply->refused) {
      Log(LogLevel::kWarn, "table " + r.table + " keeps its version of " + name + ": " + r.reason);
    }
  });
  return true;
}

int Coordinator::GameVersion(const std::string& name) const {
  const auto it = games_.find(name);
  return it == games_.end() ? 0 : it->second.version;
}

std::string Coordinator::GameSource(const std::string& name) const {
  const auto it = games_.find(name);
  return it == games_.end() ? "" : it->second.source.str();
}

const Table* Coordinator::FindTable(const std::string& token) const {
  const auto it = tables_.find(token);
  return it == tables_.end() ? nullptr : it->second.get();
}

void Coordinator::SendHello(const Player& player) const {
  const Table& table = *player.table;
  const bool must_define = !table.defined() && table.row().creator_token == player.token;
  std::string bytes;
  AppendClientCommand(bytes, command::kHello,
                      FormatHelloReply({player.token, !must_define, table.token()}));
  player.peer->Send(bytes);
}

Status Coordinator::Hello(Peer* peer, const HelloRequest& request) {
  if (peer->player)
    return Status::Error(error::kAlreadyHello, "this connection said hello already");
  if (options_.router != nullptr) {
    if (std::optional<ClusterRouter::Route> away = RouteAway(request)) {
      SendRedirect(peer, *away);
      return Status::Ok();
    }
  }
  if (request.token) return Resume(peer, *request.token);
  auto player = std::make_unique<Player>();
  player->token = NewUuid();
  Result<Table*> table = TableForHello(request, player->token);
  if (!table.ok()) return table.status();
  Player* p = player.get();
  players_[p->token] = std::move(player);
  Attach(peer, p);
  p->table = table.value();
  SendHello(*p);
  Status joined = table.value()->Join(p);
  if (!joined.ok()) Log(LogLevel::kDebug, "playerJoined: " + joined.message());
  UpdateOpenSeats(table.value());
  return Status::Ok();
}

std::optional<ClusterRouter::Route> Coordinator::RouteAway(const HelloRequest& request) {
  using Kind = ClusterRouter::Route::Kind;
  ClusterRouter::Route route;
  if (request.token) {
    if (players_.contains(*request.token)) return std::nullopt;
    route = options_.router->FindPlayer(*request.token);
  } else if (request.game) {
    auto game = games_.find(*request.game);
    // Perhaps installed through another node: the registry is read again, at most once a
    // second, so that hellos naming games that do not exist cost Redis nothing more.
    if (game == games_.end() &&
        (!games_reloaded_ms_ || timers_->NowMs() >= *games_reloaded_ms_ + 1000)) {
      games_reloaded_ms_ = timers_->NowMs();
      Result<bool> news = ReloadGames();
      if (!news.ok()) Log(LogLevel::kWarn, "cannot reload the games: " + news.status().message());
      game = games_.find(*request.game);
    }
    if (game == games_.end() || !game->second.open_tables.empty()) return std::nullopt;
    route = options_.router->PlaceGame(*request.game, request.redirects > 0);
  } else if (!request.table_token.empty()) {
    if (tables_.contains(request.table_token)) return std::nullopt;
    route = options_.router->FindTable(request.table_token);
  }
  if (route.kind != Kind::kElsewhere) return std::nullopt;
  return route;
}

void Coordinator::SendRedirect(Peer* peer, const ClusterRouter::Route& route) {
  const std::string& address =
      peer->web() && !route.web_address.empty() ? route.web_address : route.address;
  std::string bytes;
  AppendClientCommand(bytes, command::kRedirect, address);
  peer->closing = true;
  peer->Send(bytes);
  peer->CloseAfterFlush();
  metrics_->GetCounter("ggs_redirects_total", "Hellos answered with redirect to another node.")
      ->Inc();
}

Status Coordinator::Resume(Peer* peer, const std::string& token) {
  const auto it = players_.find(token);
  if (it == players_.end()) {
    return Status::Error(error::kNoSuchPlayer,
                         "no player with that token (its seat may have expired)");
  }
  Player* player = it->second.get();
  if (player->peer) {
    // The newest connection wins: the old one is presumed dead.
    Peer* old = player->peer;
    old->player = nullptr;
    CountError(error::kResumed);
    old->SendError(Status::Error(error::kResumed, "this player resumed on another connection"));
  }
  Attach(peer, player);
  SendHello(*player);
  player->table->Resumed(player);
  return Status::Ok();
}

Result<Table*> Coordinator::TableForHello(const HelloRequest& request,
                                          const std::string& player_token) {
  if (request.game) {
    if (!request.table_token.empty()) {
      return Status::Error(error::kBadRequest,
                           "say hello with a Game or with a table token, not both");
    }
    return OpenTableOf(*request.game);
  }
  if (request.table_token.empty()) return NewTable("", 0, player_token);
  const auto it = tables_.find(request.table_token);
  if (it == tables_.end()) {
    return Status::Error(error::kNoSuchTable, "no table " + request.table_token);
  }
  if (it->second->crashed()) return Status::Error(error::kTableCrashed, "that table is closed");
  if (Status s = it->second->BuildVm(); !s.ok()) return s;  // Its seats are the game's.
  if (it->second->full())
    return Status::Error(error::kTableFull, "every seat at that table is taken");
  return it->second.get();
}

Result<Table*> Coordinator::OpenTableOf(const std::string& game_name) {
  const auto it = games_.find(game_name);
  if (it == games_.end()) return Status::Error(error::kNoSuchGame, "no game named " + game_name);
  Game& game = it->second;
  if (!game.open_tables.empty()) return game.open_tables.begin()->second;
  Table* table = NewTable(game_name, game.version, "");
  table->ExpectSeats(game.seats);
  // The game loaded when it was installed; a VM that answers later and fails leaves the
  // table undefined (its players get not_defined), which only memory pressure can cause.
  auto verdict = std::make_shared<Status>();
  table->Define(game.source, game.version, [verdict](Status s) { *verdict = std::move(s); });
  if (!verdict->ok()) {
    EndTable(table);
    return *verdict;
  }
  return table;
}

Table* Coordinator::NewTable(const std::string& game_name, int version,
                             const std::string& creator) {
  TableRow row;
  row.token = NewUuid();
  row.game_name = game_name;
  row.game_version = version;
  row.creator_token = creator;
  auto table = std::make_unique<Table>(next_table_id_++, std::move(row), TableDeps());
  Table* t = table.get();
  if (options_.router != nullptr) options_.router->Created(t->token());
  t->Persist();
  tables_[t->token()] = std::move(table);
  return t;
}

void Coordinator::Reply(Peer* peer, std::string bytes, bool close_after) {
  if (close_after) peer->closing = true;
  auto send = [peer, bytes = std::move(bytes), close_after] {
    peer->Send(bytes);
    if (close_after) peer->CloseAfterFlush();
  };
  Player* player = peer->player;
  if (player == nullptr || player->table == nullptr) return send();
  // The connection may close, or its player move to another, while the VM works.
  player->table->AfterPending([this, peer, token = player->token, send = std::move(send)] {
    const auto it = players_.find(token);
    if (it != players_.end() && it->second->peer == peer) send();
  });
}

void Coordinator::Ping(Peer* peer, std::string payload) {
  std::string bytes;
  AppendClientCommand(bytes, command::kPong, payload);
  Reply(peer, std::move(bytes), false);
}

Status Coordinator::Define(Peer* peer, std::string source) {
  Player* player = peer->player;
  if (!player) return Status::Error(error::kNoHello, "say hello before define");
  Table* table = player->table;
  if (table->defined() || table->defining())
    return Status::Error(error::kAlreadyDefined, "this table's game is defined already");
  if (table->row().creator_token != player->token) {
    return Status::Error(error::kNotCreator,
                         "only the player who created the table defines its game");
  }
  table->Define(std::move(source), 0,
                [this, table, creator = player->token](Status s) { Defined(table, creator, s); });
  return Status::Ok();
}

// A define's verdict: define_failed to its creator, or `defined` to everyone seated, who
// then join the game one by one.
void Coordinator::Defined(Table* table, const std::string& creator, const Status& verdict) {
  if (!verdict.ok()) {
    const auto it = players_.find(creator);
    if (it != players_.end() && it->second->peer) {
      CountError(verdict.code());
      it->second->peer->SendError(verdict);
    }
    return;
  }
  std::string bytes;
  AppendClientCommand(bytes, command::kDefined, "");
  for (Player* p : table->players()) {
    if (p->peer) p->peer->Send(bytes);
  }
  UpdateOpenSeats(table);  // The table greets its seated players next.
}

Status Coordinator::GameCommand(Peer* peer, std::string_view command, std::string_view args) {
  Player* player = peer->player;
  if (!player) return Status::Error(error::kNoHello, "say hello before sending game commands");
  if (!player->table->defined() && !player->table->defining()) {
    return Status::Error(error::kNotDefined, "this table's game is not defined yet");
  }
  return player->table->Command(player, command, args);
}

void Coordinator::Bye(Peer* peer) {
  std::string bytes;
  AppendClientCommand(bytes, command::kBye, "");
  peer->closing = true;
  Player* player = peer->player;
  if (player == nullptr || player->table == nullptr) {
    if (player != nullptr) Remove(player);
    peer->Send(bytes);
    return peer->CloseAfterFlush();
  }
  player->table->AfterPending([this, peer, token = player->token, bytes = std::move(bytes)] {
    const auto it = players_.find(token);
    if (it == players_.end() || it->second->peer != peer) return;
    Remove(it->second.get());
    peer->Send(bytes);
    peer->CloseAfterFlush();
  });
}

void Coordinator::Disconnected(Peer* peer) {
  if (Player* player = peer->player) Detach(player);
}

void Coordinator::Attach(Peer* peer, Player* player) {
  timers_->Stop(player->grace_timer);
  player->grace_timer = 0;
  player->peer = peer;
  player->attached_after = LastVmEventSeq();
  peer->player = player;
}

// Unbinds the player from its connection and starts its grace period.
void Coordinator::Detach(Player* player) {
  if (player->peer) player->peer->player = nullptr;
  player->peer = nullptr;
  timers_->Stop(player->grace_timer);
  player->grace_timer =
      timers_->Start(options_.reconnect_grace_ms, false, [this, player] { Remove(player); });
}

void Coordinator::Remove(Player* player) {
  timers_->Stop(player->grace_timer);
  if (player->peer) player->peer->player = nullptr;
  Table* table = player->table;
  if (table) table->Leave(player);
  players_.erase(player->token);  // Frees the player.
  if (!table) return;
  if (table->empty()) {
    EndTable(table);
  } else {
    UpdateOpenSeats(table);
  }
}

void Coordinator::EndTable(Table* table) {
  if (auto g = games_.find(table->row().game_name); g != games_.end()) {
    g->second.open_tables.erase(table->id());
  }
  table->End();
  const std::string token = table->token();  // The key must outlive the erased table.
  tables_.erase(token);
}

// Rebuilds restored tables' VMs for a few milliseconds per call, oldest first, so that
// the server answers from its first moment while thousands of tables come back.
void Coordinator::SweepUnbuilt() {
  constexpr auto kBudget = std::chrono::milliseconds(5);
  const auto until = std::chrono::steady_clock::now() + kBudget;
  while (!unbuilt_.empty() && std::chrono::steady_clock::now() < until) {
    const auto it = tables_.find(unbuilt_.front());
    unbuilt_.pop_front();
    if (it == tables_.end()) continue;  // It ended meanwhile.
    Status s = it->second->BuildVm();
    (void)s;  // BuildVm has logged a failure; the table's next event reports it.
    UpdateOpenSeats(it->second.get());
  }
  if (unbuilt_.empty()) {
    timers_->Stop(sweep_timer_);
    sweep_timer_ = 0;
    Log(LogLevel::kInfo, "every restored table's VM is rebuilt");
  }
}

void Coordinator::UpdateOpenSeats(Table* table) {
  const auto g = games_.find(table->row().game_name);
  if (g == games_.end() || table->row().game_name.empty()) return;
  if (!table->built() && !table->opening()) return;  // Seats unknown until it is rebuilt.
  const uint64_t seq = table->id();
  if (table->full() || table->crashed() || (!table->defined() && !table->defining())) {
    g->second.open_tables.erase(seq);
  } else {
    g->second.open_tables[seq] = table;
  }
}

}  // namespace ggs
