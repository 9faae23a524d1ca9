// ManualTimers: a Timers clock that only moves when a test says so, for unit tests of the
// coordinator and tables (grace periods, game timers) without a real loop.
#pragma once

#include <functional>
#include <map>

#include "core/timers.h"

namespace ggs {

// A clock that only moves when the test says so.
class ManualTimers final : public Timers {
 public:
  Id Start(uint64_t ms, bool repeat, std::function<void()> fn) override {
    timers_[next_] = {now_ + ms, repeat ? ms : 0, std::move(fn)};
    return next_++;
  }
  void Stop(Id id) override { timers_.erase(id); }
  uint64_t NowMs() override { return now_; }
  void Advance(uint64_t ms) {
    const uint64_t until = now_ + ms;
    while (true) {
      auto due = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second.at <= until && (due == timers_.end() || it->second.at < due->second.at))
          due = it;
      }
      if (due == timers_.end()) break;
      now_ = due->second.at;
      std::function<void()> fn = due->second.fn;
      if (due->second.every) {
        due->second.at += due->second.every;
      } else {
        timers_.erase(due);
      }
      fn();
    }
    now_ = until;
  }
  size_t size() const { return timers_.size(); }

 private:
  struct Entry {
    uint64_t at;
    uint64_t every;
    std::function<void()> fn;
  };
  std::map<Id, Entry> timers_;
  Id next_ = 1;
  uint64_t now_ = 0;
};

}  // namespace ggs
