// SyncClient: blocking sockets with poll(2) timeouts, framed by the shared codec.
#include "client/sync_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/host_port.h"
#include "base/resolve.h"

namespace ggs {
namespace {

Status Io(const std::string& what) { return Status::Io(what + ": " + std::strerror(errno)); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<SyncClient>> SyncClient::Connect(const std::string& host, int port,
                                                        int timeout_ms) {
  Result<sockaddr_storage> address = ResolveHostPort(HostPort{host, port});
  if (!address.ok()) return Status::Io(address.status().message());
  const std::string service = std::to_string(port);
  const int fd = socket(address->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Io("socket");
  const socklen_t length =
      address->ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&address.value()), length);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, timeout_ms) == 1 ? 0 : -1;
    int err = 0;
    socklen_t len = sizeof err;
    if (rc == 0 && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)) {
      errno = err;
      rc = -1;
    }
    if (rc != 0 && errno == 0) errno = ETIMEDOUT;
  }
  if (rc != 0) {
    Status s = Io("connect to " + host + ":" + service);
    ::close(fd);
    return s;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<SyncClient>(new SyncClient(fd));
}

SyncClient::SyncClient(int fd) : fd_(fd), parser_(ParserLimits{1 << 20, 64 << 20}) {}

SyncClient::~SyncClient() { Close(); }

void SyncClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status SyncClient::SendRaw(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, 5000) != 1) return Status::Timeout("send timed out");
      continue;
    }
    if (n < 0) return Io("send");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncClient::SendServer(std::string_view command, std::string_view payload) {
  return Send(ServerCommand(command, std::string(payload)));
}

Status SyncClient::SendGame(std::string_view command, std::string_view payload) {
  return Send(GameCommand(command, std::string(payload)));
}

Status SyncClient::SendUpload(std::string_view name, std::string_view admin_token,
                              std::string_view source, bool live) {
  Packet p = ServerCommand(command::kUpload, std::string(source));
  p.Add(header::kGame, std::string(name)).Add(header::kAdminToken, std::string(admin_token));
  if (live) p.Add(header::kLive, "true");
  return Send(p);
}

Result<std::string> SyncClient::ReadBytes(int timeout_ms) {
  if (eof_) return Status::Closed("the server closed the connection");
  pollfd p{fd_, POLLIN, 0};
  const int rc = poll(&p, 1, timeout_ms);
  if (rc == 0) return Status::Timeout("no reply within " + std::to_string(timeout_ms) + " ms");
  if (rc < 0) return Io("poll");
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE))) {
    eof_ = true;
    return Status::Closed("the server closed the connection");
  }
  if (n < 0) return errno == EAGAIN ? Result<std::string>(std::string()) : Io("recv");
  return std::string(buf, static_cast<size_t>(n));
}

Status SyncClient::ReadSome(int timeout_ms) {
  Result<std::string> bytes = ReadBytes(timeout_ms);
  if (!bytes.ok()) return bytes.status();
  parser_.Feed(*bytes);
  return Status::Ok();
}

Result<std::string> SyncClient::ReceiveRaw(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return Status::Timeout("no reply within " + std::to_string(timeout_ms) + " ms");
    Result<std::string> bytes = ReadBytes(static_cast<int>(left));
    if (!bytes.ok() || !bytes->empty()) return bytes;
  }
}

Result<Packet> SyncClient::Receive(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    if (std::optional<Packet> p = parser_.Next()) return std::move(*p);
    if (!parser_.error().ok()) return parser_.error();
    if (eof_) return Status::Closed("the server closed the connection");
    const int64_t left = deadline - NowMs();
    if (left <= 0) return Status::Timeout("no reply within " + std::to_string(timeout_ms) + " ms");
    if (Status s = ReadSome(static_cast<int>(left)); !s.ok()) return s;
  }
}

Result<SyncClient::Hello> SyncClient::SayHello(std::unique_ptr<SyncClient> client,
                                               const Packet& hello, int timeout_ms) {
  if (Status s = client->Send(hello); !s.ok()) return s;
  Result<Packet> reply = client->Receive(timeout_ms);
  if (!reply.ok()) return reply.status();
  if (ClientCommandOf(*reply) == command::kRedirect) {
    client.reset();  // The node closes it anyway; the next one may wait for that.
    return FollowRedirects(hello, *reply, timeout_ms);
  }
  return Hello{std::move(client), std::move(reply.value()), 0};
}

Result<SyncClient::Hello> SyncClient::FollowRedirects(const Packet& hello, const Packet& redirect,
                                                      int timeout_ms) {
  Packet reply = redirect;
  Packet sent = hello;
  while (true) {
    Result<RedirectStep> step = FollowRedirect(sent, reply);
    if (!step.ok()) return step.status();
    Result<std::unique_ptr<SyncClient>> client =
        Connect(step->node.host, step->node.port, timeout_ms);
    if (!client.ok()) return client.status();
    if (Status s = client.value()->Send(step->hello); !s.ok()) return s;
    Result<Packet> next = client.value()->Receive(timeout_ms);
    if (!next.ok()) return next.status();
    if (ClientCommandOf(*next) != command::kRedirect) {
      return Hello{std::move(client.value()), std::move(next.value()), step->followed};
    }
    client.value().reset();  // Closed before the next connection, as in SayHello.
    sent = std::move(step->hello);
    reply = std::move(next.value());
  }
}

bool SyncClient::WaitClosed(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (!eof_) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    Status s = ReadSome(static_cast<int>(left));
    if (!s.ok() && !s.IsClosed()) return false;
  }
  return true;
}

}  // namespace ggs
