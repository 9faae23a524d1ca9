// Connection: one client's stream on libuv — reads fed to the parser, batched writes, close.
#include "core/connection.h"

#include <uv.h>

#include <cstring>

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

Connection::Connection(Network* network, ConnectionHandler* handler, uint64_t id,
                       ParserLimits limits, size_t max_queued_bytes, TokenBucket commands,
                       uint64_t now_ms)
    : network_(network),
      handler_(handler),
      id_(id),
      max_queued_bytes_(max_queued_bytes),
      io_(std::make_unique<Io>()),
      parser_(limits),
      commands_(commands) {
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
  network_->traffic_.bytes_in += size;
  parser_.Feed(std::string_view(data, size));
  HandlePackets();
}

void Connection::HandlePackets() {
  const uint64_t now = network_->loop_->NowMs();
  if (budget_turn_ != network_->turn_) {
    budget_turn_ = network_->turn_;
    handled_in_turn_ = 0;
  }
  bool handled_any = false;
  while (!Stopped()) {
    if (handled_in_turn_ >= network_->options_.packets_per_turn) {
      // Its bytes wait in the kernel and the parser; everyone else gets this turn.
      paused_ = times_.waiting_for_server = true;
      uv_read_stop(AsStream(&io_->tcp));
      network_->Pause(this);
      return;
    }
    std::optional<Packet> packet = parser_.Next();
    if (!packet) break;
    ++handled_in_turn_;
    handled_any = true;
    ++network_->traffic_.packets_in;
    if (!commands_.Take(now)) {
      handler_->OnRefused(*this, Status::Error(error::kRateLimited,
                                               "over the server's limit of commands per "
                                               "second; this command was dropped"));
      continue;
    }
    handler_->OnPacket(*this, std::move(*packet));
  }
  // A packet's deadline runs from the read that began it.
  if (parser_.buffered() == 0) {
    times_.packet_started_ms = 0;
  } else if (handled_any || times_.packet_started_ms == 0) {
    times_.packet_started_ms = now;
  }
  if (!parser_.error().ok() && !Stopped()) {
    // Nothing more can be read; the handler answers and closes, once its earlier replies
    // are out (they may still be on their way from a game's VM).
    ending_ = true;
    uv_read_stop(AsStream(&io_->tcp));
    handler_->OnFramingError(*this, parser_.error());
  }
}

void Connection::ResumeAfterPause() {
  paused_ = times_.waiting_for_server = false;
  if (Stopped()) return;
  HandlePackets();
  if (!paused_ && !Stopped()) StartReading();
}

void Connection::End(const Status& error) {
  if (Stopped()) return;
  ending_ = true;
  uv_read_stop(AsStream(&io_->tcp));
  handler_->OnRefused(*this, error);
}

void Connection::Send(std::string_view bytes) {
  if (closing_) return;
  queued_.append(bytes);
  ++network_->traffic_.packets_out;  // Every Send is one packet (Peer::Send).
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
  if (queued_.size() + in_flight_.size() > max_queued_bytes_) {
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
  network_->traffic_.bytes_out += in_flight_.size();
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
