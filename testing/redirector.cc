// Redirector: a blocking listener on its own thread, one connection at a time.
#include "testing/redirector.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

#include "base/text.h"
#include "core/websocket.h"
#include "testing/server_process.h"

namespace ggs {
namespace {

constexpr int kPollMs = 50;          // How often the listener looks at stop_.
constexpr int kConnectionMs = 5000;  // The longest one connection is served.
constexpr int kLingerMs = 1000;      // The longest wait for a client to hang up.

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One read within the deadline: the bytes, or nullopt at the end of the stream, an error or
// the deadline.
std::optional<std::string> ReadSome(int fd, int64_t deadline_ms) {
  const int64_t left = deadline_ms - NowMs();
  pollfd p{fd, POLLIN, 0};
  if (left <= 0 || poll(&p, 1, static_cast<int>(left)) != 1) return std::nullopt;
  char buf[16384];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// The value of the request header `name` in an HTTP head, or "".
std::string HttpHeader(std::string_view head, std::string_view name) {
  size_t at = 0;
  while (at < head.size()) {
    size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view line = head.substr(at, end - at);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && EqualsIgnoreCase(line.substr(0, colon), name)) {
      return std::string(TrimBlanks(line.substr(colon + 1)));
    }
    at = end + 2;
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<Redirector>> Redirector::Start(std::string target, Transport transport) {
  Result<LoopbackSocket> listening = BindLoopback(64);
  if (!listening.ok()) return listening.status();
  return std::unique_ptr<Redirector>(
      new Redirector(listening->fd, listening->port, std::move(target), transport));
}

Redirector::Redirector(int fd, int port, std::string target, Transport transport)
    : listen_fd_(fd), port_(port), transport_(transport), target_(std::move(target)) {
  thread_ = std::thread([this] { Serve(); });
}

Redirector::~Redirector() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string Redirector::address() const { return "127.0.0.1:" + std::to_string(port_); }

void Redirector::set_target(std::string target) {
  std::lock_guard<std::mutex> lock(mu_);
  target_ = std::move(target);
}

std::string Redirector::Target() const {
  std::lock_guard<std::mutex> lock(mu_);
  return target_;
}

std::vector<Packet> Redirector::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

void Redirector::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, kPollMs) != 1) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Answer(fd);
    // Closing with unread bytes would reset the connection, and the reset could overtake the
    // redirect: end the sending side, and wait (briefly) for the client to hang up.
    shutdown(fd, SHUT_WR);
    const int64_t linger = NowMs() + kLingerMs;
    while (ReadSome(fd, linger)) {
    }
    ::close(fd);
  }
}

void Redirector::Answer(int fd) {
  const int64_t deadline = NowMs() + kConnectionMs;
  std::string bytes;
  std::unique_ptr<WebSocketCodec> ws;
  if (transport_ == Transport::kWebSocket) {
    // The opening handshake; what follows it is WebSocket frames.
    size_t end = std::string::npos;
    while ((end = bytes.find("\r\n\r\n")) == std::string::npos) {
      std::optional<std::string> more = ReadSome(fd, deadline);
      if (!more) return;
      bytes += *more;
    }
    const std::string key = HttpHeader(std::string_view(bytes).substr(0, end), "Sec-WebSocket-Key");
    WriteAll(fd,
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: " +
                 websocket::AcceptKey(key) + "\r\n\r\n");
    ws = std::make_unique<WebSocketCodec>(WebSocketCodec::Role::kServer, 1 << 20);
    bytes.erase(0, end + 4);
  }
  auto send = [&](const Packet& packet) {
    if (!ws) return WriteAll(fd, Encode(packet));
    ws->Send(websocket::kBinary, Encode(packet));
    WriteAll(fd, ws->TakeOutput());
  };
  Parser parser;
  while (true) {
    if (ws) {
      ws->Feed(bytes);
      while (std::optional<WebSocketCodec::Message> m = ws->Next()) {
        if (m->opcode == websocket::kBinary || m->opcode == websocket::kText) parser.Feed(m->data);
      }
      if (ws->close_received()) return;
    } else {
      parser.Feed(bytes);
    }
    while (std::optional<Packet> packet = parser.Next()) {
      const std::string* command = packet->Find(header::kServerCommand);
      if (command && *command == command::kPing) {
        Packet pong;
        pong.Add(header::kClientCommand, command::kPong);
        pong.payload = packet->payload;
        send(pong);
        continue;
      }
      if (!command || *command != command::kHello) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(std::move(*packet));
      }
      Packet redirect;
      redirect.Add(header::kClientCommand, command::kRedirect);
      redirect.payload = Target();
      send(redirect);
      if (ws) {
        ws->Close(websocket::kNormalClosure);
        WriteAll(fd, ws->TakeOutput());
      }
      return;
    }
    if (!parser.error().ok()) return;
    std::optional<std::string> more = ReadSome(fd, deadline);
    if (!more) return;
    bytes = std::move(*more);
  }
}

}  // namespace ggs
