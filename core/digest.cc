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

bool SecretsEqual(std::string_view given, std::string_view secret) {
  const Sha256Digest a = Sha256(given);
  const Sha256Digest b = Sha256(secret);
  const bool same = CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
  return same && !given.empty() && !secret.empty();
}

}  // namespace ggs
