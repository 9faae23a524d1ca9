// Loop: libuv's loop, timers and signals behind small C++ interfaces.
#include "core/loop.h"

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace ggs {

// A timer's handle is freed only in its close callback, so a Timer outlives Stop().
struct Loop::Timer {
  uv_timer_t handle;
  Loop* loop;
  Id id;
  bool repeat;
  std::function<void()> fn;
};

struct Loop::Signal {
  uv_signal_t handle;
  std::function<void()> fn;
};

namespace {

void FreeTimer(uv_handle_t* handle) { delete static_cast<Loop::Timer*>(handle->data); }

// True while some handle of `loop` is closing: uv_close was called, its callback has not run.
bool AnyHandleClosing(uv_loop_t* loop) {
  bool closing = false;
  uv_walk(
      loop,
      [](uv_handle_t* handle, void* arg) {
        if (uv_is_closing(handle)) *static_cast<bool*>(arg) = true;
      },
      &closing);
  return closing;
}

void Check(int rc, const char* what) {
  if (rc == 0) return;
  std::fprintf(stderr, "fatal: %s: %s\n", what, uv_strerror(rc));
  std::abort();  // Only reachable through a bug in our use of libuv.
}

}  // namespace

Loop::Loop() : loop_(std::make_unique<uv_loop_t>()) {
  Check(uv_loop_init(loop_.get()), "uv_loop_init");
}

Loop::~Loop() {
  if (!Close()) std::fprintf(stderr, "warning: loop closed with open handles\n");
}

bool Loop::Close() {
  if (closed_) return true;
  for (auto& [id, timer] : timers_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer->handle), FreeTimer);
    timer.release();  // FreeTimer owns it now.
  }
  timers_.clear();
  for (auto& signal : signals_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&signal->handle),
             [](uv_handle_t* h) { delete static_cast<Signal*>(h->data); });
    signal.release();
  }
  signals_.clear();
  // A close finishes at the end of a loop turn. One turn that does not wait for I/O
  // finishes every close begun before it; more turns finish those begun by close callbacks.
  // Waiting for the loop to run dry instead would hang on a handle its owner left open.
  while (AnyHandleClosing(loop_.get())) uv_run(loop_.get(), UV_RUN_NOWAIT);
  closed_ = uv_loop_close(loop_.get()) == 0;
  return closed_;
}

Timers::Id Loop::Start(uint64_t ms, bool repeat, std::function<void()> fn) {
  auto timer = std::make_unique<Timer>();
  Timer* t = timer.get();
  t->loop = this;
  t->id = next_id_++;
  t->repeat = repeat;
  t->fn = std::move(fn);
  Check(uv_timer_init(loop_.get(), &t->handle), "uv_timer_init");
  t->handle.data = t;
  Check(uv_timer_start(&t->handle, OnTimer, ms, repeat ? ms : 0), "uv_timer_start");
  timers_[t->id] = std::move(timer);
  return t->id;
}

void Loop::OnTimer(uv_timer_t* handle) {
  Timer* t = static_cast<Timer*>(handle->data);
  Loop* loop = t->loop;
  const Id id = t->id;
  if (!t->repeat) {
    // A one-shot timer is finished: it may not be stopped or fired again.
    std::function<void()> fn = std::move(t->fn);
    loop->Stop(id);
    fn();
    return;
  }
  // The callback may stop this very timer; keep the function alive while it runs.
  std::function<void()> fn = t->fn;
  fn();
}

void Loop::Stop(Id id) {
  const auto it = timers_.find(id);
  if (it == timers_.end()) return;
  Timer* t = it->second.release();
  timers_.erase(it);
  uv_timer_stop(&t->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&t->handle), FreeTimer);
}

uint64_t Loop::NowMs() { return uv_now(loop_.get()); }

void Loop::OnSignal(int signum, std::function<void()> fn) {
  auto signal = std::make_unique<Signal>();
  signal->fn = std::move(fn);
  Check(uv_signal_init(loop_.get(), &signal->handle), "uv_signal_init");
  signal->handle.data = signal.get();
  Check(uv_signal_start(
            &signal->handle, [](uv_signal_t* h, int) { static_cast<Signal*>(h->data)->fn(); },
            signum),
        "uv_signal_start");
  signals_.push_back(std::move(signal));
}

void Loop::Run() { uv_run(loop_.get(), UV_RUN_DEFAULT); }

void Loop::Quit() { uv_stop(loop_.get()); }

}  // namespace ggs
