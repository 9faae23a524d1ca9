// Digests and the comparison of secrets: the one home of OpenSSL's libcrypto.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ggs {

using Sha256Digest = std::array<uint8_t, 32>;

// The SHA-256 digest of `bytes`.
Sha256Digest Sha256(std::string_view bytes);

// True when `given` is `secret` and neither is empty. It compares the two SHA-256 digests in
// constant time, so the time taken tells an attacker neither where a guess differs nor how
// long the secret is.
bool SecretsEqual(std::string_view given, std::string_view secret);

}  // namespace ggs
