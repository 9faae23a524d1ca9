// TablePlayers: many players of a one-seat game, each at its own table over its own
// connection to a server on 127.0.0.1, driven together by coroutines (bots/task.h) on one
// bots::Scheduler loop on the calling thread. The worker scenarios' client
// (bench/worker_scenarios.h): it tells how long each table took to reply, which the
// closed-loop throughput client (bench/load_client.h) does not.
//
// It works in phases. A phase runs the loop until every player has finished its part, so
// between phases nothing is in flight and the caller may act — kill a worker — and then
// start the next phase at a moment it knows.
//
// Thread: the calling thread only; one phase at a time. Each phase blocks until it ends.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bots/histogram.h"
#include "bots/scheduler.h"
#include "bots/task.h"
#include "core/status.h"

namespace ggs::bench {

class TablePlayers {
 public:
  // Makes the loop for players of the server at 127.0.0.1:`port`. Fails with code
  // "internal" when the loop cannot be made (bots::Scheduler::Create).
  static Result<std::unique_ptr<TablePlayers>> Create(int port);
  // Closes every connection and the loop.
  ~TablePlayers();
  TablePlayers(const TablePlayers&) = delete;
  TablePlayers& operator=(const TablePlayers&) = delete;

  // Adds `n` players. Each connects, sends the bytes `hello` and waits for the hello reply,
  // then (when `command` is not empty) sends the bytes `command` and waits for one reply
  // that is not an error: the table answers. A player that fails a step (its connection
  // fails or closes, an error reply, nothing within 10 s) is dropped. Returns how many
  // players are ready now, over every Join.
  size_t Join(size_t n, const std::string& hello, const std::string& command);

  // The outcome of one command sent by every ready player at once.
  struct Answers {
    std::vector<uint64_t> reply_us;  // Per player answered: microseconds from `since_us`.
    size_t errors = 0;               // Players answered with an error packet.
    size_t dropped = 0;  // Players whose connection failed or closed, or that had no reply.
  };
  // Sends the bytes `command` on every ready player's connection, one after the other
  // without waiting, then waits for each one's first reply packet (at most `timeout_us`).
  // Times are measured from `since_us` (bots::NowUs()'s clock): the caller's moment, such as
  // the kill of a worker just before. A dropped player is no longer ready.
  Answers AskAll(const std::string& command, uint64_t since_us, uint64_t timeout_us);

  // The figures of a closed loop or a paced load.
  struct LoopFigures {
    bots::Histogram rtt;                     // One value per round trip, microseconds.
    std::map<std::string, uint64_t> errors;  // Error replies by their Error-Code.
    size_t dropped = 0;                      // Players lost as in AskAll.
  };
  // Every ready player sends the bytes `command`, waits for the reply (any packet, an error
  // too), and sends again, until bots::NowUs() reaches `end_us`: one command in flight per
  // player. A reply later than 10 s drops its player.
  LoopFigures Loop(const std::string& command, uint64_t end_us);

  // Every ready player sends the bytes `command` every `period_us`, whether or not its
  // earlier commands have been answered (the players' schedules staggered over one period),
  // until bots::NowUs() reaches `end_us`, then waits for the replies still due. A round trip
  // is timed from the command's scheduled time, and a player that falls behind sends every
  // command it owes, each stamped with its own schedule: so a table that stops answering
  // for a second shows as a second's worth of late replies, not as one slow round trip
  // (which is what a closed loop would record). A reply more than 10 s late drops its player.
  LoopFigures Paced(const std::string& command, uint64_t period_us, uint64_t end_us);

  size_t ready() const;

  struct Player;  // One connection and whether it is ready; defined in table_players.cc.

 private:
  explicit TablePlayers(std::unique_ptr<bots::Scheduler> scheduler, int port);
  void RunUntilDone(std::vector<bots::Task<>>& tasks);
  bots::Task<> JoinOne(Player* p, const std::string& hello, const std::string& command);
  bots::Task<> AwaitAnswer(Player* p, uint64_t since_us, uint64_t deadline_us, Answers* out);
  bots::Task<> LoopOne(Player* p, const std::string& command, uint64_t end_us, LoopFigures* out);
  bots::Task<> PacedOne(Player* p, const std::string& command, uint64_t first_us,
                        uint64_t period_us, uint64_t end_us, LoopFigures* out);

  std::unique_ptr<bots::Scheduler> scheduler_;
  int port_;
  std::vector<std::unique_ptr<Player>> players_;
};

}  // namespace ggs::bench
