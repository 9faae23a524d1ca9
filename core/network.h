// Network: the TCP side of the dispatcher — the listening socket, one Connection per
// client (its parser and write queue), the connection limit, and one write per
// connection per loop turn. With core/loop.cc, the only files that call uv_*.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/loop.h"
#include "core/peer.h"
#include "core/protocol.h"
#include "core/status.h"

struct uv_tcp_s;
struct uv_prepare_s;
struct uv_check_s;
struct uv_stream_s;

namespace ggs {

class Connection;

// What the server does with connections; every callback runs on the loop thread.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void OnPacket(Connection& connection, Packet packet) = 0;
  // The stream broke the protocol's framing; the connection closes after the reply.
  virtual void OnFramingError(Connection& connection, const Status& error) = 0;
  // The connection is closed; `connection` is freed right after this returns.
  virtual void OnClose(Connection& connection) = 0;
};

struct NetworkOptions {
  ParserLimits limits;
  size_t max_connections = 10000;
  size_t max_queued_bytes = 16 * 1024 * 1024;  // Unwritten output per connection.
};

class Network {
 public:
  // `loop` and `handler` must outlive the network.
  Network(Loop* loop, ConnectionHandler* handler, NetworkOptions options);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Binds and listens on host:port (port 0 picks a free one).
  Status Listen(const std::string& host, int port);
  // The bound port, after Listen.
  int port() const { return port_; }
  // Stops accepting new connections.
  void StopListening();
  // Writes what is queued and closes every connection.
  void CloseAll();

  size_t connection_count() const { return connections_.size(); }
  uint64_t accepted() const { return accepted_; }
  uint64_t refused() const { return refused_; }

  // For Connection: queue `connection` for this turn's write.
  void MarkDirty(Connection* connection);

 private:
  friend class Connection;
  static void OnConnection(uv_stream_s* server, int status);
  void Accept();
  void FlushDirty();
  void Forget(Connection* connection);

  Loop* loop_;
  ConnectionHandler* handler_;
  NetworkOptions options_;
  std::unique_ptr<uv_tcp_s> listener_;
  std::unique_ptr<uv_prepare_s> prepare_;
  std::unique_ptr<uv_check_s> check_;
  bool listening_ = false;
  int port_ = 0;
  std::unordered_set<Connection*> connections_;
  std::vector<Connection*> dirty_;
  uint64_t accepted_ = 0;
  uint64_t refused_ = 0;
};

// Connection: one client's TCP stream. Created and destroyed by Network only.
class Connection final : public Peer {
 public:
  void Send(std::string_view bytes) override;
  void CloseAfterFlush() override;
  // Closes now, dropping unwritten output.
  void Close();
  uint64_t id() const { return id_; }

  struct Io;  // libuv handles, defined in network.cc.

 private:
  friend class Network;
  Connection(Network* network, uint64_t id, ParserLimits limits);
  ~Connection() override;
  void OnRead(const char* data, size_t size);
  void Flush();
  void OnWritten(int status);

  Network* network_;
  uint64_t id_;
  std::unique_ptr<Io> io_;
  Parser parser_;
  std::string queued_;     // Waiting for this turn's write.
  std::string in_flight_;  // Handed to libuv, not yet written.
  bool dirty_ = false;
  bool writing_ = false;
  bool close_after_flush_ = false;
  bool closing_ = false;
};

}  // namespace ggs
