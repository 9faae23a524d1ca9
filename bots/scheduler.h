// Scheduler: one bot thread's libuv loop, and microsecond-precise wake-ups for the
// coroutines on it.
//
// libuv's timers count whole milliseconds of a loop time that is itself rounded down, so a
// timer fires up to a millisecond after its deadline. A ping is timed from its scheduled
// send, so that lateness would be added to every round trip, and on loopback it would
// dwarf the server's own time. The scheduler instead keeps every deadline of its loop in
// one heap and arms a timerfd (absolute CLOCK_MONOTONIC, the clock of NowUs()) at the
// earliest, once per loop turn, just before the loop polls.
//
// The scheduler owns its loop: Create() makes it, Run() runs it until nothing is left to
// do, and End() closes it once every handle on it is closed. With bots/bot_socket.cc, whose
// TCP handles live on the same loop, it is the only library code in bots/ that calls libuv.
//
// A Sleeper has at most one pending wake-up; asking again replaces it. A periodic job is a
// Sleeper that asks again from OnWake().
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

  // Makes a loop and the scheduler's handles on it. Fails with code "internal" when libuv
  // cannot make the loop or the timerfd cannot be made (out of files).
  static Result<std::unique_ptr<Scheduler>> Create();
  // Ends the loop as End() does. A loop that cannot be closed, because a handle was left
  // open on it, is leaked rather than freed under that handle.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The loop, for BotSocket's handles. REQUIRES: End() has not succeeded.
  uv_loop_s* loop() { return loop_.get(); }

  // Wakes `sleeper` once NowUs() >= deadline_us, replacing its pending wake-up.
  // REQUIRES: the sleeper stays alive until it is woken, cancelled or the scheduler closed.
  void WakeAt(Sleeper* sleeper, uint64_t deadline_us);
  void Cancel(Sleeper* sleeper);
  // Drops every pending wake-up and closes the scheduler's handles, so that Run() returns
  // once the other handles on the loop are closed too. Wake-ups asked for afterwards never
  // come.
  void Close();

  // Runs the loop until no handle on it is active and no close is pending.
  void Run();
  // Runs one turn of the loop, waiting for its next event if a handle is active.
  void RunOnce();
  // Closes the scheduler (see Close()), runs the loop until every pending close has
  // finished, and closes the loop. Fails with code "internal" when a handle is still open
  // on it (its owner's bug); the loop then stays, and End() may be called again once that
  // handle is closed. After a success only End() (a no-op) and the destructor may be called.
  // REQUIRES: no other handle on the loop is active (it would keep the loop running).
  Status End();

  size_t pending() const { return heap_.size(); }

  // The libuv handles, defined in scheduler.cc.
  struct Handles;

 private:
  struct Entry {
    uint64_t deadline_us;
    uint64_t generation;
    Sleeper* sleeper;
  };

  Scheduler(std::unique_ptr<uv_loop_s> loop, int fd);
  // The heap's order: the earliest deadline on top.
  static bool Later(const Entry& a, const Entry& b) { return a.deadline_us > b.deadline_us; }
  bool Live(const Entry& e) const {
    return e.sleeper->armed_ && e.sleeper->generation_ == e.generation;
  }
  void Push(Entry e);
  void PopTop();
  void Arm();      // Before the loop polls: the timerfd at the earliest live deadline.
  void OnFired();  // The timerfd expired: wake everyone due.

  std::unique_ptr<uv_loop_s> loop_;
  bool loop_open_ = true;       // Until End() succeeds.
  Handles* handles_ = nullptr;  // Null once closed.
  int fd_;
  std::vector<Entry> heap_;  // A min-heap by deadline.
  uint64_t armed_us_ = 0;    // The timerfd's deadline; 0 when disarmed or expired.
};

}  // namespace ggs::bots
