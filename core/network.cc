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
  uv_close(reinterpret_cast<uv_handle_t*>(prepare_.get()), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(check_.get()), nullptr);
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
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(listener_.get()), 4096, OnConnection);
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
  uv_close(reinterpret_cast<uv_handle_t*>(listener_.get()), nullptr);
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
  auto* c = new Connection(this, handler_, ++accepted_, options_.limits, options_.max_queued_bytes);
  if (!c->Accept(reinterpret_cast<uv_stream_t*>(listener_.get()))) return;  // It frees itself.
  connections_.insert(c);
  if (connections_.size() > options_.max_connections) {
    ++refused_;
    c->SendError(Status::Error(error::kServerFull, "the server holds its maximum of " +
                                                       std::to_string(options_.max_connections) +
                                                       " connections"));
    return;
  }
  c->StartReading();
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

}  // namespace ggs
