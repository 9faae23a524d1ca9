// Bot: one simulated player, a coroutine on a loop thread. It connects at its planned time,
// says hello to a table of its game, then plays: it hands the game's commands to its
// strategy, sends the strategy's inputs at the input rate, and sends a ping at the ping
// rate, recording each round trip from the ping's scheduled time. A bot picked for churn
// drops its connection once and resumes with its token. Every hello follows `redirect`
// replies (FollowRedirect of core/protocol.h). A bot whose connection is lost (its node
// died, or the network failed) reconnects and resumes with its token: at the next node of
// the list first, then the others, its own last, round after round until it is back or
// the reconnect timeout passes. At the end it waits briefly for its last pongs, says bye
// and closes.
//
// Thread: the loop's thread only.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "bots/bot_socket.h"
#include "bots/meter.h"
#include "bots/scheduler.h"
#include "bots/strategy.h"
#include "bots/task.h"
#include "core/protocol.h"
#include "core/status.h"

namespace ggs::bots {

// What every bot of a run shares.
struct BotSettings {
  // The nodes; bot i starts at servers[i % size]. REQUIRES: not empty.
  std::vector<sockaddr_storage> servers;
  bool websocket = false;  // Connect to the server's HTTP listener and play over /ws.
  std::string game;
  uint64_t ping_period_us = 1000000;  // 0: no pings.
  uint64_t input_period_us = 50000;   // 0: no inputs.
  uint64_t connect_timeout_us = 10000000;
  uint64_t hello_timeout_us = 10000000;
  uint64_t drain_us = 1000000;  // How long a bot waits for its last pongs after the end.
  uint64_t bye_timeout_us = 2000000;
  // How long a bot that lost its connection keeps trying to resume (never past the run's
  // end), and the pause between its rounds over the nodes.
  uint64_t reconnect_timeout_us = 10000000;
  uint64_t reconnect_pause_us = 200000;
};

// What is particular to one bot.
struct BotPlan {
  size_t index = 0;
  uint64_t start_us = 0;        // When it connects (its place in the ramp).
  uint64_t ping_phase_us = 0;   // Its first ping comes this long after its hello.
  uint64_t input_phase_us = 0;  // Likewise its first input.
  uint64_t churn_at_us = 0;     // When it drops its connection; 0: never.
  uint64_t churn_pause_us = 0;  // How long it stays away before resuming.
};

class Bot {
 public:
  // The pointers must outlive the bot; `scheduler` (whose loop the bot runs on) and `meter`
  // are the loop thread's.
  Bot(Scheduler* scheduler, const BotSettings* settings, BotPlan plan, Meter* meter,
      std::unique_ptr<Strategy> strategy);

  // Plays the whole run. Every outcome is recorded in the meter; the task never fails.
  Task<> Run();

 private:
  Task<Status> Join();
  Task<Status> Resume();
  // Says hello with the bot's token at `node`, by `deadline_us`.
  Task<Status> Rehello(const sockaddr_storage& node, uint64_t deadline_us);
  Task<Status> Hello(Packet hello, sockaddr_storage node, uint64_t deadline_us);
  Task<Status> Play(uint64_t until_us);
  // Plays until `until_us`, reconnecting after each lost connection. Fails when the bot
  // cannot go on (the loss is recorded then).
  Task<Status> PlayOn(uint64_t until_us);
  Task<Status> Reconnect(uint64_t lost_us);
  Task<> Drain();
  Task<> Leave();

  Status SendDue(uint64_t now_us);
  Status SendPing(uint64_t scheduled_us, uint64_t now_us);
  Status Send(const Packet& packet, uint64_t now_us);
  Status Handle(const Packet& packet, uint64_t now_us);
  void OnPong(const std::string& payload, uint64_t now_us);
  void StartSchedules(uint64_t now_us);
  void Drop(uint64_t now_us);
  void Lose(uint64_t now_us);
  void LetGo(uint64_t now_us);
  void RecordLoss(const Status& why, uint64_t now_us);
  void Finish();

  BotSocket socket_;
  const BotSettings* settings_;
  BotPlan plan_;
  Meter* meter_;
  std::unique_ptr<Strategy> strategy_;
  size_t home_;              // The index in settings_->servers of the node it started at.
  sockaddr_storage node_{};  // The node that seated it (where redirects led).
  std::string token_;        // The player token, for resuming.
  std::string table_;
  uint64_t next_ping_us_ = 0;
  uint64_t next_input_us_ = 0;
  std::deque<uint64_t> pings_in_flight_;  // Their scheduled times, oldest first.
};

}  // namespace ggs::bots
