// Network: the TCP side of the dispatcher — the listening sockets (the game port, and the
// HTTP listener that also carries WebSocket players), the Connections they accept
// (core/connection.h), the connection limits (in all and per address), the
// connections' deadlines (core/deadlines.h), a bounded amount of input handled per
// connection per loop turn, and one write per connection per loop turn. The loop, network
// and connection files are the only ones that call uv_*.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/connection.h"
#include "core/deadlines.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/protocol.h"
#include "core/status.h"

struct uv_tcp_s;
struct uv_prepare_s;
struct uv_check_s;
struct uv_idle_s;
struct uv_stream_s;

namespace ggs {

// docs/operations.md says why each limit is there and what a client hears at it.
struct NetworkOptions {
  ParserLimits limits;
  size_t max_connections = 10000;
  size_t max_connections_per_ip = 256;  // Per address group (Connection::AddressGroup); 0: any.
  size_t max_queued_bytes = 16 * 1024 * 1024;  // Unwritten output per connection.
  DeadlineOptions deadlines;
  // Packets (of any kind) per connection per second, in bursts of up to one second's
  // worth; one over it is answered rate_limited and dropped. 0: no limit.
  double max_commands_per_s = 200;
  // Packets one connection may have handled per loop turn before the others get theirs.
  size_t packets_per_turn = 32;
  // The HTTP listener's request limits. A WebSocket message may be up to
  // limits.max_header + limits.max_payload bytes: one whole packet.
  HttpLimits http;
};

class Network {
 public:
  // `loop` and `handler` must outlive the network.
  Network(Loop* loop, ConnectionHandler* handler, NetworkOptions options);
  // Closes every connection now, dropping unwritten output (the handler hears OnClose for
  // each), and every handle of the network; the closes have finished when it returns.
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Binds and listens for ggs packets over TCP on host:port (port 0 picks a free one).
  Status Listen(const std::string& host, int port);
  // Binds and listens for HTTP (and WebSocket upgrades) on host:port (0: a free one).
  Status ListenHttp(const std::string& host, int port);
  // The bound ports, after Listen and ListenHttp (0 before).
  int port() const { return port_; }
  int http_port() const { return http_port_; }
  // Stops accepting new connections on both listeners.
  void StopListening();
  // Writes what is queued and closes every connection.
  void CloseAll();

  size_t connection_count() const { return connections_.size(); }
  // Open connections that speak `transport` now (an upgraded one counts as kWebSocket).
  size_t connection_count(Transport transport) const {
    return by_transport_[static_cast<size_t>(transport)];
  }
  uint64_t accepted() const { return accepted_; }
  uint64_t refused() const { return refused_; }
  // What the connections read and wrote, for the server's metrics.
  // What connections of `transport` read and wrote (an upgraded connection's WebSocket
  // traffic counts as kWebSocket from the upgrade on).
  const Traffic& traffic(Transport transport) const {
    return traffic_[static_cast<size_t>(transport)];
  }
  // Loop turns seen so far: the unit of the per-connection input budget.
  uint64_t turn() const { return turn_; }

  // For Connection: queue `connection` for this turn's write.
  void MarkDirty(Connection* connection);
  // For Connection: it switched from HTTP to WebSocket.
  void Upgraded(Connection* connection);

 private:
  friend class Connection;  // Forget, once libuv has closed the connection's stream.
  static void OnConnection(uv_stream_s* server, int status);
  Status Bind(uv_tcp_s* listener, const std::string& host, int port, int* bound_port);
  void Accept(Transport transport);
  void FlushDirty();
  void Forget(Connection* connection);
  // For Connection: it spent this turn's budget; resume it next turn.
  void Pause(Connection* connection);
  void ResumePaused();
  // Ends each connection past one of its deadlines. O(connections), every
  // DeadlineCheckIntervalMs.
  void CheckDeadlines();
  Loop* loop_;
  ConnectionHandler* handler_;
  NetworkOptions options_;
  std::unique_ptr<uv_tcp_s> listener_;
  std::unique_ptr<uv_tcp_s> http_listener_;
  std::unique_ptr<uv_prepare_s> prepare_;
  std::unique_ptr<uv_check_s> check_;
  std::unique_ptr<uv_idle_s> idle_;  // Runs while connections are paused; keeps poll short.
  Timers::Id deadline_timer_ = 0;
  bool listening_ = false;
  bool http_listening_ = false;
  int port_ = 0;
  int http_port_ = 0;
  size_t by_transport_[kTransportCount] = {};
  std::unordered_set<Connection*> connections_;
  std::unordered_map<std::string, size_t> per_address_;  // Connections per address group.
  std::vector<Connection*> dirty_;
  std::vector<Connection*> paused_;
  uint64_t turn_ = 1;
  uint64_t accepted_ = 0;
  uint64_t refused_ = 0;
  Traffic traffic_[kTransportCount];  // Counted by the connections, by transport.
};

}  // namespace ggs
