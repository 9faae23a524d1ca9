// The process's open-file limit: raised to the hard limit at start by servers and swarms.
#pragma once

#include <cstddef>

namespace ggs {

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the new soft limit.
size_t RaiseFileLimit();

// Files a process keeps for itself (database, logs, listener, epoll) before sockets.
inline constexpr size_t kReservedFiles = 64;

}  // namespace ggs
