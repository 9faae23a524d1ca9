// TablePlayers: the phases, each a coroutine per player on the one loop.
#include "bench/table_players.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "bots/bot_socket.h"
#include "bots/run_clock.h"
#include "core/protocol.h"

namespace ggs::bench {
namespace {

constexpr uint64_t kStepTimeoutUs = 10000000;  // Connect, hello, or one reply: 10 s.

sockaddr_storage Loopback(int port) {
  sockaddr_storage storage{};
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<uint16_t>(port));
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::memcpy(&storage, &in, sizeof in);
  return storage;
}

bool IsError(const Packet& p) { return ClientCommandOf(p) == command::kError; }

}  // namespace

struct TablePlayers::Player {
  explicit Player(bots::Scheduler* s) : socket(s) {}
  bots::BotSocket socket;
  bool ready = false;
  // Ends the player: closes its connection; it takes part in no further phase.
  void Drop() {
    ready = false;
    socket.Close();
  }
};

Result<std::unique_ptr<TablePlayers>> TablePlayers::Create(int port) {
  Result<std::unique_ptr<bots::Scheduler>> scheduler = bots::Scheduler::Create();
  if (!scheduler.ok()) return scheduler.status();
  return std::unique_ptr<TablePlayers>(new TablePlayers(std::move(scheduler.value()), port));
}

TablePlayers::TablePlayers(std::unique_ptr<bots::Scheduler> scheduler, int port)
    : scheduler_(std::move(scheduler)), port_(port) {}

TablePlayers::~TablePlayers() {
  for (auto& p : players_) p->socket.Shutdown();
  scheduler_->Close();
  scheduler_->Run();  // Until every close has finished.
  players_.clear();
  (void)scheduler_->End();  // Nothing is left open on the loop, so it closes.
}

size_t TablePlayers::ready() const {
  size_t n = 0;
  for (const auto& p : players_) n += p->ready ? 1 : 0;
  return n;
}

// Starts every task, then runs the loop until each has finished. Every wait of a task has a
// deadline, so each one finishes.
void TablePlayers::RunUntilDone(std::vector<bots::Task<>>& tasks) {
  for (bots::Task<>& t : tasks) t.Start();
  for (bots::Task<>& t : tasks) {
    while (!t.done()) scheduler_->RunOnce();
  }
  tasks.clear();
}

size_t TablePlayers::Join(size_t n, const std::string& hello, const std::string& command) {
  std::vector<bots::Task<>> tasks;
  for (size_t i = 0; i < n; ++i) {
    players_.push_back(std::make_unique<Player>(scheduler_.get()));
    tasks.push_back(JoinOne(players_.back().get(), hello, command));
  }
  RunUntilDone(tasks);
  return ready();
}

bots::Task<> TablePlayers::JoinOne(Player* p, const std::string& hello,
                                   const std::string& command) {
  const uint64_t deadline = bots::NowUs() + kStepTimeoutUs;
  if (!(co_await p->socket.Connect(Loopback(port_), deadline)).ok() ||
      !p->socket.Write(hello).ok()) {
    co_return p->Drop();
  }
  Result<Packet> reply = co_await p->socket.Read(deadline);
  if (!reply.ok() || ClientCommandOf(*reply) != command::kHello) co_return p->Drop();
  if (!command.empty()) {
    if (!p->socket.Write(command).ok()) co_return p->Drop();
    reply = co_await p->socket.Read(bots::NowUs() + kStepTimeoutUs);
    if (!reply.ok() || IsError(*reply)) co_return p->Drop();
  }
  p->ready = true;
}

TablePlayers::Answers TablePlayers::AskAll(const std::string& command, uint64_t since_us,
                                           uint64_t timeout_us) {
  Answers out;
  std::vector<Player*> asked;
  for (auto& p : players_) {
    if (!p->ready) continue;
    if (p->socket.Write(command).ok()) {
      asked.push_back(p.get());
    } else {
      ++out.dropped;
      p->Drop();
    }
  }
  const uint64_t deadline = bots::NowUs() + timeout_us;
  std::vector<bots::Task<>> tasks;
  for (Player* p : asked) tasks.push_back(AwaitAnswer(p, since_us, deadline, &out));
  RunUntilDone(tasks);
  return out;
}

bots::Task<> TablePlayers::AwaitAnswer(Player* p, uint64_t since_us, uint64_t deadline_us,
                                       Answers* out) {
  Result<Packet> reply = co_await p->socket.Read(deadline_us);
  const uint64_t now = bots::NowUs();
  if (!reply.ok()) {
    ++out->dropped;
    co_return p->Drop();
  }
  if (IsError(*reply)) {
    ++out->errors;
    co_return;
  }
  out->reply_us.push_back(now > since_us ? now - since_us : 0);
}

TablePlayers::LoopFigures TablePlayers::Loop(const std::string& command, uint64_t end_us) {
  LoopFigures out;
  std::vector<bots::Task<>> tasks;
  for (auto& p : players_) {
    if (p->ready) tasks.push_back(LoopOne(p.get(), command, end_us, &out));
  }
  RunUntilDone(tasks);
  return out;
}

bots::Task<> TablePlayers::LoopOne(Player* p, const std::string& command, uint64_t end_us,
                                   LoopFigures* out) {
  for (uint64_t sent = bots::NowUs(); sent < end_us; sent = bots::NowUs()) {
    Result<Packet> reply = Status::Closed("write failed");
    if (p->socket.Write(command).ok()) reply = co_await p->socket.Read(sent + kStepTimeoutUs);
    if (!reply.ok()) {
      ++out->dropped;
      co_return p->Drop();
    }
    out->rtt.Record(bots::NowUs() - sent);
    if (IsError(*reply)) ++out->errors[std::string(ErrorCodeOf(*reply))];
  }
}

TablePlayers::LoopFigures TablePlayers::Paced(const std::string& command, uint64_t period_us,
                                              uint64_t end_us) {
  LoopFigures out;
  std::vector<Player*> ready_players;
  for (auto& p : players_) {
    if (p->ready) ready_players.push_back(p.get());
  }
  const uint64_t start = bots::NowUs();
  std::vector<bots::Task<>> tasks;
  for (size_t i = 0; i < ready_players.size(); ++i) {
    const uint64_t first = start + period_us * i / ready_players.size();
    tasks.push_back(PacedOne(ready_players[i], command, first, period_us, end_us, &out));
  }
  RunUntilDone(tasks);
  return out;
}

bots::Task<> TablePlayers::PacedOne(Player* p, const std::string& command, uint64_t first_us,
                                    uint64_t period_us, uint64_t end_us, LoopFigures* out) {
  std::deque<uint64_t> due;  // The scheduled times of the commands not yet answered.
  uint64_t next = first_us;
  for (;;) {
    const uint64_t now = bots::NowUs();
    for (; next <= now && next < end_us; next += period_us) {
      if (!p->socket.Write(command).ok()) {
        ++out->dropped;
        co_return p->Drop();
      }
      due.push_back(next);
    }
    if (next >= end_us && due.empty()) co_return;
    // Read until the next command is due, or until the oldest unanswered one is given up.
    uint64_t wake = next < end_us ? next : UINT64_MAX;
    if (!due.empty()) wake = std::min(wake, due.front() + kStepTimeoutUs);
    Result<Packet> reply = co_await p->socket.Read(wake);
    if (reply.ok()) {
      if (due.empty()) continue;  // Nothing was asked: not a reply.
      out->rtt.Record(bots::NowUs() - due.front());
      due.pop_front();
      if (IsError(*reply)) ++out->errors[std::string(ErrorCodeOf(*reply))];
      continue;
    }
    const bool given_up = !due.empty() && bots::NowUs() >= due.front() + kStepTimeoutUs;
    if (!reply.status().IsTimeout() || given_up) {
      ++out->dropped;
      co_return p->Drop();
    }
  }
}

}  // namespace ggs::bench
