// Scheduler: a libuv loop's lifecycle, and a deadline heap behind one timerfd polled by it.
#include "bots/scheduler.h"

#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bots/run_clock.h"

namespace ggs::bots {

struct Scheduler::Handles {
  uv_poll_t poll;
  uv_prepare_t prepare;
  Scheduler* owner;
  int fd;
  int open = 2;  // Handles not yet closed; the last close callback frees the record.
};

namespace {

void OnHandleClosed(uv_handle_t* h) {
  auto* handles = static_cast<Scheduler::Handles*>(h->data);
  if (--handles->open > 0) return;
  close(handles->fd);
  delete handles;
}

}  // namespace

Result<std::unique_ptr<Scheduler>> Scheduler::Create() {
  auto loop = std::make_unique<uv_loop_t>();
  if (const int rc = uv_loop_init(loop.get()); rc != 0) {
    return Status::Error("internal", std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    uv_loop_close(loop.get());  // Nothing was opened on it yet.
    return Status::Error("internal", std::string("timerfd_create: ") + strerror(error));
  }
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(loop), fd));
}

Scheduler::Scheduler(std::unique_ptr<uv_loop_s> loop, int fd)
    : loop_(std::move(loop)), handles_(new Handles), fd_(fd) {
  handles_->owner = this;
  handles_->fd = fd;
  uv_poll_init(loop_.get(), &handles_->poll, fd);
  handles_->poll.data = handles_;
  uv_poll_start(&handles_->poll, UV_READABLE, [](uv_poll_t* p, int, int) {
    auto* h = static_cast<Handles*>(p->data);
    if (h->owner) h->owner->OnFired();
  });
  uv_prepare_init(loop_.get(), &handles_->prepare);
  handles_->prepare.data = handles_;
  uv_prepare_start(&handles_->prepare, [](uv_prepare_t* p) {
    auto* h = static_cast<Handles*>(p->data);
    if (h->owner) h->owner->Arm();
  });
}

Scheduler::~Scheduler() {
  if (End().ok()) return;
  // Freeing the loop would leave the handle still open on it pointing into freed memory;
  // leaking both is the lesser harm of that bug.
  static_cast<void>(loop_.release());
}

void Scheduler::Run() { uv_run(loop_.get(), UV_RUN_DEFAULT); }

void Scheduler::RunOnce() { uv_run(loop_.get(), UV_RUN_ONCE); }

Status Scheduler::End() {
  if (!loop_open_) return Status::Ok();
  Close();
  uv_run(loop_.get(), UV_RUN_DEFAULT);
  if (uv_loop_close(loop_.get()) != 0) {
    return Status::Error("internal", "a handle was left open on the bot loop");
  }
  loop_open_ = false;
  return Status::Ok();
}

void Scheduler::Close() {
  heap_.clear();
  if (!handles_) return;
  handles_->owner = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->poll), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles_->prepare), OnHandleClosed);
  handles_ = nullptr;
}

void Scheduler::WakeAt(Sleeper* sleeper, uint64_t deadline_us) {
  if (sleeper->armed_ && sleeper->deadline_us_ == deadline_us) return;
  ++sleeper->generation_;
  sleeper->armed_ = true;
  sleeper->deadline_us_ = deadline_us;
  Push({deadline_us, sleeper->generation_, sleeper});
}

void Scheduler::Cancel(Sleeper* sleeper) {
  // The heap entry stays until it surfaces; a new generation marks it stale.
  if (!sleeper->armed_) return;
  sleeper->armed_ = false;
  ++sleeper->generation_;
}

void Scheduler::Push(Entry e) {
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

void Scheduler::PopTop() {
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  heap_.pop_back();
}

void Scheduler::Arm() {
  while (!heap_.empty() && !Live(heap_.front())) PopTop();
  if (heap_.empty() || heap_.front().deadline_us == armed_us_) return;
  armed_us_ = heap_.front().deadline_us;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(armed_us_ / 1000000);
  spec.it_value.tv_nsec = static_cast<long>(armed_us_ % 1000000) * 1000;
  timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Scheduler::OnFired() {
  uint64_t expirations = 0;
  while (read(fd_, &expirations, sizeof expirations) > 0) {
  }
  armed_us_ = 0;
  const uint64_t now = NowUs();
  while (!heap_.empty() && heap_.front().deadline_us <= now) {
    const Entry e = heap_.front();
    PopTop();
    if (!Live(e)) continue;
    e.sleeper->armed_ = false;
    e.sleeper->OnWake();  // May schedule again, and may close the scheduler.
    if (!handles_) return;
  }
}

}  // namespace ggs::bots
