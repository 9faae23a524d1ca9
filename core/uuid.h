// Random version-4 UUIDs from the kernel's cryptographic random source.
#pragma once

#include <string>

namespace ggs {

// Returns a new UUID such as "0f8fad5b-d9cb-469f-a165-70867728950e".
std::string NewUuid();
// True when `s` has the textual form of a UUID (any version).
bool LooksLikeUuid(const std::string& s);

}  // namespace ggs
