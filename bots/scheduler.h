// Scheduler: microsecond-precise wake-ups for the coroutines of one libuv loop.
//
// libuv's timers count whole milliseconds of a loop time that is itself rounded down, so a
// timer fires up to a millisecond after its deadline. A ping is timed from its scheduled
// send, so that lateness would be added to every round trip, and on loopback it would
// dwarf the server's own time. The scheduler instead keeps every deadline of its loop in
// one heap and arms a timerfd (absolute CLOCK_MONOTONIC, the clock of NowUs()) at the
// earliest, once per loop turn, just before the loop polls.
//
// A Sleeper has at most one pending wake-up; asking again replaces it.
// Thread: the loop's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"

struct uv_loop_s;

namespace ggs::bots {

class Scheduler {
 public:
  class Sleeper {
   public:
    // Called on the loop thread once the deadline has passed.
    virtual void OnWake() = 0;

   protected:
    virtual ~Sleeper() = default;

   private:
    friend class Scheduler;
    uint64_t generation_ = 0;  // Heap entries of older generations are stale.
    uint64_t deadline_us_ = 0;
    bool armed_ = false;
  };

  // Fails with code "internal" when the timerfd cannot be made (out of files).
  static Result<std::unique_ptr<Scheduler>> Create(uv_loop_s* loop);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Wakes `sleeper` once NowUs() >= deadline_us, replacing its pending wake-up.
  // REQUIRES: the sleeper stays alive until it is woken, cancelled or the scheduler closed.
  void WakeAt(Sleeper* sleeper, uint64_t deadline_us);
  void Cancel(Sleeper* sleeper);
  // Drops every pending wake-up and closes the handles, so the loop can end.
  void Close();

  size_t pending() const { return heap_.size(); }

  // The libuv handles, defined in scheduler.cc.
  struct Handles;

 private:
  struct Entry {
    uint64_t deadline_us;
    uint64_t generation;
    Sleeper* sleeper;
  };

  Scheduler(uv_loop_s* loop, int fd);
  // The heap's order: the earliest deadline on top.
  static bool Later(const Entry& a, const Entry& b) { return a.deadline_us > b.deadline_us; }
  bool Live(const Entry& e) const {
    return e.sleeper->armed_ && e.sleeper->generation_ == e.generation;
  }
  void Push(Entry e);
  void PopTop();
  void Arm();      // Before the loop polls: the timerfd at the earliest live deadline.
  void OnFired();  // The timerfd expired: wake everyone due.

  Handles* handles_ = nullptr;  // Null once closed.
  int fd_;
  std::vector<Entry> heap_;  // A min-heap by deadline.
  uint64_t armed_us_ = 0;    // The timerfd's deadline; 0 when disarmed or expired.
};

}  // namespace ggs::bots
