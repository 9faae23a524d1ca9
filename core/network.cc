// Network: TCP accept, per-connection parsing and write batching on libuv.
#include "core/network.h"

#include <uv.h>

#include <algorithm>

#include "core/log.h"
#include "core/protocol.h"

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

Network::Network(Loop* loop, ConnectionHandler* handler, NetworkOptions options)
    : loop_(loop),
      handler_(handler),
      options_(options),
      listener_(std::make_unique<uv_tcp_t>()),
      prepare_(std::make_unique<uv_prepare_t>()),
      check_(std::make_unique<uv_check_t>()) {
  // Writes queued by timers go out before the loop blocks (prepare); writes queued by
  // reads go out right after the poll (check). Either way: one write per turn.
  uv_prepare_init(loop_->uv(), prepare_.get());
  prepare_->data = this;
  uv_prepare_start(prepare_.get(),
                   [](uv_prepare_t* h) { static_cast<Network*>(h->data)->FlushDirty(); });
  uv_check_init(loop_->uv(), check_.get());
  check_->data = this;
  uv_check_start(check_.get(), [](uv_check_t* h) { static_cast<Network*>(h->data)->FlushDirty(); });
}

Network::~Network() {
  StopListening();
  std::vector<Connection*> all(connections_.begin(), connections_.end());
  for (Connection* c : all) c->Close();
  uv_close(AsHandle(prepare_.get()), nullptr);
  uv_close(AsHandle(check_.get()), nullptr);
  // Close callbacks run at the end of a loop turn and need this object: run one now.
  uv_run(loop_->uv(), UV_RUN_NOWAIT);
}

Status Network::Listen(const std::string& host, int port) {
  sockaddr_storage addr{};
  int rc = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  if (rc != 0) return Status::Error(error::kInternal, "bad listen address " + host);
  uv_tcp_init(loop_->uv(), listener_.get());
  listener_->data = this;
  listening_ = true;
  rc = uv_tcp_bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(AsStream(listener_.get()), 4096, OnConnection);
  if (rc != 0) {
    return Status::Error(error::kInternal, "cannot listen on " + host + ":" + std::to_string(port) +
                                               ": " + uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::Ok();
}

void Network::StopListening() {
  if (!listening_) return;
  listening_ = false;
  uv_close(AsHandle(listener_.get()), nullptr);
}

void Network::CloseAll() {
  for (Connection* c : connections_) c->CloseAfterFlush();
}

void Network::OnConnection(uv_stream_t* server, int status) {
  auto* self = static_cast<Network*>(server->data);
  if (status < 0) {
    Log(LogLevel::kWarn, std::string("accept: ") + uv_strerror(status));
    return;
  }
  self->Accept();
}

void Network::Accept() {
  auto* c = new Connection(this, ++accepted_, options_.limits);
  uv_tcp_init(loop_->uv(), &c->io_->tcp);
  if (uv_accept(AsStream(listener_.get()), AsStream(&c->io_->tcp)) != 0) {
    uv_close(AsHandle(&c->io_->tcp),
             [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
    return;
  }
  connections_.insert(c);
  uv_tcp_nodelay(&c->io_->tcp, 1);
  if (connections_.size() > options_.max_connections) {
    ++refused_;
    std::string bytes;
    AppendError(bytes, error::kServerFull,
                "the server holds its maximum of " + std::to_string(options_.max_connections) +
                    " connections");
    c->Send(bytes);
    c->CloseAfterFlush();
    return;
  }
  uv_read_start(AsStream(&c->io_->tcp), AllocRead,
                [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                  auto* conn = static_cast<Connection*>(s->data);
                  if (n < 0) return conn->Close();
                  conn->OnRead(buf->base, static_cast<size_t>(n));
                });
}

void Network::MarkDirty(Connection* c) {
  if (c->dirty_) return;
  c->dirty_ = true;
  dirty_.push_back(c);
}

void Network::FlushDirty() {
  if (dirty_.empty()) return;
  std::vector<Connection*> batch;
  batch.swap(dirty_);
  for (Connection* c : batch) {
    c->dirty_ = false;
    c->Flush();
  }
}

void Network::Forget(Connection* c) {
  connections_.erase(c);
  if (c->dirty_) dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), c), dirty_.end());
}

Connection::Connection(Network* network, uint64_t id, ParserLimits limits)
    : network_(network), id_(id), io_(std::make_unique<Io>()), parser_(limits) {
  io_->tcp.data = this;
  io_->write.data = this;
}

Connection::~Connection() = default;

void Connection::OnRead(const char* data, size_t size) {
  if (closing_ || close_after_flush_) return;
  parser_.Feed(std::string_view(data, size));
  while (!closing_ && !close_after_flush_) {
    std::optional<Packet> packet = parser_.Next();
    if (!packet) break;
    network_->handler_->OnPacket(*this, std::move(*packet));
  }
  if (!parser_.error().ok() && !closing_ && !close_after_flush_) {
    network_->handler_->OnFramingError(*this, parser_.error());
    CloseAfterFlush();
  }
}

void Connection::Send(std::string_view bytes) {
  if (closing_) return;
  queued_.append(bytes);
  network_->MarkDirty(this);
}

void Connection::CloseAfterFlush() {
  if (closing_ || close_after_flush_) return;
  close_after_flush_ = true;
  uv_read_stop(AsStream(&io_->tcp));
  network_->MarkDirty(this);
}

void Connection::Flush() {
  if (closing_) return;
  if (queued_.size() + in_flight_.size() > network_->options_.max_queued_bytes) {
    Log(LogLevel::kWarn, "connection " + std::to_string(id_) + " closed: it reads too slowly");
    return Close();
  }
  if (writing_) return;  // OnWritten marks the connection dirty again.
  if (queued_.empty()) {
    if (close_after_flush_) Close();
    return;
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
  in_flight_.clear();
  ShrinkIfLarge(in_flight_);
  ShrinkIfLarge(queued_);
  if (!queued_.empty() || close_after_flush_) network_->MarkDirty(this);
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  network_->handler_->OnClose(*this);
  uv_close(AsHandle(&io_->tcp), [](uv_handle_t* h) {
    auto* conn = static_cast<Connection*>(h->data);
    conn->network_->Forget(conn);
    delete conn;
  });
}

}  // namespace ggs
