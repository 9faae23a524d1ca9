// Loop: the libuv event loop and the Timers it provides. The loop, network and connection
// files are the only ones that call uv_*.
//
// Thread: every method but Wake() runs on the loop thread.
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
  // Makes Run() return after this turn. Handles stay open; the destructor closes them.
  void Quit();
  size_t active_timers() const { return timers_.size(); }

  // Opaque handle records, defined in loop.cc.
  struct Timer;
  struct Signal;

 private:
  static void OnTimer(uv_timer_s* handle);

  std::unique_ptr<uv_loop_s> loop_;
  std::unordered_map<Id, std::unique_ptr<Timer>> timers_;
  std::vector<std::unique_ptr<Signal>> signals_;
  Id next_id_ = 1;
};

}  // namespace ggs
