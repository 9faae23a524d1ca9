// SessionRunner: plays a session's steps against a real server and checks every packet
// against the model — the system under test side of the stateful property.
//
// For each step it writes the step's bytes (cut where the step says), then reads from
// every client exactly the packets Predict() expects, in order, each within the timeout;
// pong's clock packets are skipped where the model allows them. The acting client then
// sends a ping and must get its pong next, which proves that nothing unexpected was sent
// to it and that the server finished the step before the next one starts. Everything is
// recorded in the transcript, with tokens written as <player#N> and <table#N>.
//
// Thread: one thread. The runner owns its client connections; the target outlives it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/sync_client.h"
#include "core/protocol.h"
#include "core/status.h"
#include "props/durability.h"
#include "props/session_model.h"
#include "props/step.h"
#include "props/target.h"
#include "props/transcript.h"

namespace ggs::props {

struct RunnerOptions {
  int timeout_ms = 2000;    // Longest wait for one expected packet.
  std::string chat_source;  // games/chat/chat.js, which `define` steps send.
  // The shipped source of each game in kUploadableGames, which `upload` steps send.
  std::map<std::string, std::string> game_sources;
};

class SessionRunner {
 public:
  // `target` and `transcript` must outlive the runner.
  SessionRunner(Target* target, RunnerOptions options, Transcript* transcript);
  ~SessionRunner();
  SessionRunner(const SessionRunner&) = delete;
  SessionRunner& operator=(const SessionRunner&) = delete;

  // Runs `step`, which follows `before`. Fails (code "diverged", "timeout", "crash", ...)
  // with a message naming the step, the client and what differed from the prediction.
  // REQUIRES: Applicable(before, step).
  Status Execute(const Model& before, const Step& step);
  // The model after `step`, which Execute() just ran after `before`: Predict()'s, except
  // after a restart or a kill, where it is what the database kept (props/durability.h).
  Model ModelAfter(const Model& before, const Step& step) const;
  // Ends a session whose steps all passed: every open connection must answer a ping next,
  // and one at a pong table whose clock runs must then get a `state`.
  Status Finish(const Model& model);
  // Makes the server forget the session (every player it created leaves), so that the next
  // session starts from an empty server. Not part of the property; fails only when the
  // server does not answer. Resets the runner for a new session.
  Status Cleanup();
  // Resets the runner for a new session without telling the server (which is being reset).
  void Forget();

  int steps() const { return step_index_; }
  // `text` with every token this session learned written as <player#N> or <table#N>.
  std::string Symbolic(std::string text) const;

 private:
  Status Act(const Model& before, const Step& step);
  Status Send(int client, const Step& step, const std::string& bytes);
  Status CheckClient(int client, const ClientExpectation& expectation);
  Status CheckClosed(int client, bool noise);
  Status Match(const Packet& got, const Expected& want);
  Status MatchHello(const Packet& got, const Expected& want);
  Status MatchUpload(const Packet& got, const ExpectedUpload& want);
  Status Restart(const Model& before, const Step& step);
  void ObservePong(int client, const Packet& packet);
  Status CheckPongScores(const Model& before, const std::vector<StoredTable>& stored,
                         double certain_before);
  Status Dismiss(const std::vector<std::string>& player_tokens);
  Status Barrier(int client, bool noise);
  Status AwaitState(int client);
  Result<Packet> Next(int client, bool noise);
  // When `got` is a `redirect` answering the hello `client` sent last, follows it (and any
  // further ones) to the node that seats the client, whose connection replaces the
  // client's, and makes `got` that node's reply.
  Status FollowRedirects(int client, Result<Packet>& got);
  Status Diverged(int client, const std::string& message) const;
  std::string ShowPacket(const Packet& packet) const;
  void Note(const std::string& line);

  Target* target_;
  RunnerOptions options_;
  Transcript* transcript_;
  std::vector<std::unique_ptr<SyncClient>> clients_;
  // By client: the hello it sent last, while its reply may still be a redirect.
  std::map<int, Packet> hellos_;
  std::vector<std::string> player_tokens_;  // By the model's player index.
  std::vector<std::string> table_tokens_;   // By the model's table index.
  // Per game, the version before this session's first upload of it (learned from the reply).
  std::map<std::string, int> versions_before_;
  // The session's durable facts after each acknowledged step since the session began or
  // the server last restarted (the first record, the state then, is certain).
  std::vector<FactsRecord> records_;
  std::optional<Model> restored_;  // The model the last restart found, until the next step.
  // Pong's score as GGS.world holds it (docs: games/pong/README.md), which only its clock
  // changes: what each table's clients saw of it in its world_set packets, and when.
  struct PongScore {
    int games = 0, left = 0, right = 0;
  };
  std::map<int, std::vector<std::pair<double, PongScore>>> pong_scores_;  // By table.
  std::vector<int> pong_table_;  // By client: the pong table whose clock packets it reads.
  // When the session began, or the runner last dismissed tables of an earlier session that
  // a kill brought back (props/session_runner.cc, Restart): until that is certain, a kill
  // may bring them back again.
  double dismissed_ms_ = 0;
  int step_index_ = 0;
  int skipped_noise_ = 0;  // Pong clock packets the last Next() skipped.
};

}  // namespace ggs::props
