// Whole-file reading and writing, and the path of the running executable: the small file
// chores that the server, the CLI, the fuzzer and the benches share.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ggs {

// Returns the bytes of the file at `path`. Fails with code "io" when it cannot be read.
Result<std::string> ReadFile(const std::string& path);

// Replaces the file at `path` with `bytes` (created when missing). Fails with code "io".
Status WriteFile(const std::string& path, std::string_view bytes);

// The absolute path of the running executable (from /proc/self/exe), or `fallback` when the
// system cannot tell.
std::string ExecutablePath(const std::string& fallback = "ggs");

}  // namespace ggs
