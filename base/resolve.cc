// ResolveHostPort: getaddrinfo, preferring IPv4.
#include "base/resolve.h"

#include <netdb.h>

#include <cstring>
#include <string>

namespace ggs {

Result<sockaddr_storage> ResolveHostPort(const HostPort& address) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status::Error("bad_address", "cannot resolve " + address.host + ": " + gai_strerror(rc));
  }
  if (!found) return Status::Error("bad_address", "no address for " + address.host);
  const addrinfo* pick = found;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  }
  sockaddr_storage out{};
  std::memcpy(&out, pick->ai_addr, pick->ai_addrlen);
  freeaddrinfo(found);
  return out;
}

}  // namespace ggs
