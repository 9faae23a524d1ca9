// ResolveHostPort: a HOST:PORT to the socket address a client connects to. One home for
// the lookup, shared by the blocking client and the bots.
#pragma once

#include <sys/socket.h>

#include "base/host_port.h"
#include "core/status.h"

namespace ggs {

// The socket address of `address` (getaddrinfo, which blocks while a name is looked up; an
// IP address needs no lookup). Among several addresses IPv4 is preferred: a server listens
// on one, and for a name such as localhost, IPv4 is the likelier. Fails with code
// "bad_address" saying why.
Result<sockaddr_storage> ResolveHostPort(const HostPort& address);

}  // namespace ggs
