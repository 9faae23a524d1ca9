// Network: the listener, the connection limit and once-per-turn write batching on libuv.
#include "core/network.h"

#include <uv.h>

#include <algorithm>

#include "core/log.h"
#include "core/protocol.h"

namespace ggs {

Network::Network(Loop* loop, ConnectionHandler* handler, NetworkOptions options)
    : loop_(loop),
      handler_(handler),
      options_(options),
      listener_(std::make_unique<uv_tcp_t>()),
      http_listener_(std::make_unique<uv_tcp_t>()),
      prepare_(std::make_unique<uv_prepare_t>()),
      check_(std::make_unique<uv_check_t>()),
      idle_(std::make_unique<uv_idle_t>()) {
  // Writes queued by timers go out before the loop blocks (prepare); writes queued by
  // reads go out right after the poll (check). Either way: one write per turn. A turn
  // ends at the check, so the paused connections resumed by the idle handle at the start
  // of the next turn have a fresh budget.
  uv_prepare_init(loop_->uv(), prepare_.get());
  prepare_->data = this;
  uv_prepare_start(prepare_.get(),
                   [](uv_prepare_t* h) { static_cast<Network*>(h->data)->FlushDirty(); });
  uv_check_init(loop_->uv(), check_.get());
  check_->data = this;
  uv_check_start(check_.get(), [](uv_check_t* h) {
    auto* self = static_cast<Network*>(h->data);
    self->FlushDirty();
    ++self->turn_;
  });
  uv_idle_init(loop_->uv(), idle_.get());
  idle_->data = this;
  if (const uint64_t every = DeadlineCheckIntervalMs(options_.deadlines); every != 0) {
    deadline_timer_ = loop_->Start(every, true, [this] { CheckDeadlines(); });
  }
}

Network::~Network() {
  StopListening();
  std::vector<Connection*> all(connections_.begin(), connections_.end());
  for (Connection* c : all) c->Close();
  loop_->Stop(deadline_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(prepare_.get()), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(check_.get()), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(idle_.get()), nullptr);
  // Close callbacks run at the end of a loop turn and need this object: run one now.
  uv_run(loop_->uv(), UV_RUN_NOWAIT);
}

Status Network::Listen(const std::string& host, int port) {
  listening_ = true;  // Bind initializes the handle, which StopListening closes.
  return Bind(listener_.get(), host, port, &port_);
}

Status Network::ListenHttp(const std::string& host, int port) {
  http_listening_ = true;
  return Bind(http_listener_.get(), host, port, &http_port_);
}

Status Network::Bind(uv_tcp_t* listener, const std::string& host, int port, int* bound_port) {
  sockaddr_storage addr{};
  int rc = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  uv_tcp_init(loop_->uv(), listener);
  listener->data = this;
  if (rc != 0) return Status::Error(error::kInternal, "bad listen address " + host);
  rc = uv_tcp_bind(listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 4096, OnConnection);
  if (rc != 0) {
    return Status::Error(error::kInternal, "cannot listen on " + host + ":" + std::to_string(port) +
                                               ": " + uv_strerror(rc));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &len);
  *bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::Ok();
}

void Network::StopListening() {
  if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(listener_.get()), nullptr);
  if (http_listening_) uv_close(reinterpret_cast<uv_handle_t*>(http_listener_.get()), nullptr);
  listening_ = http_listening_ = false;
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
  self->Accept(server == reinterpret_cast<uv_stream_t*>(self->http_listener_.get())
                   ? Transport::kHttp
                   : Transport::kTcp);
}

void Network::Accept(Transport transport) {
  const TokenBucket commands(options_.max_commands_per_s, options_.max_commands_per_s);
  auto* c = new Connection(this, handler_, ++accepted_, transport, options_.limits,
                           options_.max_queued_bytes, commands, loop_->NowMs());
  uv_tcp_t* listener = transport == Transport::kHttp ? http_listener_.get() : listener_.get();
  if (!c->Accept(reinterpret_cast<uv_stream_t*>(listener))) return;  // It frees itself.
  connections_.insert(c);
  ++by_transport_[static_cast<size_t>(transport)];
  c->address_group_ = c->AddressGroup();
  const size_t same_address = ++per_address_[c->address_group_];
  if (connections_.size() > options_.max_connections) {
    ++refused_;
    c->Refuse(Status::Error(error::kServerFull, "the server holds its maximum of " +
                                                    std::to_string(options_.max_connections) +
                                                    " connections"));
    return;
  }
  if (options_.max_connections_per_ip != 0 && same_address > options_.max_connections_per_ip) {
    ++refused_;
    Log(LogLevel::kDebug, "connection refused: " + c->address_group_ + " holds " +
                              std::to_string(same_address - 1) + " connections");
    c->Refuse(Status::Error(error::kTooManyConnections,
                            "your address holds the server's maximum of " +
                                std::to_string(options_.max_connections_per_ip) + " connections"));
    return;
  }
  c->StartReading();
}

void Network::Pause(Connection* c) {
  if (paused_.empty()) {
    uv_idle_start(idle_.get(),
                  [](uv_idle_t* h) { static_cast<Network*>(h->data)->ResumePaused(); });
  }
  paused_.push_back(c);
}

void Network::ResumePaused() {
  std::vector<Connection*> batch;
  batch.swap(paused_);
  for (Connection* c : batch) c->ResumeAfterPause();  // May pause it again.
  if (paused_.empty()) uv_idle_stop(idle_.get());
}

void Network::CheckDeadlines() {
  const uint64_t now = loop_->NowMs();
  std::vector<std::pair<Connection*, Status>> overdue;
  for (Connection* c : connections_) {
    if (c->Stopped() || c->awaiting_upload) continue;
    if (c->player != nullptr) c->times_.said_hello = true;
    if (std::optional<Status> late = Overdue(options_.deadlines, c->times_, now)) {
      overdue.emplace_back(c, std::move(*late));
    }
  }
  for (auto& [c, error] : overdue) {
    Log(LogLevel::kDebug, "connection " + std::to_string(c->id()) + " from " + c->address_group_ +
                              ": " + error.message());
    c->End(error);
  }
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

void Network::Upgraded(Connection*) {
  --by_transport_[static_cast<size_t>(Transport::kHttp)];
  ++by_transport_[static_cast<size_t>(Transport::kWebSocket)];
}

void Network::Forget(Connection* c) {
  if (connections_.erase(c) != 0) --by_transport_[static_cast<size_t>(c->transport())];
  if (auto it = per_address_.find(c->address_group_); it != per_address_.end() && --it->second == 0)
    per_address_.erase(it);
  if (c->paused_) paused_.erase(std::remove(paused_.begin(), paused_.end(), c), paused_.end());
  if (c->dirty_) dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), c), dirty_.end());
}

}  // namespace ggs
