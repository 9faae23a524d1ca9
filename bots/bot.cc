// Bot: the coroutine that plays one player's run.
#include "bots/bot.h"

#include <algorithm>
#include <charconv>

#include "base/host_port.h"
#include "base/resolve.h"
#include "core/protocol.h"

namespace ggs::bots {
namespace {

// Inputs are load, not measurement, so their wake-ups are rounded up to this grid: the bots
// of a loop that are due within the same few milliseconds then share one wake-up. Pings keep
// their exact times.
constexpr uint64_t kInputGridUs = 5000;

uint64_t RoundUpToGrid(uint64_t us) {
  return (us + kInputGridUs - 1) / kInputGridUs * kInputGridUs;
}

// The server's error packet as a Status with its code ("error" when it carries none).
Status ServerError(const Packet& packet) {
  const std::string_view code = ErrorCodeOf(packet);
  return Status::Error(code.empty() ? command::kError : std::string(code), packet.payload);
}

// How a lost connection is filed among the errors: the socket's codes are all one thing to
// a load test, a disconnect; the server's closing codes and framing codes speak for themselves.
std::string LossCode(const Status& why) {
  if (why.IsClosed() || why.IsIo()) return "disconnected";
  return why.code();
}

// A connection lost under the bot (not closed by the server with an error of its own): the
// bot reconnects and resumes.
bool IsLost(const Status& why) { return why.IsClosed() || why.IsIo(); }

// A failure worth another try at resuming: the node was unreachable or silent, or went away
// again; an error reply of a server is its answer, and final.
bool IsRetryable(const Status& why) {
  return why.IsClosed() || why.IsIo() || why.IsTimeout() || why.code() == "connect_failed";
}

}  // namespace

Bot::Bot(Scheduler* scheduler, const BotSettings* settings, BotPlan plan, Meter* meter,
         std::unique_ptr<Strategy> strategy)
    : socket_(scheduler),
      settings_(settings),
      plan_(plan),
      meter_(meter),
      strategy_(std::move(strategy)),
      home_(plan.index % settings->servers.size()),
      node_(settings->servers[home_]) {
  if (settings_->websocket) socket_.UseWebSocket();
}

Task<> Bot::Run() {
  co_await socket_.SleepUntil(plan_.start_us);
  const RunClock& clock = meter_->clock();
  if (NowUs() >= clock.end()) {  // Cancelled before this bot's turn came.
    socket_.Shutdown();
    co_return;
  }
  if (Status joined = co_await Join(); !joined.ok()) {
    ++meter_->stats().bots_failed;
    meter_->Error(joined.code());
    socket_.Shutdown();
    co_return;
  }
  const bool churns = plan_.churn_at_us != 0 && plan_.churn_at_us < clock.end();
  Status played = co_await PlayOn(churns ? plan_.churn_at_us : clock.end());
  if (played.ok() && churns && NowUs() < clock.end()) {
    Drop(NowUs());
    co_await socket_.SleepUntil(NowUs() + plan_.churn_pause_us);
    if (Status resumed = co_await Resume(); !resumed.ok()) {
      ++meter_->stats().resume_failures;
      meter_->Error(resumed.code());
      Finish();
      co_return;
    }
    played = co_await PlayOn(clock.end());
  }
  if (!played.ok()) {
    Finish();
    co_return;
  }
  co_await Drain();
  co_await Leave();
  Finish();
}

Task<Status> Bot::Join() {
  Packet hello = ServerCommand(command::kHello);
  hello.Add(header::kGame, settings_->game);
  const uint64_t start = NowUs();
  Status s = co_await Hello(std::move(hello), node_,
                            start + settings_->connect_timeout_us + settings_->hello_timeout_us);
  if (!s.ok()) co_return s;
  const uint64_t now = NowUs();
  if (std::optional<GameInput> first = strategy_->JoinInput()) {
    const Packet p = GameCommand(first->command, std::move(first->args));
    if (Status sent = Send(p, now); !sent.ok()) co_return sent;
  }
  ++meter_->stats().bots_connected;
  meter_->Up();
  StartSchedules(now);
  co_return Status::Ok();
}

Task<Status> Bot::Resume() {
  const uint64_t start = NowUs();
  Status s =
      co_await Rehello(node_, start + settings_->connect_timeout_us + settings_->hello_timeout_us);
  if (!s.ok()) co_return s;
  ++meter_->stats().resumes;
  co_return Status::Ok();
}

Task<Status> Bot::Rehello(const sockaddr_storage& node, uint64_t deadline_us) {
  Packet hello = ServerCommand(command::kHello);
  hello.Add(header::kToken, token_);
  Status s = co_await Hello(std::move(hello), node, deadline_us);
  if (!s.ok()) co_return s;
  meter_->Up();
  // Pings and inputs due while the bot was away are skipped, not sent in a burst.
  const uint64_t now = NowUs();
  if (settings_->ping_period_us) {
    while (next_ping_us_ < now) next_ping_us_ += settings_->ping_period_us;
  }
  next_input_us_ = std::max(next_input_us_, now);
  co_return Status::Ok();
}

// Connects to `node`, sends `hello` and waits for the reply `<player>,<defined>,<table>`,
// following redirects; each connection and each reply within the settings' timeouts and
// `deadline_us`. Fails with the socket's code, the server's error code, or
// FollowRedirect's. A redirect names its node by address (a name would be looked up
// here, blocking the loop).
Task<Status> Bot::Hello(Packet hello, sockaddr_storage node, uint64_t deadline_us) {
  for (;;) {
    const uint64_t start = NowUs();
    Status connected = co_await socket_.Connect(
        node, std::min(deadline_us, start + settings_->connect_timeout_us));
    if (!connected.ok()) co_return connected;
    if (Status s = Send(hello, start); !s.ok()) co_return s;
    const uint64_t deadline = std::min(deadline_us, NowUs() + settings_->hello_timeout_us);
    std::optional<Packet> redirect;
    while (!redirect) {
      Result<Packet> reply = co_await socket_.Read(deadline);
      if (!reply.ok()) co_return reply.status();
      const uint64_t now = NowUs();
      const std::string_view command = ClientCommandOf(*reply);
      if (command == command::kHello) {
        meter_->MessageIn(EncodedSize(*reply), now);
        Result<HelloReply> parsed = ParseHelloReply(reply->payload);
        if (!parsed.ok()) co_return parsed.status();
        token_ = std::move(parsed->player);
        table_ = std::move(parsed->table);
        node_ = node;
        co_return Status::Ok();
      }
      if (command == command::kError) {
        meter_->MessageIn(EncodedSize(*reply), now);
        co_return ServerError(*reply);
      }
      if (command == command::kRedirect) {
        meter_->MessageIn(EncodedSize(*reply), now);
        redirect = std::move(reply.value());
      } else if (Status s = Handle(*reply, now); !s.ok()) {
        co_return s;
      }
    }
    Result<RedirectStep> step = FollowRedirect(hello, *redirect);
    if (!step.ok()) co_return step.status();
    Result<sockaddr_storage> next = ResolveHostPort(step->node);
    if (!next.ok()) co_return Status::Error("bad_redirect", next.status().message());
    ++meter_->stats().redirects;
    socket_.Close();
    hello = std::move(step->hello);
    node = next.value();
  }
}

void Bot::StartSchedules(uint64_t now_us) {
  next_ping_us_ = now_us + plan_.ping_phase_us;
  next_input_us_ = now_us + plan_.input_phase_us;
}

Task<Status> Bot::PlayOn(uint64_t until_us) {
  for (;;) {
    Status played = co_await Play(until_us);
    if (played.ok()) co_return played;
    const uint64_t lost = NowUs();
    if (!IsLost(played) || lost >= meter_->clock().end() || settings_->reconnect_timeout_us == 0) {
      RecordLoss(played, lost);
      co_return played;
    }
    Lose(lost);
    Status back = co_await Reconnect(lost);
    if (!back.ok()) {
      ++meter_->stats().reconnect_failures;
      meter_->Error(LossCode(played));
      co_return back;
    }
    ++meter_->stats().reconnects;
    meter_->stats().resume_time.Record(NowUs() - lost);
  }
}

// Tries the next node after the bot's own first, then the others, its own last (with one
// node, that one), round after round, until a resume succeeds, a server refuses it, or the
// reconnect timeout (or the run's end) passes.
Task<Status> Bot::Reconnect(uint64_t lost_us) {
  const uint64_t deadline =
      std::min(lost_us + settings_->reconnect_timeout_us, meter_->clock().end());
  const size_t nodes = settings_->servers.size();
  Status last = Status::Timeout("no time left to reconnect");
  while (NowUs() < deadline) {
    for (size_t k = 1; k <= nodes && NowUs() < deadline; ++k) {
      const size_t i = (home_ + k) % nodes;
      last = co_await Rehello(settings_->servers[i], deadline);
      if (last.ok()) {
        home_ = i;
        co_return last;
      }
      socket_.Close();
      if (!IsRetryable(last)) co_return last;
    }
    co_await socket_.SleepUntil(std::min(NowUs() + settings_->reconnect_pause_us, deadline));
  }
  co_return last;
}

// The bot's event loop: read packets until the next ping or input is due, send what is due,
// until `until_us` or the run's end. Fails when the connection does.
Task<Status> Bot::Play(uint64_t until_us) {
  const RunClock& clock = meter_->clock();
  for (;;) {
    const uint64_t now = NowUs();
    if (Status s = SendDue(now); !s.ok()) co_return s;
    const uint64_t stop = std::min(until_us, clock.end());
    if (now >= stop) co_return Status::Ok();
    uint64_t wake = stop;
    if (settings_->ping_period_us) wake = std::min(wake, next_ping_us_);
    if (settings_->input_period_us) wake = std::min(wake, RoundUpToGrid(next_input_us_));
    Result<Packet> packet = co_await socket_.Read(wake);
    if (packet.ok()) {
      if (Status s = Handle(*packet, NowUs()); !s.ok()) co_return s;
    } else if (!packet.status().IsTimeout()) {
      co_return packet.status();
    }
  }
}

Status Bot::SendDue(uint64_t now_us) {
  const uint64_t end = meter_->clock().end();
  // A late bot sends every ping it owes, each stamped with its own scheduled time, so that
  // the lateness shows in the round trips.
  while (settings_->ping_period_us && next_ping_us_ <= now_us && next_ping_us_ < end) {
    if (Status s = SendPing(next_ping_us_, now_us); !s.ok()) return s;
    next_ping_us_ += settings_->ping_period_us;
  }
  if (!settings_->input_period_us || next_input_us_ > now_us || now_us >= end) return Status::Ok();
  next_input_us_ += settings_->input_period_us;
  // Inputs are load, not measurement: missed ones are skipped rather than bunched.
  if (next_input_us_ <= now_us) next_input_us_ = now_us + settings_->input_period_us;
  std::optional<GameInput> input = strategy_->NextInput(now_us);
  if (!input) return Status::Ok();
  return Send(GameCommand(input->command, std::move(input->args)), now_us);
}

Status Bot::SendPing(uint64_t scheduled_us, uint64_t now_us) {
  if (Status s = Send(ServerCommand(command::kPing, std::to_string(scheduled_us)), now_us);
      !s.ok()) {
    return s;
  }
  pings_in_flight_.push_back(scheduled_us);
  meter_->PingSent(scheduled_us, now_us);
  return Status::Ok();
}

Status Bot::Send(const Packet& packet, uint64_t now_us) {
  const std::string bytes = Encode(packet);
  if (Status s = socket_.Write(bytes); !s.ok()) return s;
  meter_->MessageOut(bytes.size(), now_us);
  return Status::Ok();
}

// Handles one packet from the server. Fails when the server is closing the connection.
Status Bot::Handle(const Packet& packet, uint64_t now_us) {
  meter_->MessageIn(EncodedSize(packet), now_us);
  const std::string_view command = ClientCommandOf(packet);
  if (command.empty()) {
    return Status::Error("unexpected_packet", "a packet without a client command");
  }
  if (command == command::kPong) {
    OnPong(packet.payload, now_us);
  } else if (command == command::kError) {
    Status error = ServerError(packet);
    if (error::ClosesConnection(error.code())) return error;
    meter_->Error(error.code());
  } else if (command == command::kBye) {
    return Status::Error("unexpected_bye", "the server said bye");
  } else {
    ++meter_->stats().game_messages;
    if (command == "invalid") meter_->Error("invalid");
    strategy_->OnGameCommand(command, packet.payload, now_us);
  }
  return Status::Ok();
}

void Bot::OnPong(const std::string& payload, uint64_t now_us) {
  uint64_t scheduled = 0;
  auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), scheduled);
  if (ec != std::errc() || end != payload.data() + payload.size()) return;
  // Pongs come back in order, so the match is nearly always the oldest ping.
  const auto it = std::find(pings_in_flight_.begin(), pings_in_flight_.end(), scheduled);
  if (it == pings_in_flight_.end()) return;  // From before a dropped connection.
  pings_in_flight_.erase(it);
  meter_->PongReceived(scheduled, now_us);
}

// Drops the connection on purpose (churn).
void Bot::Drop(uint64_t now_us) {
  ++meter_->stats().churn_drops;
  LetGo(now_us);
}

// The connection was lost under the bot, which will try to resume.
void Bot::Lose(uint64_t now_us) {
  ++meter_->stats().disconnects;
  LetGo(now_us);
}

// Closes the connection before a resume: what was in flight is lost, not late.
void Bot::LetGo(uint64_t now_us) {
  socket_.Close();
  meter_->stats().pings_lost += pings_in_flight_.size();
  pings_in_flight_.clear();
  strategy_->OnDisconnected(now_us);
  meter_->Down();
}

void Bot::RecordLoss(const Status& why, uint64_t now_us) {
  socket_.Close();
  ++meter_->stats().disconnects;
  meter_->Error(LossCode(why));
  strategy_->OnDisconnected(now_us);
  meter_->Down();
  for (uint64_t scheduled : pings_in_flight_) meter_->PingUnanswered(scheduled, now_us);
  pings_in_flight_.clear();
}

// Gives the last pings a moment to come back; those that do not are recorded with the time
// they waited, a lower bound of their round trip.
Task<> Bot::Drain() {
  const uint64_t until = meter_->clock().end() + settings_->drain_us;
  while (!pings_in_flight_.empty() && NowUs() < until) {
    Result<Packet> packet = co_await socket_.Read(until);
    if (!packet.ok() || !Handle(*packet, NowUs()).ok()) break;
  }
  const uint64_t now = NowUs();
  for (uint64_t scheduled : pings_in_flight_) meter_->PingUnanswered(scheduled, now);
  pings_in_flight_.clear();
}

Task<> Bot::Leave() {
  const uint64_t now = NowUs();
  if (Send(ServerCommand(command::kBye), now).ok()) {
    const uint64_t deadline = now + settings_->bye_timeout_us;
    for (;;) {
      Result<Packet> packet = co_await socket_.Read(deadline);
      if (!packet.ok()) break;
      meter_->MessageIn(EncodedSize(*packet), NowUs());
      if (ClientCommandOf(*packet) == command::kBye) break;
    }
  }
  meter_->Down();
}

void Bot::Finish() {
  socket_.Shutdown();
  strategy_->Finish(NowUs(), table_, meter_->stats());
}

}  // namespace ggs::bots
