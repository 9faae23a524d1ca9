// Digests and the comparison of secrets: the one home of OpenSSL's libcrypto.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ggs {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha1Digest = std::array<uint8_t, 20>;

// The SHA-256 digest of `bytes`.
Sha256Digest Sha256(std::string_view bytes);

// The SHA-1 digest of `bytes`. SHA-1 is broken for signatures; ggs uses it only where a
// protocol requires it (the WebSocket accept key of RFC 6455).
Sha1Digest Sha1(std::string_view bytes);

// `bytes` in standard base64 (RFC 4648, with `=` padding, no line breaks).
std::string Base64(std::string_view bytes);

// True when `given` is `secret` and neither is empty. It compares the two SHA-256 digests in
// constant time, so the time taken tells an attacker neither where a guess differs nor how
// long the secret is.
bool SecretsEqual(std::string_view given, std::string_view secret);

}  // namespace ggs
