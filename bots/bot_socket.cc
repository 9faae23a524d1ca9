// BotSocket: libuv TCP and timer handles behind awaitables.
#include "bots/bot_socket.h"

#include <uv.h>

#include <algorithm>
#include <string>
#include <utility>

#include "bots/run_clock.h"

namespace ggs::bots {

// The TCP handle and its requests. `owner` is cleared when the socket lets go of the
// connection; libuv still calls back (cancelled writes, then close), and the close
// callback frees the record.
struct BotSocket::TcpIo {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  std::string writing;  // The bytes of the write in flight (libuv points into them).
  std::string pending;  // Bytes queued behind it.
  BotSocket* owner;
  bool connected = false;
};

namespace {

constexpr size_t kReadBufferSize = 64 * 1024;

uv_handle_t* AsHandle(void* h) { return static_cast<uv_handle_t*>(h); }
uv_stream_t* AsStream(void* h) { return static_cast<uv_stream_t*>(h); }

// Packets are parsed within the read callback, so one buffer serves all sockets of a loop.
void AllocRead(uv_handle_t*, size_t, uv_buf_t* buf) {
  static thread_local char buffer[kReadBufferSize];
  buf->base = buffer;
  buf->len = sizeof buffer;
}

BotSocket::TcpIo* TcpOf(void* handle_data) { return static_cast<BotSocket::TcpIo*>(handle_data); }

}  // namespace

BotSocket::BotSocket(Scheduler* scheduler) : scheduler_(scheduler) {}

BotSocket::~BotSocket() { Shutdown(); }

bool BotSocket::connected() const { return tcp_ && tcp_->connected; }

size_t BotSocket::queued_bytes() const {
  return tcp_ ? tcp_->writing.size() + tcp_->pending.size() : 0;
}

BotSocket::ConnectAwaiter BotSocket::Connect(const sockaddr_storage& address,
                                             uint64_t deadline_us) {
  Close();
  tcp_ = new TcpIo;
  tcp_->owner = this;
  uv_tcp_init(scheduler_->loop(), &tcp_->tcp);
  tcp_->tcp.data = tcp_;
  tcp_->connect.data = tcp_;
  tcp_->write.data = tcp_;
  uv_tcp_nodelay(&tcp_->tcp, 1);  // Pings and inputs are small and must not wait for Nagle.
  const int rc =
      uv_tcp_connect(&tcp_->connect, &tcp_->tcp, reinterpret_cast<const sockaddr*>(&address),
                     [](uv_connect_t* req, int status) {
                       TcpIo* io = TcpOf(req->data);
                       if (io->owner) io->owner->OnConnected(status);
                     });
  if (rc != 0) {
    Close();
    connect_status_ = Status::Error("connect_failed", uv_strerror(rc));
  } else {
    connect_pending_ = true;
    connect_status_ = Status::Ok();
  }
  return ConnectAwaiter(this, deadline_us);
}

void BotSocket::OnConnected(int status) {
  connect_pending_ = false;
  if (status != 0) {
    connect_status_ = Status::Error("connect_failed", uv_strerror(status));
    Close();
  } else {
    tcp_->connected = true;
    handshaking_ = websocket_;
    uv_read_start(AsStream(&tcp_->tcp), AllocRead,
                  [](uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
                    TcpIo* io = TcpOf(stream->data);
                    if (!io->owner) return;
                    if (n > 0) io->owner->OnBytes(buf->base, static_cast<size_t>(n));
                    if (n < 0) io->owner->OnReadError(static_cast<int>(n));
                  });
  }
  if (handshaking_) {
    // Connected once the server has switched protocols.
    connect_pending_ = true;
    ws_key_ = websocket::ClientKey(NowUs() ^ reinterpret_cast<uintptr_t>(this));
    Status s = WriteRaw(websocket::HandshakeRequest("ggs", "/ws", ws_key_));
    if (s.ok()) return;
    connect_pending_ = false;
    connect_status_ = Status::Error("connect_failed", s.message());
    Close();
  }
  if (waiter_) Resume();
}

void BotSocket::OnHandshakeBytes(std::string_view bytes) {
  constexpr size_t kMaxAnswer = 16 * 1024;
  handshake_.append(bytes);
  const size_t end = handshake_.find("\r\n\r\n");
  if (end == std::string::npos && handshake_.size() < kMaxAnswer) return;
  const std::string head = handshake_.substr(0, std::min(end, handshake_.size()));
  connect_pending_ = false;
  if (end == std::string::npos || !websocket::HandshakeAccepted(head, ws_key_)) {
    Close();
    connect_status_ = Status::Error(
        "connect_failed", "WebSocket handshake refused: " + head.substr(0, head.find("\r\n")));
  } else {
    handshaking_ = false;
    constexpr size_t kMaxMessage = size_t{64} << 20;
    ws_ = std::make_unique<WebSocketCodec>(WebSocketCodec::Role::kClient, kMaxMessage,
                                           static_cast<uint64_t>(NowUs()));
    const std::string rest = handshake_.substr(end + 4);
    std::string().swap(handshake_);
    connect_status_ = Status::Ok();
    if (!rest.empty()) OnWebSocketBytes(rest);
  }
  if (waiter_) Resume();
}

void BotSocket::OnWebSocketBytes(std::string_view bytes) {
  ws_->Feed(bytes);
  while (std::optional<WebSocketCodec::Message> m = ws_->Next()) {
    if (m->opcode == websocket::kBinary || m->opcode == websocket::kText) parser_.Feed(m->data);
    if (m->opcode == websocket::kClose) {
      read_error_ = Status::Closed("the server closed the connection (close frame " +
                                   std::to_string(m->close_code) + ")");
    }
  }
  // Pongs, and the close that answers the server's.
  if (std::string out = ws_->TakeOutput(); !out.empty()) (void)WriteRaw(out);
}

BotSocket::ReadAwaiter BotSocket::Read(uint64_t deadline_us) {
  return ReadAwaiter(this, deadline_us);
}

bool BotSocket::ReadReady(uint64_t deadline_us) {
  if (!ready_ && parser_.error().ok()) ready_ = parser_.Next();
  return ready_ || !parser_.error().ok() || !read_error_.ok() || !connected() ||
         NowUs() >= deadline_us;
}

Result<Packet> BotSocket::TakeRead() {
  waiting_read_ = false;
  if (ready_) {
    Packet p = std::move(*ready_);
    ready_.reset();
    return p;
  }
  if (!parser_.error().ok()) return parser_.error();
  if (!read_error_.ok()) return read_error_;
  if (!connected()) return Status::Closed("not connected");
  return Status::Timeout("no packet before the deadline");
}

void BotSocket::OnBytes(const char* data, size_t size) {
  if (handshaking_) return OnHandshakeBytes(std::string_view(data, size));
  if (ws_) {
    OnWebSocketBytes(std::string_view(data, size));
  } else {
    parser_.Feed(std::string_view(data, size));
  }
  if (!waiting_read_) return;  // The reader pulls the packet when it next reads.
  if (!ready_) ready_ = parser_.Next();
  if (ready_ || !parser_.error().ok()) Resume();
}

void BotSocket::OnReadError(int status) {
  read_error_ = status == UV_EOF ? Status::Closed("the server closed the connection")
                                 : Status::Io(uv_strerror(status));
  uv_read_stop(AsStream(&tcp_->tcp));
  if (waiting_read_) Resume();
}

BotSocket::SleepAwaiter BotSocket::SleepUntil(uint64_t deadline_us) {
  return SleepAwaiter(this, deadline_us);
}

bool BotSocket::SleepAwaiter::await_ready() const { return NowUs() >= deadline_; }

Status BotSocket::Write(std::string_view bytes) {
  if (!connected() || handshaking_) return Status::Closed("not connected");
  if (!ws_) return WriteRaw(bytes);
  ws_->Send(websocket::kBinary, bytes);
  return WriteRaw(ws_->TakeOutput());
}

Status BotSocket::WriteRaw(std::string_view bytes) {
  if (!connected()) return Status::Closed("not connected");
  if (!write_error_.ok()) return write_error_;
  if (!tcp_->writing.empty()) {
    tcp_->pending.append(bytes);
    return Status::Ok();
  }
  // Most writes fit in the socket buffer at once and need no request at all.
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  const int n = uv_try_write(AsStream(&tcp_->tcp), &buf, 1);
  if (n == static_cast<int>(bytes.size())) return Status::Ok();
  if (n < 0 && n != UV_EAGAIN) {
    write_error_ = Status::Io(uv_strerror(n));
    return write_error_;
  }
  tcp_->writing.assign(bytes.substr(n > 0 ? static_cast<size_t>(n) : 0));
  StartWrite();
  return write_error_;
}

void BotSocket::StartWrite() {
  uv_buf_t buf = uv_buf_init(tcp_->writing.data(), static_cast<unsigned>(tcp_->writing.size()));
  const int rc =
      uv_write(&tcp_->write, AsStream(&tcp_->tcp), &buf, 1, [](uv_write_t* req, int status) {
        TcpIo* io = TcpOf(req->data);
        if (io->owner) io->owner->OnWritten(status);
      });
  if (rc != 0) write_error_ = Status::Io(uv_strerror(rc));
}

void BotSocket::OnWritten(int status) {
  tcp_->writing.clear();
  if (status < 0) {
    write_error_ = Status::Io(uv_strerror(status));
    return;
  }
  if (tcp_->pending.empty()) return;
  tcp_->writing.swap(tcp_->pending);
  StartWrite();
}

void BotSocket::Close() {
  if (tcp_) {
    tcp_->owner = nullptr;
    uv_close(AsHandle(&tcp_->tcp), [](uv_handle_t* h) { delete TcpOf(h->data); });
    tcp_ = nullptr;
  }
  parser_ = Parser();
  ws_.reset();
  handshaking_ = false;
  std::string().swap(handshake_);
  ready_.reset();
  read_error_ = Status::Ok();
  write_error_ = Status::Ok();
  connect_pending_ = false;
}

void BotSocket::Shutdown() {
  Close();
  scheduler_->Cancel(this);
  waiter_ = {};
}

void BotSocket::Wait(std::coroutine_handle<> waiter, uint64_t deadline_us) {
  waiter_ = waiter;
  scheduler_->WakeAt(this, deadline_us);
}

void BotSocket::OnWake() {
  if (!waiter_) return;
  if (connect_pending_) {
    Close();
    connect_status_ = Status::Timeout("no connection before the deadline");
  }
  Resume();
}

void BotSocket::Resume() {
  waiting_read_ = false;
  std::exchange(waiter_, {}).resume();
}

}  // namespace ggs::bots
