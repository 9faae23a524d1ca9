// The swarm's clock: std::chrono::steady_clock in microseconds.
#include "bots/run_clock.h"

#include <chrono>

namespace ggs::bots {

uint64_t NowUs() {
  const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count());
}

}  // namespace ggs::bots
