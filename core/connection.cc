// Connection: one client's stream on libuv — reads fed to the parser, batched writes, close.
#include "core/connection.h"

#include <uv.h>

#include <cstring>

#include "core/http_service.h"
#include "core/log.h"
#include "core/network.h"

namespace ggs {

struct Connection::Io {
  uv_tcp_t tcp;
  uv_write_t write;
};

namespace {

constexpr size_t kReadBufferSize = 64 * 1024;
constexpr size_t kKeepCapacity = 64 * 1024;  // Larger idle buffers are given back.

// Reads are handled synchronously in the read callback, so one buffer serves every
// connection of the loop and an idle connection holds no read buffer at all.
void AllocRead(uv_handle_t*, size_t, uv_buf_t* buf) {
  static thread_local char buffer[kReadBufferSize];
  buf->base = buffer;
  buf->len = sizeof buffer;
}

uv_handle_t* AsHandle(void* h) { return static_cast<uv_handle_t*>(h); }
uv_stream_t* AsStream(void* h) { return static_cast<uv_stream_t*>(h); }

void ShrinkIfLarge(std::string& s) {
  if (s.capacity() > kKeepCapacity) std::string().swap(s);
}

}  // namespace

HttpResponse ConnectionHandler::OnHttpRequest(Connection&, const HttpRequest&) {
  return TextResponse(http_status::kNotFound, "not found");
}

Connection::Connection(Network* network, ConnectionHandler* handler, uint64_t id,
                       Transport transport, ParserLimits limits, size_t max_queued_bytes,
                       TokenBucket commands, uint64_t now_ms)
    : network_(network),
      handler_(handler),
      id_(id),
      max_queued_bytes_(max_queued_bytes),
      io_(std::make_unique<Io>()),
      transport_(transport),
      parser_(limits),
      commands_(commands) {
  if (transport_ == Transport::kHttp) {
    http_ = std::make_unique<HttpParser>(network_->options_.http);
  }
  io_->tcp.data = this;
  io_->write.data = this;
  times_.accepted_ms = times_.last_read_ms = now_ms;
}

Connection::~Connection() = default;

bool Connection::Accept(uv_stream_t* listener) {
  uv_tcp_init(listener->loop, &io_->tcp);
  if (uv_accept(listener, AsStream(&io_->tcp)) != 0) {
    uv_close(AsHandle(&io_->tcp), [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
    return false;
  }
  uv_tcp_nodelay(&io_->tcp, 1);
  return true;
}

std::string Connection::AddressGroup() const {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(&io_->tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  char name[64] = {};
  if (addr.ss_family == AF_INET) {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&addr), name, sizeof name);
    return name;
  }
  if (addr.ss_family != AF_INET6) return "";
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    std::memcpy(&v4.sin_addr, &v6->sin6_addr.s6_addr[12], 4);
    uv_ip4_name(&v4, name, sizeof name);
    return name;
  }
  std::memset(&v6->sin6_addr.s6_addr[8], 0, 8);  // Keep the /64.
  uv_ip6_name(v6, name, sizeof name);
  return std::string(name) + "/64";
}

void Connection::StartReading() {
  uv_read_start(AsStream(&io_->tcp), AllocRead, [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* conn = static_cast<Connection*>(s->data);
    if (n < 0) return conn->Close();
    conn->OnRead(buf->base, static_cast<size_t>(n));
  });
}

void Connection::OnRead(const char* data, size_t size) {
  if (Stopped()) return;
  times_.last_read_ms = network_->loop_->NowMs();
  network_->traffic_[static_cast<size_t>(transport_)].bytes_in += size;
  const std::string_view bytes(data, size);
  switch (transport_) {
    case Transport::kTcp:
      parser_.Feed(bytes);
      return HandlePackets();
    case Transport::kHttp:
      http_->Feed(bytes);
      return HandleHttp();
    case Transport::kWebSocket:
      ws_->Feed(bytes);
      QueueWebSocketOutput();  // Pongs, and the close that answers a close or a bad frame.
      return HandlePackets();
  }
}

bool Connection::WithinBudget() {
  if (budget_turn_ != network_->turn_) {
    budget_turn_ = network_->turn_;
    handled_in_turn_ = 0;
  }
  if (handled_in_turn_ < network_->options_.packets_per_turn) return true;
  // Its bytes wait in the kernel and the parsers; everyone else gets this turn.
  paused_ = times_.waiting_for_server = true;
  uv_read_stop(AsStream(&io_->tcp));
  network_->Pause(this);
  return false;
}

std::optional<Packet> Connection::NextPacket() {
  if (transport_ == Transport::kTcp) return parser_.Next();
  while (std::optional<WebSocketCodec::Message> m = ws_->Next()) {
    if (m->opcode != websocket::kBinary && m->opcode != websocket::kText) continue;
    parser_.Feed(m->data);
    std::optional<Packet> packet = parser_.Next();
    if (!parser_.error().ok()) return std::nullopt;
    if (!packet || parser_.buffered() != 0) {
      message_error_ =
          Status::Error(error::kMalformed, "a WebSocket message carries exactly one whole packet");
      return std::nullopt;
    }
    return packet;
  }
  return std::nullopt;
}

void Connection::HandlePackets() {
  const uint64_t now = network_->loop_->NowMs();
  bool handled_any = false;
  while (!Stopped() && message_error_.ok()) {
    if (!WithinBudget()) return;
    std::optional<Packet> packet = NextPacket();
    if (!packet) break;
    ++handled_in_turn_;
    handled_any = true;
    ++network_->traffic_[static_cast<size_t>(transport_)].packets_in;
    if (!commands_.Take(now)) {
      handler_->OnRefused(*this, Status::Error(error::kRateLimited,
                                               "over the server's limit of commands per "
                                               "second; this command was dropped"));
      continue;
    }
    handler_->OnPacket(*this, std::move(*packet));
  }
  // A packet's deadline runs from the read that began it.
  const bool partial = transport_ == Transport::kTcp ? parser_.buffered() != 0 : ws_->mid_message();
  if (!partial) {
    times_.packet_started_ms = 0;
  } else if (handled_any || times_.packet_started_ms == 0) {
    times_.packet_started_ms = now;
  }
  const Status& framing = parser_.error().ok() ? message_error_ : parser_.error();
  if (!framing.ok() && !Stopped()) {
    // Nothing more can be read; the handler answers and closes, once its earlier replies
    // are out (they may still be on their way from a game's VM).
    ending_ = true;
    uv_read_stop(AsStream(&io_->tcp));
    handler_->OnFramingError(*this, framing);
    return;
  }
  if (transport_ == Transport::kWebSocket && ws_->close_sent() && !Stopped()) {
    // The client closed, or broke the WebSocket framing: the codec has answered with its
    // close frame, and nothing the client sends counts any more.
    closing = true;
    CloseAfterFlush();
  }
}

void Connection::HandleHttp() {
  while (!Stopped() && transport_ == Transport::kHttp) {
    if (!WithinBudget()) return;
    std::optional<HttpRequest> request = http_->Next();
    if (!request) break;
    ++handled_in_turn_;
    HandleHttpRequest(*request);
  }
  if (transport_ != Transport::kHttp || Stopped()) return;
  if (!http_->mid_request()) {
    times_.packet_started_ms = 0;
  } else if (times_.packet_started_ms == 0) {
    times_.packet_started_ms = network_->loop_->NowMs();
  }
  if (http_->failed()) {
    HttpResponse response = TextResponse(http_->error_status(), http_->error_reason());
    response.close = true;
    SendHttp(response);
  }
}

void Connection::HandleHttpRequest(const HttpRequest& request) {
  if (!commands_.Take(network_->loop_->NowMs())) {
    HttpResponse response = TextResponse(http_status::kTooManyRequests,
                                         "over the server's limit of requests per second");
    response.close = !request.keep_alive || request.upgrade;
    return SendHttp(response);
  }
  if (TargetPath(request.target) == kWebSocketPath && request.upgrade) return Upgrade(request);
  HttpResponse response = handler_->OnHttpRequest(*this, request);
  // After an upgrade request that is not taken, the stream's next bytes are not HTTP.
  if (!request.keep_alive || request.upgrade) response.close = true;
  SendHttp(response);
}

void Connection::Upgrade(const HttpRequest& request) {
  HttpResponse response = WebSocketHandshake(request);
  if (response.status != http_status::kSwitchingProtocols) {
    response.close = true;
    return SendHttp(response);
  }
  QueueRaw(EncodeResponse(response));
  const std::string rest = http_->TakeRest();
  http_.reset();
  transport_ = Transport::kWebSocket;
  const ParserLimits& limits = network_->options_.limits;
  ws_ = std::make_unique<WebSocketCodec>(WebSocketCodec::Role::kServer,
                                         limits.max_header + limits.max_payload);
  network_->Upgraded(this);
  // The player's deadlines (hello, packet, idle) start now, as on a new TCP connection.
  times_ = ConnectionTimes();
  times_.accepted_ms = times_.last_read_ms = network_->loop_->NowMs();
  if (rest.empty()) return;
  ws_->Feed(rest);
  QueueWebSocketOutput();
  HandlePackets();
}

void Connection::SendHttp(const HttpResponse& response) {
  QueueRaw(EncodeResponse(response));
  if (response.close) CloseAfterFlush();
}

void Connection::QueueRaw(std::string_view bytes) {
  if (closing_ || bytes.empty()) return;
  queued_.append(bytes);
  network_->MarkDirty(this);
}

void Connection::QueueWebSocketOutput() { QueueRaw(ws_->TakeOutput()); }

void Connection::ResumeAfterPause() {
  paused_ = times_.waiting_for_server = false;
  if (Stopped()) return;
  if (transport_ == Transport::kHttp) {
    HandleHttp();
  } else {
    HandlePackets();
  }
  if (!paused_ && !Stopped()) StartReading();
}

void Connection::Refuse(const Status& error) {
  // The handler answers it, so that it is counted with the other errors sent.
  if (transport_ != Transport::kHttp) return handler_->OnRefused(*this, error);
  HttpResponse response = TextResponse(http_status::kServiceUnavailable, error.message());
  response.close = true;
  SendHttp(response);
}

void Connection::End(const Status& error) {
  if (Stopped()) return;
  if (transport_ == Transport::kHttp) {
    // An HTTP connection past a deadline: a request that was still arriving hears 408.
    if (http_->mid_request()) {
      HttpResponse response = TextResponse(http_status::kRequestTimeout, error.message());
      response.close = true;
      return SendHttp(response);
    }
    return CloseAfterFlush();
  }
  ending_ = true;
  uv_read_stop(AsStream(&io_->tcp));
  handler_->OnRefused(*this, error);
}

void Connection::Send(std::string_view bytes) {
  if (closing_) return;
  if (transport_ != Transport::kHttp)
    ++network_->traffic_[static_cast<size_t>(transport_)].packets_out;  // One per Send.
  switch (transport_) {
    case Transport::kTcp:
      return QueueRaw(bytes);
    case Transport::kHttp:
      return;
    case Transport::kWebSocket:
      ws_->Send(websocket::kBinary, bytes);
      return QueueWebSocketOutput();
  }
}

void Connection::CloseAfterFlush() {
  if (closing_ || close_after_flush_) return;
  if (transport_ == Transport::kWebSocket) {
    ws_->Close(websocket::kNormalClosure);  // Behind the packets queued before it.
    QueueWebSocketOutput();
  }
  close_after_flush_ = true;
  uv_read_stop(AsStream(&io_->tcp));
  network_->MarkDirty(this);
}

void Connection::Flush() {
  if (closing_) return;
  if (queued_.size() + in_flight_.size() > max_queued_bytes_) {
    Log(LogLevel::kWarn, "connection " + std::to_string(id_) + " closed: it reads too slowly");
    return Close();
  }
  if (writing_) return;  // OnWritten marks the connection dirty again.
  if (queued_.empty()) {
    if (close_after_flush_) Close();
    return;
  }
  // Most writes fit in the socket's buffer: written at once, with no request to complete
  // on a later loop turn. What does not fit goes out through uv_write.
  uv_buf_t now = uv_buf_init(queued_.data(), static_cast<unsigned>(queued_.size()));
  const int written = uv_try_write(AsStream(&io_->tcp), &now, 1);
  if (written < 0 && written != UV_EAGAIN) return Close();
  if (written > 0) {
    network_->traffic_[static_cast<size_t>(transport_)].bytes_out += static_cast<size_t>(written);
    if (static_cast<size_t>(written) == queued_.size()) {
      queued_.clear();
      ShrinkIfLarge(queued_);
      if (close_after_flush_) Close();
      return;
    }
    queued_.erase(0, static_cast<size_t>(written));
  }
  in_flight_.swap(queued_);
  uv_buf_t buf = uv_buf_init(in_flight_.data(), static_cast<unsigned>(in_flight_.size()));
  const int rc = uv_write(
      &io_->write, AsStream(&io_->tcp), &buf, 1,
      [](uv_write_t* req, int status) { static_cast<Connection*>(req->data)->OnWritten(status); });
  if (rc != 0) return Close();
  writing_ = true;
}

void Connection::OnWritten(int status) {
  writing_ = false;
  if (closing_) return;
  if (status < 0) return Close();
  network_->traffic_[static_cast<size_t>(transport_)].bytes_out += in_flight_.size();
  in_flight_.clear();
  ShrinkIfLarge(in_flight_);
  ShrinkIfLarge(queued_);
  if (!queued_.empty() || close_after_flush_) network_->MarkDirty(this);
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  handler_->OnClose(*this);
  uv_close(AsHandle(&io_->tcp), [](uv_handle_t* h) {
    auto* conn = static_cast<Connection*>(h->data);
    conn->network_->Forget(conn);
    delete conn;
  });
}

}  // namespace ggs
