// WsClient: the handshake, then the codec over a blocking socket.
#include "client/ws_client.h"

#include <chrono>

namespace ggs {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Big enough for any packet the server sends.
constexpr size_t kMaxMessage = size_t{64} << 20;

}  // namespace

WsClient::WsClient(std::unique_ptr<SyncClient> socket)
    : socket_(std::move(socket)),
      codec_(WebSocketCodec::Role::kClient, kMaxMessage,
             static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

Result<std::unique_ptr<WsClient>> WsClient::Connect(const std::string& host, int port,
                                                    const std::string& path, int timeout_ms) {
  Result<std::unique_ptr<SyncClient>> socket = SyncClient::Connect(host, port, timeout_ms);
  if (!socket.ok()) return socket.status();
  const std::string key = websocket::ClientKey(static_cast<uint64_t>(NowMs()));
  const std::string request =
      websocket::HandshakeRequest(host + ":" + std::to_string(port), path, key);
  if (Status s = (*socket)->SendRaw(request); !s.ok()) return s;
  std::string bytes;
  const int64_t deadline = NowMs() + timeout_ms;
  size_t end = std::string::npos;
  while ((end = bytes.find("\r\n\r\n")) == std::string::npos) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return Status::Timeout("no handshake answer");
    Result<std::string> more = (*socket)->ReceiveRaw(static_cast<int>(left));
    if (!more.ok()) return more.status();
    bytes += *more;
  }
  const std::string head = bytes.substr(0, end + 4);
  if (!websocket::HandshakeAccepted(head, key)) {
    return Status::Error("refused", head.substr(0, head.find("\r\n")));
  }
  auto client = std::unique_ptr<WsClient>(new WsClient(std::move(socket.value())));
  client->codec_.Feed(std::string_view(bytes).substr(end + 4));
  return client;
}

Status WsClient::SendServer(std::string_view command, std::string_view payload) {
  return Send(ServerCommand(command, std::string(payload)));
}

Status WsClient::SendGame(std::string_view command, std::string_view payload) {
  return Send(GameCommand(command, std::string(payload)));
}

Status WsClient::SendMessage(uint8_t opcode, std::string_view payload) {
  if (opcode == websocket::kClose) {
    const uint16_t code = websocket::kNormalClosure;
    codec_.Close(code, payload);
  } else {
    codec_.Send(opcode, payload);
  }
  return socket_->SendRaw(codec_.TakeOutput());
}

Result<WebSocketCodec::Message> WsClient::ReceiveMessage(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    if (std::optional<WebSocketCodec::Message> m = codec_.Next()) {
      if (m->opcode == websocket::kClose) close_code_ = m->close_code;
      // The codec answers pings and closes; the answers go out as a real client's would.
      if (std::string out = codec_.TakeOutput(); !out.empty()) (void)socket_->SendRaw(out);
      return std::move(*m);
    }
    const int64_t left = deadline - NowMs();
    if (left <= 0)
      return Status::Timeout("no message within " + std::to_string(timeout_ms) + " ms");
    Result<std::string> bytes = socket_->ReceiveRaw(static_cast<int>(left));
    if (!bytes.ok()) return bytes.status();
    codec_.Feed(*bytes);
  }
}

Result<Packet> WsClient::Receive(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    const int64_t left = std::max<int64_t>(0, deadline - NowMs());
    Result<WebSocketCodec::Message> m = ReceiveMessage(static_cast<int>(left));
    if (!m.ok()) return m.status();
    if (m->opcode == websocket::kClose) {
      return Status::Closed("close frame " + std::to_string(m->close_code));
    }
    if (m->opcode != websocket::kBinary && m->opcode != websocket::kText) continue;
    Parser parser(ParserLimits{1 << 20, kMaxMessage});
    parser.Feed(m->data);
    std::optional<Packet> p = parser.Next();
    if (!p || parser.buffered() != 0) {
      return Status::Error(error::kMalformed, "a message that is not exactly one packet");
    }
    return std::move(*p);
  }
}

bool WsClient::WaitClosed(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    Result<WebSocketCodec::Message> m = ReceiveMessage(static_cast<int>(left));
    if (!m.ok()) return m.status().IsClosed() && close_code_ != websocket::kNoClose;
  }
}

}  // namespace ggs
