// Timers: the clock that tables and grace periods run on. The event loop implements it;
// tests implement it with a manual clock.
#pragma once

#include <cstdint>
#include <functional>

namespace ggs {

class Timers {
 public:
  using Id = uint64_t;  // 0 is never a valid id.
  virtual ~Timers() = default;
  // Calls `fn` after `ms` milliseconds, and then every `ms` when `repeat`.
  virtual Id Start(uint64_t ms, bool repeat, std::function<void()> fn) = 0;
  // Stops timer `id`; stopping an unknown or finished timer does nothing.
  virtual void Stop(Id id) = 0;
  // Milliseconds on a monotonic clock.
  virtual uint64_t NowMs() = 0;
};

}  // namespace ggs
