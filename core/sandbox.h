// Sandbox: how a VM worker process gives up what it does not need before it runs any game
// code. A memory ceiling on the whole process (the backstop behind each VM's own allocator
// cap) and a seccomp filter that kills the process on any system call outside a short list.
// The one home of libseccomp.
#pragma once

#include <cstddef>

#include "core/status.h"

namespace ggs {

// False in AddressSanitizer builds, where both functions below do nothing: ASan reserves
// terabytes of address space for its shadow memory at start-up, so no cap can hold, and its
// runtime makes system calls of its own at unforeseeable points (it reads /proc/self/maps
// when an exception unwinds, and its leak check at exit traces the process), which no
// allow-list can admit without admitting open(). Sanitizer builds check memory, not the
// sandbox; the ordinary build tests the sandbox.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kHardeningWorks = false;
#else
inline constexpr bool kHardeningWorks = true;
#endif

// Caps the process's address space at `bytes` (RLIMIT_AS); 0 leaves it unlimited. Past the
// cap, allocations fail, which MuJS turns into an out-of-memory throw or, outside a VM, ends
// the process. Without kHardeningWorks it does nothing. Fails with code internal.
[[nodiscard]] Status LimitAddressSpace(size_t bytes);

// Installs a seccomp filter on the calling process (and sets no_new_privs): from now on any
// system call but those a running worker needs (reading its input, writing its replies and
// its log, managing memory, reading the clock) kills the whole process with SIGSYS. It
// cannot be undone. Call it after every descriptor and mapping the worker needs is set up.
// Before installing the filter it loads the time zone, which the C library would otherwise
// read from a file on the first log line.
// Without kHardeningWorks it does nothing. Fails with code internal, and then nothing was
// installed.
[[nodiscard]] Status EnterSandbox();

}  // namespace ggs
