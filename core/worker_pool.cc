// WorkerPool: spawning, batching, reading and supervising `ggs worker` children on libuv.
#include "core/worker_pool.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/log.h"
#include "core/protocol.h"

namespace ggs {

// One worker process and its two pipes. It outlives its process: it is freed only once libuv
// has closed all three handles, which may be after its slot holds a replacement.
struct WorkerPool::Child {
  WorkerPool* pool = nullptr;
  size_t index = 0;
  uv_process_t process{};
  uv_pipe_t in{};   // The worker's stdin; the pool writes events to it.
  uv_pipe_t out{};  // The worker's stdout; the pool reads replies from it.
  uv_write_t write{};
  std::string in_flight;  // Handed to libuv, not yet written.
  bool writing = false;
  VmWireReader reader;
  bool detached = false;  // Its slot has forgotten it; its handles are closing.
  bool trusted = true;    // False once it answered out of order: its replies are ignored.
  bool killed = false;    // The pool sent SIGKILL, or meant to; `why` says why.
  bool exited = false;    // Its exit callback has run: the process is reaped.
  bool answered = false;  // It has delivered a reply, so it got through its start-up.
  Status why;
  uint64_t culprit = 0;  // For a budget kill: the event that overran.
  int open_handles = 0;
  char buffer[64 * 1024];
};

// One index of the pool: its progress page, the events its worker owes replies for, and the
// bytes waiting for this turn's write. It keeps all of these across replacements.
struct WorkerPool::Slot {
  size_t index = 0;
  int page_fd = -1;
  WorkerProgress* page = nullptr;
  Child* child = nullptr;          // Null until spawned, and while a replacement is pending.
  std::deque<VmEvent> unanswered;  // Sent (queued or written), no reply yet, in order.
  std::string queued;              // Encoded events waiting for this turn's write.
  uint64_t respawn_at_ms = 0;      // Without a child: when the watchdog next tries to start one.
};

namespace {

// How long a worker that could not be started waits before the next try.
constexpr uint64_t kRespawnDelayMs = 1000;

template <typename T>
uv_handle_t* AsHandle(T* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

template <typename T>
uv_stream_t* AsStream(T* handle) {
  return reinterpret_cast<uv_stream_t*>(handle);
}

std::string ExitText(int64_t exit_status, int term_signal) {
  if (term_signal != 0) {
    return "killed by signal " + std::to_string(term_signal) + " (" + strsignal(term_signal) + ")";
  }
  return "exited with status " + std::to_string(exit_status);
}

// The Status of a worker that died other than by overrunning the budget.
Status Crashed(const std::string& exit, const Status& killed_for) {
  std::string message = exit;
  if (!killed_for.ok()) message += " (killed by the pool: " + killed_for.message() + ")";
  return Status::Error(worker_error::kWorkerCrashed, std::move(message));
}

// The command line of a worker: its progress page is always descriptor 3.
std::vector<std::string> WorkerArgs(const WorkerPoolOptions& options) {
  std::vector<std::string> args = {options.binary,    "worker",
                                   "--progress-fd",   "3",
                                   "--address-space", std::to_string(options.address_space)};
  if (options.sandbox) args.emplace_back("--sandbox");
  return args;
}

}  // namespace

WorkerPool::WorkerPool(Loop* loop, Owner* owner, WorkerPoolOptions options)
    : loop_(loop),
      owner_(owner),
      options_(std::move(options)),
      prepare_(std::make_unique<uv_prepare_t>()),
      check_(std::make_unique<uv_check_t>()) {
  for (size_t i = 0; i < options_.workers; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->index = i;
  }
  // As in core/network: events queued by timers go out before the loop blocks (prepare),
  // events queued by reads right after the poll (check). Either way, one write per turn.
  uv_prepare_init(loop_->uv(), prepare_.get());
  prepare_->data = this;
  uv_prepare_start(prepare_.get(),
                   [](uv_prepare_t* h) { static_cast<WorkerPool*>(h->data)->FlushAll(); });
  uv_check_init(loop_->uv(), check_.get());
  check_->data = this;
  uv_check_start(check_.get(),
                 [](uv_check_t* h) { static_cast<WorkerPool*>(h->data)->FlushAll(); });
}

WorkerPool::~WorkerPool() {
  if (watchdog_ != 0) loop_->Stop(watchdog_);
  for (auto& slot : slots_) {
    if (Child* child = slot->child; child != nullptr) {
      // Closing a process handle stops libuv from reaping it: kill and reap it here. SIGKILL
      // makes the wait short.
      const pid_t pid = child->process.pid;
      uv_process_kill(&child->process, SIGKILL);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      Detach(child);
      slot->child = nullptr;
    }
    UnmapProgressPage(slot->page);
    if (slot->page_fd >= 0) ::close(slot->page_fd);
  }
  uv_close(AsHandle(prepare_.get()), nullptr);
  uv_close(AsHandle(check_.get()), nullptr);
  // Close callbacks run at the end of a loop turn and free the children: run one now.
  uv_run(loop_->uv(), UV_RUN_NOWAIT);
}

Status WorkerPool::Start() {
  for (auto& slot : slots_) {
    Result<int> fd = CreateProgressPage();
    if (!fd.ok()) return fd.status();
    slot->page_fd = *fd;
    Result<WorkerProgress*> page = MapProgressPage(slot->page_fd);
    if (!page.ok()) return page.status();
    slot->page = *page;
    if (Status s = Spawn(*slot); !s.ok()) return s;
  }
  // A quarter of the budget between looks: an overrun is caught within 1.25 budgets.
  const uint64_t period = std::max<uint64_t>(1, options_.event_budget_ms / 4);
  watchdog_ = loop_->Start(period, true, [this] { Watchdog(); });
  return Status::Ok();
}

Status WorkerPool::Spawn(Slot& slot) {
  auto* child = new Child;
  child->pool = this;
  child->index = slot.index;
  uv_pipe_init(loop_->uv(), &child->in, 0);
  uv_pipe_init(loop_->uv(), &child->out, 0);
  child->in.data = child;
  child->out.data = child;
  child->process.data = child;
  child->open_handles = 3;

  std::vector<std::string> args = WorkerArgs(options_);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  uv_stdio_container_t stdio[4];
  // The flags say what the child does with each pipe.
  stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
  stdio[0].data.stream = AsStream(&child->in);
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = AsStream(&child->out);
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = STDERR_FILENO;
  stdio[3].flags = UV_INHERIT_FD;
  stdio[3].data.fd = slot.page_fd;

  uv_process_options_t options{};
  options.file = options_.binary.c_str();
  options.args = argv.data();
  options.stdio = stdio;
  options.stdio_count = 4;
  options.exit_cb = [](uv_process_t* p, int64_t exit_status, int term_signal) {
    auto* c = static_cast<Child*>(p->data);
    c->pool->OnExit(c, exit_status, term_signal);
  };
  slot.page->running_seq.store(0, std::memory_order_release);
  slot.page->started_ns.store(0, std::memory_order_release);
  // A failed uv_spawn still leaves the process handle to close.
  if (const int rc = uv_spawn(loop_->uv(), &child->process, &options); rc != 0) {
    Detach(child);
    return Status::Error(error::kInternal,
                         "cannot start worker " + options_.binary + ": " + uv_strerror(rc));
  }
  slot.child = child;
  uv_read_start(
      AsStream(&child->out),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* c = static_cast<Child*>(h->data);
        *buf = uv_buf_init(c->buffer, sizeof c->buffer);
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* c = static_cast<Child*>(s->data);
        if (n > 0) c->pool->OnRead(c, buf->base, static_cast<size_t>(n));
        if (n < 0) uv_read_stop(s);  // End of its output: its exit callback follows.
      });
  return Status::Ok();
}

void WorkerPool::Send(size_t worker, VmEvent event) {
  Slot& slot = *slots_.at(worker);
  AppendEvent(slot.queued, event);
  slot.unanswered.push_back(std::move(event));
}

pid_t WorkerPool::pid(size_t worker) const {
  const Child* child = slots_.at(worker)->child;
  return child == nullptr ? 0 : child->process.pid;
}

void WorkerPool::FlushAll() {
  for (auto& slot : slots_) Flush(*slot);
}

void WorkerPool::Flush(Slot& slot) {
  Child* child = slot.child;
  if (child == nullptr || child->writing || child->killed || slot.queued.empty()) return;
  // Written at once when the pipe has room (it mostly has): no request to complete later.
  uv_buf_t now = uv_buf_init(slot.queued.data(), static_cast<unsigned>(slot.queued.size()));
  const int written = uv_try_write(AsStream(&child->in), &now, 1);
  if (written < 0 && written != UV_EAGAIN) {
    Kill(slot, Status::Error(worker_error::kWorkerCrashed,
                             std::string("cannot write to the worker: ") + uv_strerror(written)));
    return;
  }
  if (written > 0) {
    ++writes_;
    if (static_cast<size_t>(written) == slot.queued.size()) {
      slot.queued.clear();
      return;
    }
    slot.queued.erase(0, static_cast<size_t>(written));
  }
  child->in_flight.swap(slot.queued);
  slot.queued.clear();
  uv_buf_t buf =
      uv_buf_init(child->in_flight.data(), static_cast<unsigned>(child->in_flight.size()));
  child->write.data = child;
  const int rc =
      uv_write(&child->write, AsStream(&child->in), &buf, 1, [](uv_write_t* w, int status) {
        auto* c = static_cast<Child*>(w->data);
        c->pool->OnWritten(c, status);
      });
  if (rc != 0) {
    Kill(slot, Status::Error(worker_error::kWorkerCrashed,
                             std::string("cannot write to the worker: ") + uv_strerror(rc)));
    return;
  }
  child->writing = true;
  ++writes_;
}

void WorkerPool::OnWritten(Child* child, int status) {
  child->writing = false;
  child->in_flight.clear();
  if (child->detached) return;
  Slot& slot = *slots_[child->index];
  if (status < 0) {
    Kill(slot, Status::Error(worker_error::kWorkerCrashed,
                             std::string("writing to the worker failed: ") + uv_strerror(status)));
  }
}

void WorkerPool::OnRead(Child* child, const char* data, size_t size) {
  child->reader.Feed(std::string_view(data, size));
  DeliverReplies(*slots_[child->index]);
}

void WorkerPool::DeliverReplies(Slot& slot) {
  Child* child = slot.child;
  if (!child->trusted) return;
  while (std::optional<VmReply> reply = child->reader.NextReply()) {
    if (slot.unanswered.empty() || slot.unanswered.front().seq != reply->seq) {
      const std::string expected =
          slot.unanswered.empty() ? "none" : std::to_string(slot.unanswered.front().seq);
      child->trusted = false;
      Kill(slot, Status::Error(worker_error::kWorkerCrashed,
                               "a reply for seq " + std::to_string(reply->seq) + " when seq " +
                                   expected + " was owed"));
      return;
    }
    slot.unanswered.pop_front();
    child->answered = true;
    owner_->OnReply(slot.index, std::move(*reply));
  }
  if (!child->reader.error().ok()) {
    Kill(slot, Status::Error(worker_error::kWorkerCrashed,
                             "a broken reply stream: " + child->reader.error().ToString()));
  }
}

void WorkerPool::Kill(Slot& slot, Status why) {
  Child* child = slot.child;
  if (child == nullptr || child->killed) return;
  child->killed = true;
  child->why = std::move(why);
  // Once its exit is known its pid is reaped and may belong to another process: no signal.
  if (!child->exited) uv_process_kill(&child->process, SIGKILL);
}

void WorkerPool::Watchdog() {
  const uint64_t budget_ns = options_.event_budget_ms * 1000000u;
  for (auto& slot : slots_) {
    if (slot->child == nullptr) {
      if (loop_->NowMs() >= slot->respawn_at_ms) Respawn(*slot);
      continue;
    }
    if (slot->child->killed) continue;
    // Two loads of the seq around the start time: if they differ, the worker moved on
    // between them and the next tick will look again.
    const uint64_t seq = slot->page->running_seq.load(std::memory_order_acquire);
    if (seq == 0) continue;
    const uint64_t started = slot->page->started_ns.load(std::memory_order_acquire);
    if (slot->page->running_seq.load(std::memory_order_acquire) != seq) continue;
    const uint64_t now = MonotonicNs();
    if (now <= started || now - started <= budget_ns) continue;
    slot->child->culprit = seq;
    Kill(*slot, Status::Error(worker_error::kScriptTimeout,
                              "event " + std::to_string(seq) + " ran longer than " +
                                  std::to_string(options_.event_budget_ms) + " ms"));
  }
}

void WorkerPool::OnExit(Child* child, int64_t exit_status, int term_signal) {
  Slot& slot = *slots_[child->index];
  child->exited = true;
  // Replies it wrote before dying may still sit in the pipe: they are answers, deliver them.
  uv_os_fd_t fd = -1;
  if (uv_fileno(AsHandle(&child->out), &fd) == 0) {
    for (ssize_t n; (n = ::read(fd, child->buffer, sizeof child->buffer)) > 0;) {
      OnRead(child, child->buffer, static_cast<size_t>(n));
    }
  }
  const pid_t pid = child->process.pid;
  const bool answered = child->answered;
  const bool timed_out = child->killed && child->why.code() == worker_error::kScriptTimeout;
  const uint64_t culprit =
      timed_out ? child->culprit : slot.page->running_seq.load(std::memory_order_acquire);
  Status why = timed_out ? child->why : Crashed(ExitText(exit_status, term_signal), child->why);
  std::vector<VmEvent> unanswered(std::make_move_iterator(slot.unanswered.begin()),
                                  std::make_move_iterator(slot.unanswered.end()));
  slot.unanswered.clear();
  slot.queued.clear();
  Detach(child);
  slot.child = nullptr;
  ++restarts_;
  Log(LogLevel::kWarn, "worker " + std::to_string(slot.index) + " (pid " + std::to_string(pid) +
                           ") lost with " + std::to_string(unanswered.size()) +
                           " events unanswered: " + why.ToString());
  if (answered || timed_out) {
    Respawn(slot);  // A worker the watchdog stopped in an event had started up.
  } else {
    // It may have died starting up (a bad binary, a filter or cap the platform refuses):
    // restarting it at once could repeat that forever, so the watchdog tries a second later.
    slot.respawn_at_ms = loop_->NowMs() + kRespawnDelayMs;
  }
  owner_->OnWorkerLost(slot.index, std::move(unanswered), culprit, std::move(why));
}

void WorkerPool::Respawn(Slot& slot) {
  const Status s = Spawn(slot);
  if (s.ok()) return;
  Log(LogLevel::kError, "worker " + std::to_string(slot.index) + ": " + s.ToString() +
                            "; trying again in " + std::to_string(kRespawnDelayMs) + " ms");
  slot.respawn_at_ms = loop_->NowMs() + kRespawnDelayMs;
}

void WorkerPool::Detach(Child* child) {
  child->detached = true;
  const uv_close_cb closed = [](uv_handle_t* h) {
    auto* c = static_cast<Child*>(h->data);
    if (--c->open_handles == 0) delete c;
  };
  uv_close(AsHandle(&child->process), closed);
  uv_close(AsHandle(&child->in), closed);
  uv_close(AsHandle(&child->out), closed);
}

}  // namespace ggs
