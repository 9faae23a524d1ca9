// The swarm's clock: libuv's high-resolution monotonic time.
#include "bots/run_clock.h"

#include <uv.h>

namespace ggs::bots {

uint64_t NowUs() { return uv_hrtime() / 1000; }

}  // namespace ggs::bots
