// SessionRunner: sending steps, reading replies, comparing them with the prediction.
#include "props/session_runner.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/escape.h"
#include "core/sqlite_storage.h"
#include "core/uuid.h"
#include "props/render.h"

namespace ggs::props {
namespace {

constexpr size_t kShownPayload = 160;  // Longer payloads are abbreviated in transcripts.

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<std::vector<StoredTable>> ReadStorage(const std::string& database) {
  Result<std::unique_ptr<Storage>> storage = SqliteStorage::Open(database);
  if (!storage.ok()) return storage.status();
  return storage.value()->LoadTables();
}

std::string Abbreviated(const std::string& bytes) {
  if (bytes.size() <= kShownPayload) return "\"" + ReadableBytes(bytes) + "\"";
  return "\"" + ReadableBytes(bytes.substr(0, kShownPayload)) + "\"... (" +
         std::to_string(bytes.size()) + " bytes)";
}

std::string CommandOf(const Packet& p) { return std::string(ClientCommandOf(p)); }

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Learns a token the server just handed out, or checks one it handed out before.
Status LearnOrCheck(std::vector<std::string>& tokens, int index, bool is_new,
                    const std::string& got, const char* what) {
  const std::string name = std::string(what) + "#" + std::to_string(index);
  if (!is_new) {
    if (index < static_cast<int>(tokens.size()) && tokens[index] == got) return Status::Ok();
    return Status::Error("diverged",
                         "the reply names another " + std::string(what) + " than " + name);
  }
  if (!LooksLikeUuid(got) || Contains(tokens, got)) {
    return Status::Error("diverged", "new " + name + " got token '" + ReadableBytes(got) +
                                         "', which is not a fresh UUID");
  }
  if (static_cast<int>(tokens.size()) <= index) tokens.resize(static_cast<size_t>(index) + 1);
  tokens[index] = got;
  return Status::Ok();
}

}  // namespace

SessionRunner::SessionRunner(Target* target, RunnerOptions options, Transcript* transcript)
    : target_(target), options_(std::move(options)), transcript_(transcript) {}

SessionRunner::~SessionRunner() = default;

void SessionRunner::Note(const std::string& line) { transcript_->Note(Symbolic(line)); }

std::string SessionRunner::Symbolic(std::string text) const {
  auto replace_all = [&text](const std::string& token, const std::string& name) {
    if (token.empty()) return;
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at)) {
      text.replace(at, token.size(), name);
      at += name.size();
    }
  };
  for (size_t i = 0; i < player_tokens_.size(); ++i)
    replace_all(player_tokens_[i], "<player#" + std::to_string(i) + ">");
  for (size_t i = 0; i < table_tokens_.size(); ++i)
    replace_all(table_tokens_[i], "<table#" + std::to_string(i) + ">");
  return text;
}

std::string SessionRunner::ShowPacket(const Packet& p) const {
  std::string out = CommandOf(p);
  if (const std::string* code = p.Find(header::kErrorCode)) out += " " + *code;
  out += " " + Abbreviated(p.payload);
  if (skipped_noise_ > 0) out += " (after " + std::to_string(skipped_noise_) + " clock packets)";
  return out;
}

Status SessionRunner::Diverged(int client, const std::string& message) const {
  return Status::Error("diverged", "c" + std::to_string(client) + ": " + message);
}

Status SessionRunner::Execute(const Model& before, const Step& step) {
  const int index = step_index_++;
  transcript_->BeginStep(index, step);
  if (clients_.size() < before.clients.size()) clients_.resize(before.clients.size());
  if (records_.empty()) records_.push_back({NowMs(), DurableFacts(before)});
  restored_.reset();
  const Outcome outcome = Predict(before, step);
  pong_table_.assign(before.clients.size(), -1);
  for (int c = 0; c < static_cast<int>(before.clients.size()); ++c) {
    for (const Model* m : {&outcome.next, &before}) {
      if (pong_table_[c] < 0 && AtPong(*m, c))
        pong_table_[c] = m->players[m->clients[c].player].table;
    }
  }
  Status status = Act(before, step);
  // The actor's replies first, then what the step sent to everyone else.
  for (int i = 0; status.ok() && i < static_cast<int>(outcome.clients.size()); ++i) {
    const int c = (step.client + i) % static_cast<int>(outcome.clients.size());
    status = CheckClient(c, outcome.clients[c]);
  }
  const bool probe = step.op != Op::kDisconnect && step.op != Op::kRestart &&
                     step.op != Op::kWait && step.op != Op::kKill;
  if (status.ok() && probe && outcome.next.clients[step.client].open) {
    status = Barrier(step.client, outcome.clients[step.client].noise);
  }
  if (status.ok()) {
    // Acknowledged: every reply of the step has come, so its writes are queued.
    records_.push_back({NowMs(), DurableFacts(ModelAfter(before, step))});
    return status;
  }
  std::string message =
      "step " + std::to_string(index) + " (" + Describe(step) + "): " + status.message();
  if (Status health = target_->Health(); !health.ok()) message += "; " + health.message();
  message = Symbolic(message);
  transcript_->Note("FAILED: " + message);
  return Status::Error(status.code(), message);
}

Status SessionRunner::Act(const Model& before, const Step& step) {
  const int c = step.client;
  switch (step.op) {
    case Op::kConnect: {
      Result<std::unique_ptr<SyncClient>> client =
          SyncClient::Connect(target_->host(), target_->port(), options_.timeout_ms);
      if (!client.ok()) return Diverged(c, "cannot connect: " + client.status().message());
      clients_[c] = std::move(client.value());
      Note("c" + std::to_string(c) + " connects");
      return Status::Ok();
    }
    case Op::kDisconnect:
      clients_[c].reset();
      Note("c" + std::to_string(c) + " hangs up");
      return Status::Ok();
    case Op::kRestart:
    case Op::kKill:
      return Restart(before, step);
    case Op::kWait: {
      // Well past the grace: the server's timers are not exact, and a loaded machine is slow.
      const int ms = before.config.grace_ms + std::max(500, before.config.grace_ms / 2);
      Note("everyone waits " + std::to_string(ms) + " ms, past the reconnect grace");
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      return Status::Ok();
    }
    default:
      break;
  }
  RenderContext context;
  context.player_token = [this](int i) {
    return i < static_cast<int>(player_tokens_.size()) ? player_tokens_[i] : std::string();
  };
  context.table_token = [this](int i) {
    return i < static_cast<int>(table_tokens_.size()) ? table_tokens_[i] : std::string();
  };
  context.client_token = [this, &before](int client) {
    const int p = before.clients[client].player;
    return p >= 0 && p < static_cast<int>(player_tokens_.size()) ? player_tokens_[p]
                                                                 : std::string();
  };
  context.limits = before.config.limits;
  context.chat_source = options_.chat_source;
  context.game_sources = options_.game_sources;
  context.admin_token = target_->admin_token();
  return Send(c, step, Render(step, context));
}

Model SessionRunner::ModelAfter(const Model& before, const Step& step) const {
  return restored_ ? *restored_ : Predict(before, step).next;
}

// The window after which an acknowledged write is certainly on disk: the flush interval,
// and a margin for a busy machine (a slow server, such as a sanitized one, gets more).
int CertaintyWindowMs(int timeout_ms) { return kFlushMs + std::max(280, timeout_ms / 8); }

constexpr int kUnobservedHookMs = 50;

// A clean restart must keep everything; a kill, everything acknowledged before the
// certainty window. Either way the model goes on with what the database holds.
Status SessionRunner::Restart(const Model& before, const Step& step) {
  const bool kill = step.op == Op::kKill;
  for (auto& client : clients_) client.reset();
  const int window = CertaintyWindowMs(options_.timeout_ms);
  if (kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(step.number));
    Note("the server is killed (SIGKILL) and started again on the same database");
  } else {
    Note("the server restarts (SIGTERM, then a new process on the same database)");
  }
  // A clean restart keeps everything, but for a hook that no step waits for: after a `bye`
  // with nobody else connected at the table, its playerLeft() may still run.
  const double certain_before = NowMs() - (kill ? window : kUnobservedHookMs);
  Result<std::vector<StoredTable>> stored = Status::Error("io", "the database was not read");
  Status restarted = target_->Restart(kill ? StopMode::kKill : StopMode::kClean,
                                      [&stored](const std::string& database) {
                                        stored = ReadStorage(database);
                                        return stored.status();
                                      });
  if (!restarted.ok()) return restarted;
  // The previous session's last writes (its players leaving) may be lost too: its tables
  // come back, and go again before the session goes on.
  std::vector<StoredTable> own;
  std::vector<std::string> earlier;
  for (StoredTable& table : stored.value()) {
    if (Contains(table_tokens_, table.row.token)) {
      own.push_back(std::move(table));
    } else {
      for (const PlayerRow& player : table.players) earlier.push_back(player.token);
    }
  }
  if (!earlier.empty()) {
    if (certain_before >= dismissed_ms_) {
      return Diverged(step.client,
                      "after the restart, the database holds tables the session never made");
    }
    Note("the server kept " + std::to_string(earlier.size()) +
         " players of an earlier session, who now leave");
    if (Status s = Dismiss(earlier); !s.ok()) return s;
    dismissed_ms_ = NowMs();
  }
  Result<Model> model = Reconcile(before, own, {player_tokens_, table_tokens_});
  if (!model.ok()) return model.status();
  const Facts facts = DurableFacts(model.value());
  std::string kept;
  for (const auto& [name, value] : facts) kept += (kept.empty() ? "" : ", ") + name + "=" + value;
  Note("the database holds: " + (kept.empty() ? std::string("nothing of this session") : kept));
  if (Status s = CheckDurable(records_, certain_before, facts); !s.ok()) return s;
  if (Status s = CheckPongScores(before, own, certain_before); !s.ok()) return s;
  records_ = {{NowMs(), facts}};
  restored_ = std::move(model.value());
  return Status::Ok();
}

namespace {

int WorldNumber(const std::map<std::string, std::string>& world, const std::string& key) {
  const auto it = world.find(key);
  return it == world.end() ? 0 : std::atoi(it->second.c_str());
}

}  // namespace

// Records a pong table's score from a world_set its client read.
void SessionRunner::ObservePong(int c, const Packet& packet) {
  if (c >= static_cast<int>(pong_table_.size()) || pong_table_[c] < 0) return;
  if (CommandOf(packet) != "world_set") return;
  const size_t eq = packet.payload.find('=');
  if (eq == std::string::npos) return;
  const std::string key = packet.payload.substr(0, eq);
  const int value = std::atoi(packet.payload.c_str() + eq + 1);
  auto& seen = pong_scores_[pong_table_[c]];
  PongScore score = seen.empty() ? PongScore{} : seen.back().second;
  if (key == "games") score.games = value;
  if (key == "score_left") score.left = value;
  if (key == "score_right") score.right = value;
  seen.push_back({NowMs(), score});
}

// A restart keeps pong's score, which only grows within a game: every pong table's stored
// score is the last one its clients saw before `certain_before`, or a later one.
Status SessionRunner::CheckPongScores(const Model& before, const std::vector<StoredTable>& stored,
                                      double certain_before) {
  std::map<int, std::vector<std::pair<double, PongScore>>> kept;
  for (const StoredTable& table : stored) {
    const int t =
        static_cast<int>(std::find(table_tokens_.begin(), table_tokens_.end(), table.row.token) -
                         table_tokens_.begin());
    if (t >= static_cast<int>(before.tables.size()) || before.tables[t].game != GameKind::kPong)
      continue;
    const PongScore got{WorldNumber(table.world, "games"), WorldNumber(table.world, "score_left"),
                        WorldNumber(table.world, "score_right")};
    PongScore certain;
    for (const auto& [at, score] : pong_scores_[t]) {
      if (at <= certain_before) certain = score;
    }
    const bool later =
        got.games > certain.games ||
        (got.games == certain.games && got.left >= certain.left && got.right >= certain.right);
    auto show = [](const PongScore& s) {
      return "games=" + std::to_string(s.games) + " score_left=" + std::to_string(s.left) +
             " score_right=" + std::to_string(s.right);
    };
    Note("pong table#" + std::to_string(t) + " kept " + show(got));
    if (!later) {
      return Status::Error("diverged", "after the restart, pong table#" + std::to_string(t) +
                                           " holds " + show(got) + ", older than " + show(certain) +
                                           ", which its players saw before");
    }
    kept[t] = {{-1e300, got}};
  }
  pong_scores_ = std::move(kept);
  return Status::Ok();
}

Status SessionRunner::Send(int c, const Step& step, const std::string& bytes) {
  const std::vector<std::string> pieces = Cut(bytes, step.splits);
  std::string cuts;
  for (size_t i = 0, at = 0; i + 1 < pieces.size(); ++i) {
    at += pieces[i].size();
    cuts += (cuts.empty() ? "" : ",") + std::to_string(at);
  }
  Note("c" + std::to_string(c) + " >> " + Abbreviated(bytes) +
       (cuts.empty() ? "" : " cut at " + cuts + (step.pause ? ", pausing" : "")));
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0 && step.pause) std::this_thread::sleep_for(std::chrono::microseconds(300));
    Status sent = clients_[c]->SendRaw(pieces[i]);
    // Once a corruption is read the server stops reading, and may reset the connection
    // before the rest arrives; what it answered is still checked.
    if (!sent.ok() && step.op == Op::kCorrupt) break;
    if (!sent.ok()) return Diverged(c, "send failed: " + sent.message());
  }
  hellos_.erase(c);
  if (step.op == Op::kHello) {
    Parser parser;
    parser.Feed(bytes);
    if (std::optional<Packet> hello = parser.Next()) hellos_[c] = std::move(*hello);
  }
  if (step.op == Op::kCorrupt && step.corruption == Corruption::kTruncatedPayload) {
    clients_[c].reset();
    Note("c" + std::to_string(c) + " hangs up mid-payload");
  }
  return Status::Ok();
}

// The timeout covers the whole wait: a pong clock that keeps ticking must not hide a packet
// that never comes.
Result<Packet> SessionRunner::Next(int c, bool noise) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  skipped_noise_ = 0;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    Result<Packet> got = clients_[c]->Receive(static_cast<int>(std::max<int64_t>(0, left.count())));
    if (!got.ok() || !noise || !IsPongNoise(CommandOf(got.value()))) return got;
    ObservePong(c, got.value());
    ++skipped_noise_;
  }
}

Status SessionRunner::CheckClient(int c, const ClientExpectation& expectation) {
  if (expectation.packets.empty() && !expectation.closes) return Status::Ok();
  if (!clients_[c]) return Diverged(c, "expected packets on a connection the runner closed");
  for (const Expected& want : expectation.packets) {
    Result<Packet> got = Next(c, expectation.noise);
    if (Status s = FollowRedirects(c, got); !s.ok()) return s;
    if (!got.ok()) {
      Note("c" + std::to_string(c) + " << nothing: " + got.status().message() + "; expected " +
           Show(want));
      return Diverged(c, "expected " + Show(want) + ", got nothing: " + got.status().message());
    }
    Status match = Match(got.value(), want);
    Note("c" + std::to_string(c) + " << " + ShowPacket(got.value()) +
         (match.ok() ? "" : "   EXPECTED " + Show(want)));
    if (!match.ok())
      return Diverged(c, "expected " + Show(want) + ", got " + ShowPacket(got.value()) +
                             (match.message().empty() ? "" : ": " + match.message()));
  }
  return expectation.closes ? CheckClosed(c, expectation.noise) : Status::Ok();
}

Status SessionRunner::FollowRedirects(int c, Result<Packet>& got) {
  const auto hello = hellos_.find(c);
  if (!got.ok() || CommandOf(got.value()) != command::kRedirect || hello == hellos_.end()) {
    return Status::Ok();
  }
  const Packet sent = std::move(hello->second);
  hellos_.erase(hello);
  Note("c" + std::to_string(c) + " << redirect " + Abbreviated(got->payload) +
       ", which it follows with the same hello");
  clients_[c].reset();  // The node closes it after a redirect.
  Result<SyncClient::Hello> followed =
      SyncClient::FollowRedirects(sent, got.value(), options_.timeout_ms);
  if (!followed.ok()) {
    return Diverged(c, "following the redirect failed: " + followed.status().message());
  }
  clients_[c] = std::move(followed->client);
  got = std::move(followed->reply);
  return Status::Ok();
}

Status SessionRunner::CheckClosed(int c, bool noise) {
  Result<Packet> got = Next(c, noise);
  if (!got.ok() && got.status().IsClosed()) {
    Note("c" + std::to_string(c) + " << (connection closed by the server)");
    clients_[c].reset();
    return Status::Ok();
  }
  if (!got.ok())
    return Diverged(c, "expected the server to close the connection: " + got.status().message());
  Note("c" + std::to_string(c) + " << " + ShowPacket(got.value()) +
       "   EXPECTED the connection to close");
  return Diverged(c, "expected the connection to close, got " + ShowPacket(got.value()));
}

Status SessionRunner::Match(const Packet& got, const Expected& want) {
  if (CommandOf(got) != want.command) return Status::Error("diverged", "");
  if (want.command == command::kError) {
    return ErrorCodeOf(got) == want.error_code ? Status::Ok() : Status::Error("diverged", "");
  }
  if (want.command == command::kHello) return MatchHello(got, want);
  if (want.upload) return MatchUpload(got, *want.upload);
  if (want.payload && got.payload != *want.payload) return Status::Error("diverged", "");
  return Status::Ok();
}

Status SessionRunner::MatchHello(const Packet& got, const Expected& want) {
  Result<HelloReply> reply = ParseHelloReply(got.payload);
  if (!reply.ok()) return Status::Error("diverged", reply.status().message());
  if (reply->defined != want.defined) {
    return Status::Error("diverged",
                         want.defined ? "defined should be true" : "defined should be false");
  }
  if (Status s =
          LearnOrCheck(player_tokens_, want.player, want.new_player, reply->player, "player");
      !s.ok()) {
    return s;
  }
  return LearnOrCheck(table_tokens_, want.table, want.new_table, reply->table, "table");
}

Status SessionRunner::MatchUpload(const Packet& got, const ExpectedUpload& want) {
  Result<UploadReply> reply = ParseUploadReply(got.payload);
  if (!reply.ok()) return Status::Error("diverged", reply.status().message());
  if (reply->game != want.game || reply->live != want.live || reply->moved != want.moved ||
      !reply->refused.empty()) {
    return Status::Error("diverged", "");
  }
  // The session's first upload of a game learns how many versions the server had.
  const auto [before, first] = versions_before_.try_emplace(want.game, reply->version - 1);
  if (first && before->second < 1) {
    return Status::Error("diverged", "the game was registered, so its new version is at least 2");
  }
  if (reply->version != before->second + want.nth) {
    return Status::Error("diverged", "expected version " +
                                         std::to_string(before->second + want.nth) +
                                         " (the session's upload #" + std::to_string(want.nth) +
                                         " after version " + std::to_string(before->second) + ")");
  }
  return Status::Ok();
}

Status SessionRunner::Barrier(int c, bool noise) {
  const std::string payload = "barrier-" + std::to_string(step_index_);
  if (Status s = clients_[c]->SendServer(command::kPing, payload); !s.ok())
    return Diverged(c, "sending the closing ping failed: " + s.message());
  Result<Packet> got = Next(c, noise);
  if (!got.ok()) {
    Note("c" + std::to_string(c) + " << nothing: " + got.status().message() + "; expected pong " +
         payload);
    return Diverged(
        c, "expected the pong of its closing ping, got nothing: " + got.status().message());
  }
  if (ClientCommandOf(got.value()) == command::kPong && got->payload == payload) {
    return Status::Ok();
  }
  Note("c" + std::to_string(c) + " << " + ShowPacket(got.value()) +
       "   EXPECTED nothing more (pong " + payload + ")");
  return Diverged(c, "expected nothing more, got " + ShowPacket(got.value()));
}

Status SessionRunner::Finish(const Model& model) {
  pong_table_.assign(model.clients.size(), -1);
  for (int c = 0; c < static_cast<int>(model.clients.size()); ++c) {
    if (!model.clients[c].open) continue;
    Status s = Barrier(c, AtPong(model, c));
    if (s.ok() && ClockRuns(model, c)) s = AwaitState(c);
    if (!s.ok()) {
      const std::string message = Symbolic("after the last step: " + s.message());
      transcript_->Note("FAILED: " + message);
      return Status::Error(s.code(), message);
    }
  }
  return Status::Ok();
}

// A running pong clock sends `state` every tick; the other clock packets may come first.
Status SessionRunner::AwaitState(int c) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    Result<Packet> got = clients_[c]->Receive(options_.timeout_ms);
    if (!got.ok())
      return Diverged(c, "expected pong's clock to send state: " + got.status().message());
    const std::string command = CommandOf(got.value());
    if (command == "state") return Status::Ok();
    ObservePong(c, got.value());
    if (!IsPongNoise(command)) {
      Note("c" + std::to_string(c) + " << " + ShowPacket(got.value()) + "   EXPECTED state");
      return Diverged(c, "expected state, got " + ShowPacket(got.value()));
    }
  }
  return Diverged(c, "expected state, got only other clock packets");
}

Status SessionRunner::Cleanup() {
  clients_.clear();
  const Status status = Dismiss(player_tokens_);
  Forget();
  return status;
}

// Every player of `tokens` that is still there resumes and says `bye`.
Status SessionRunner::Dismiss(const std::vector<std::string>& tokens) {
  Status status = Status::Ok();
  for (const std::string& token : tokens) {
    if (token.empty()) continue;
    Result<std::unique_ptr<SyncClient>> client =
        SyncClient::Connect(target_->host(), target_->port(), options_.timeout_ms);
    if (!client.ok()) return client.status();
    Result<SyncClient::Hello> hello = SyncClient::SayHello(
        std::move(client.value()), ServerCommand(command::kHello).Add(header::kToken, token),
        options_.timeout_ms);
    if (!hello.ok()) return hello.status();
    SyncClient& c = *hello->client;
    // Pong's clock may speak first; the hello reply or an error (gone already) settles it.
    std::string reply = CommandOf(hello->reply);
    while (reply != command::kHello && reply != command::kError) {
      Result<Packet> got = c.Receive(options_.timeout_ms);
      if (!got.ok()) return got.status();
      reply = CommandOf(got.value());
    }
    if (reply == command::kError) continue;
    if (Status s = c.SendServer(command::kBye); !s.ok()) return s;
    if (!c.WaitClosed(options_.timeout_ms)) status = Status::Timeout("bye did not close");
  }
  return status;
}

void SessionRunner::Forget() {
  clients_.clear();
  hellos_.clear();
  player_tokens_.clear();
  table_tokens_.clear();
  versions_before_.clear();
  records_.clear();
  restored_.reset();
  pong_scores_.clear();
  dismissed_ms_ = NowMs();
  step_index_ = 0;
  skipped_noise_ = 0;
}

}  // namespace ggs::props
