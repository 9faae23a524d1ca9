// Digests with OpenSSL's EVP interface; CRYPTO_memcmp compares in constant time.
#include "core/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace ggs {

Sha256Digest Sha256(std::string_view bytes) {
  Sha256Digest digest{};
  unsigned int size = 0;
  // Fails only when the library cannot allocate its context; the digest then stays zero and
  // matches nothing that SecretsEqual would accept, since it also compares lengths below.
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return digest;
}

Sha1Digest Sha1(std::string_view bytes) {
  Sha1Digest digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha1(), nullptr);
  return digest;
}

std::string Base64(std::string_view bytes) {
  // EVP_EncodeBlock writes 4 characters per 3 bytes (rounded up) and a NUL.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

bool SecretsEqual(std::string_view given, std::string_view secret) {
  const Sha256Digest a = Sha256(given);
  const Sha256Digest b = Sha256(secret);
  const bool same = CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
  return same && !given.empty() && !secret.empty();
}

}  // namespace ggs
