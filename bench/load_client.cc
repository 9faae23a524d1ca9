// The load generator: connections, windows of messages (closed loop) or paced messages
// (open loop), and the measurement window's counters.
#include "bench/load_client.h"

#include <time.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "bench/stream_write.h"
#include "bots/proc_stats.h"
#include "core/protocol.h"

namespace ggs::bench {
namespace {

constexpr uint64_t kGiveUpMs = 15000;  // Connections not ready by then are left behind.

struct LoadRun;

struct Conn {
  uv_tcp_t tcp;
  uv_connect_t connect;
  LoadRun* run = nullptr;
  Parser parser;
  size_t partial = 0;  // Echo mode: bytes of a reply not yet complete.
  bool ready = false;
  bool settled = false;  // Ready or failed: counted once.
};

// Everything of one run; lives on RunLoad's stack while its loop runs.
struct LoadRun {
  const LoadOptions* options = nullptr;
  uv_loop_t loop;
  uv_timer_t phase;    // Warm-up, then the window.
  uv_timer_t give_up;  // Ends the wait for stragglers.
  uv_timer_t pace;     // Open loop: sends what is due, every millisecond.
  std::vector<std::unique_ptr<Conn>> conns;
  uint64_t pace_start_ns = 0;
  uint64_t paced = 0;  // Messages the pacer has sent (or skipped for a closed connection).
  size_t next = 0;     // The connection the pacer sends to next.
  std::string burst;   // `window` messages back to back.
  size_t settled = 0;
  bool started = false;
  uint64_t sent = 0, received = 0, errors = 0;
  uint64_t sent_at_start = 0, received_at_start = 0, errors_at_start = 0;
  uint64_t start_ns = 0;
  double cpu_at_start = 0;
  bots::ProcessSample server_at_start;
  LoadFigures figures;
};

char read_buffer[64 * 1024];

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

uv_handle_t* AsHandle(auto* h) { return reinterpret_cast<uv_handle_t*>(h); }
uv_stream_t* AsStream(auto* h) { return reinterpret_cast<uv_stream_t*>(h); }

void Fail(Conn* c);

void Write(Conn* c, std::string_view bytes) {
  if (uv_is_closing(AsHandle(&c->tcp))) return;
  if (!WriteOrQueue(AsStream(&c->tcp), bytes)) Fail(c);
}

// Sends `count` messages, at most a window's worth per write.
void SendMessages(Conn* c, uint64_t count) {
  LoadRun* run = c->run;
  const size_t size = run->options->message.size();
  while (count > 0) {
    uint64_t n = std::min<uint64_t>(count, run->options->window);
    Write(c, std::string_view(run->burst).substr(0, n * size));
    run->sent += n;
    count -= n;
  }
}

void StartPhases(LoadRun* run);

void Settle(LoadRun* run) {
  if (++run->settled == run->conns.size()) StartPhases(run);
}

void Fail(Conn* c) {
  if (!uv_is_closing(AsHandle(&c->tcp))) uv_close(AsHandle(&c->tcp), nullptr);
  if (c->settled) return;
  c->settled = true;
  c->run->figures.failed++;
  Settle(c->run);
}

void Ready(Conn* c) {
  c->ready = c->settled = true;
  c->run->figures.connections++;
  if (c->run->options->rate_hz <= 0) SendMessages(c, c->run->options->window);
  Settle(c->run);
}

// Open loop: every message due since the pace started, one per connection in turn.
void OnPace(uv_timer_t* timer) {
  auto* run = static_cast<LoadRun*>(timer->data);
  const double elapsed_s = static_cast<double>(uv_hrtime() - run->pace_start_ns) * 1e-9;
  const auto due = static_cast<uint64_t>(elapsed_s * run->options->rate_hz *
                                         static_cast<double>(run->conns.size()));
  for (; run->paced < due; ++run->paced) {
    Conn* c = run->conns[run->next].get();
    run->next = (run->next + 1) % run->conns.size();
    if (!c->ready || uv_is_closing(AsHandle(&c->tcp))) continue;
    Write(c, run->options->message);
    run->sent++;
  }
}

void OnPacket(Conn* c, const Packet& p) {
  const std::string_view command = ClientCommandOf(p);
  const bool error = command == command::kError;
  if (c->settled && !c->ready) return;
  if (!c->ready) {
    if (command == command::kHello) {
      Ready(c);
    } else {
      Fail(c);
    }
    return;
  }
  c->run->received++;
  if (error) c->run->errors++;
  if (c->run->options->rate_hz <= 0) SendMessages(c, 1);
}

void Alloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(read_buffer, sizeof read_buffer);
}

void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(stream->data);
  if (nread < 0) {
    if (!c->ready) return Fail(c);
    if (!uv_is_closing(AsHandle(stream))) uv_close(AsHandle(stream), nullptr);
    return;
  }
  LoadRun* run = c->run;
  if (run->options->hello.empty()) {
    c->partial += static_cast<size_t>(nread);
    uint64_t replies = c->partial / run->options->message.size();
    c->partial %= run->options->message.size();
    run->received += replies;
    if (run->options->rate_hz <= 0) SendMessages(c, replies);
    return;
  }
  c->parser.Feed(std::string_view(buf->base, static_cast<size_t>(nread)));
  while (auto packet = c->parser.Next()) OnPacket(c, *packet);
  if (!c->parser.error().ok()) Fail(c);
}

void OnConnect(uv_connect_t* req, int status) {
  auto* c = static_cast<Conn*>(req->data);
  if (status != 0) return Fail(c);
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start(AsStream(&c->tcp), Alloc, OnRead);
  if (c->run->options->hello.empty()) return Ready(c);
  Write(c, c->run->options->hello);
}

void CloseAll(uv_handle_t* handle, void*) {
  if (!uv_is_closing(handle)) uv_close(handle, nullptr);
}

void OnWindowEnd(uv_timer_t* timer) {
  auto* run = static_cast<LoadRun*>(timer->data);
  LoadFigures& f = run->figures;
  f.window_s = static_cast<double>(uv_hrtime() - run->start_ns) * 1e-9;
  f.msgs_out = run->sent - run->sent_at_start;
  f.msgs_in = run->received - run->received_at_start;
  f.errors = run->errors - run->errors_at_start;
  f.client_cpu_s = ThreadCpuSeconds() - run->cpu_at_start;
  if (run->options->server_pid != 0) {
    Result<bots::ProcessSample> end = bots::SampleProcessTree(run->options->server_pid);
    if (end.ok()) {
      f.server_cpu_s = end->cpu_s - run->server_at_start.cpu_s;
      f.server_rss_mb = end->rss_mb;
    }
  }
  uv_walk(&run->loop, CloseAll, nullptr);
}

void OnWarmupEnd(uv_timer_t* timer) {
  auto* run = static_cast<LoadRun*>(timer->data);
  run->sent_at_start = run->sent;
  run->received_at_start = run->received;
  run->errors_at_start = run->errors;
  run->start_ns = uv_hrtime();
  run->cpu_at_start = ThreadCpuSeconds();
  if (run->options->server_pid != 0) {
    Result<bots::ProcessSample> start = bots::SampleProcessTree(run->options->server_pid);
    if (start.ok()) run->server_at_start = *start;
  }
  uv_timer_start(&run->phase, OnWindowEnd, static_cast<uint64_t>(run->options->duration_s * 1000),
                 0);
}

void StartPhases(LoadRun* run) {
  if (run->started) return;
  run->started = true;
  uv_timer_stop(&run->give_up);
  if (run->figures.connections == 0) return uv_walk(&run->loop, CloseAll, nullptr);
  if (run->options->rate_hz > 0) {
    run->pace_start_ns = uv_hrtime();
    uv_timer_start(&run->pace, OnPace, 1, 1);
  }
  uv_timer_start(&run->phase, OnWarmupEnd, static_cast<uint64_t>(run->options->warmup_s * 1000), 0);
}

void OnGiveUp(uv_timer_t* timer) { StartPhases(static_cast<LoadRun*>(timer->data)); }

}  // namespace

Result<LoadFigures> RunLoad(const LoadOptions& options) {
  if (options.connections == 0 || options.message.empty() || options.window == 0 ||
      options.rate_hz < 0) {
    return Status::Error("bad_options",
                         "a load needs connections, a message, a window and a rate of at least 0");
  }
  LoadRun run;
  run.options = &options;
  for (size_t i = 0; i < options.window; ++i) run.burst += options.message;
  uv_loop_init(&run.loop);
  uv_timer_init(&run.loop, &run.phase);
  uv_timer_init(&run.loop, &run.give_up);
  uv_timer_init(&run.loop, &run.pace);
  run.phase.data = run.give_up.data = run.pace.data = &run;
  uv_timer_start(&run.give_up, OnGiveUp, kGiveUpMs, 0);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", options.port, &addr);
  for (size_t i = 0; i < options.connections; ++i) {
    auto c = std::make_unique<Conn>();
    c->run = &run;
    uv_tcp_init(&run.loop, &c->tcp);
    c->tcp.data = c->connect.data = c.get();
    Conn* raw = c.get();
    run.conns.push_back(std::move(c));
    if (uv_tcp_connect(&raw->connect, &raw->tcp, reinterpret_cast<const sockaddr*>(&addr),
                       OnConnect) != 0) {
      Fail(raw);
    }
  }
  uv_run(&run.loop, UV_RUN_DEFAULT);
  uv_loop_close(&run.loop);
  if (run.figures.connections == 0) return Status::Io("no connection became ready");
  return run.figures;
}

}  // namespace ggs::bench
