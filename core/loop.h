// Loop: the libuv event loop and the Timers it provides. The loop, network and connection
// files are the only ones that call uv_*.
//
// Thread: every method runs on the loop thread, the one that creates, runs and destroys the
// Loop; none may be called from another thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/timers.h"

struct uv_loop_s;
struct uv_timer_s;
struct uv_signal_s;

namespace ggs {

class Loop final : public Timers {
 public:
  Loop();
  // Close(), unless it has succeeded already; a failure is reported on stderr.
  ~Loop() override;
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_s* uv() { return loop_.get(); }

  Id Start(uint64_t ms, bool repeat, std::function<void()> fn) override;
  void Stop(Id id) override;
  uint64_t NowMs() override;

  // Calls `fn` on the loop thread when the process receives `signum` (SIGINT, SIGTERM).
  void OnSignal(int signum, std::function<void()> fn);
  // Runs until Quit() (or until nothing is left to do).
  void Run();
  // Makes Run() return after this turn. Handles stay open; Close() closes them.
  void Quit();
  size_t active_timers() const { return timers_.size(); }

  // Closes every timer and signal handler, lets every handle being closed (by the Loop or
  // any other owner) finish closing, and closes the libuv loop. Never waits for I/O.
  // Returns true when the libuv loop closed: no handle or request was left open. False
  // means another owner still holds an open handle (a Network not yet destroyed, a leak),
  // which is a bug in that owner; once it closes the handle, Close may be called again.
  // After Close returns true, the Loop may only be destroyed (or closed again, which
  // returns true at once).
  [[nodiscard]] bool Close();

  // Opaque handle records, defined in loop.cc.
  struct Timer;
  struct Signal;

 private:
  static void OnTimer(uv_timer_s* handle);

  std::unique_ptr<uv_loop_s> loop_;
  std::unordered_map<Id, std::unique_ptr<Timer>> timers_;
  std::vector<std::unique_ptr<Signal>> signals_;
  Id next_id_ = 1;
  bool closed_ = false;
};

}  // namespace ggs
