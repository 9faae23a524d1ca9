// Connection: one client's TCP stream — its transport (ggs packets over TCP, HTTP requests,
// or ggs packets in WebSocket messages after an upgrade), its parsers, its write queue and how
// it closes — and ConnectionHandler, what the server does with what a connection reads.
// Network accepts, owns and frees connections. The loop, network and connection files are
// the only ones that call uv_*.
//
// Thread: the event-loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/deadlines.h"
#include "core/http.h"
#include "core/peer.h"
#include "core/protocol.h"
#include "core/status.h"
#include "core/token_bucket.h"
#include "core/websocket.h"

struct uv_stream_s;

namespace ggs {

class Connection;
class Network;

// How a connection speaks. A connection of the HTTP listener starts as kHttp and becomes
// kWebSocket when it upgrades on /ws; from then on it is a player's connection like a kTcp
// one, each ggs packet in one WebSocket message.
enum class Transport { kTcp, kHttp, kWebSocket };
inline constexpr size_t kTransportCount = 3;

// What the server does with connections; every callback runs on the loop thread.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void OnPacket(Connection& connection, Packet packet) = 0;
  // The stream broke the protocol's framing and reading has stopped; the handler answers
  // and closes the connection (CloseAfterFlush), when its earlier replies are out.
  virtual void OnFramingError(Connection& connection, const Status& error) = 0;
  // The network refuses something of the connection's: one packet (rate_limited: the
  // packet is dropped, the connection stays) or the connection itself (timeout: reading
  // has stopped; server_full, too_many_connections: at accept, before reading starts). The handler
  // answers `error`, in order behind its earlier replies, and closes the connection when the code
  // closes it (error::ClosesConnection).
  virtual void OnRefused(Connection& connection, const Status& error) = 0;
  // The connection is closed; `connection` is freed right after this returns.
  virtual void OnClose(Connection& connection) = 0;
  // An HTTP request (other than a WebSocket upgrade on /ws, which the connection makes
  // itself): the answer. The connection closes after it when it says `close` or the request
  // did not keep the connection alive.
  virtual HttpResponse OnHttpRequest(Connection& connection, const HttpRequest& request);
};

// Created and destroyed by Network only. Output is queued by Send and written by the
// network at most once per loop turn (Network::MarkDirty); unwritten output beyond
// `max_queued_bytes` closes the connection. Input is bounded too: at most the network's
// packets_per_turn packets are handled per loop turn (then reading pauses until the next
// turn, so a flooder slows only itself), and packets over the command rate are refused.
// The same limits hold for HTTP requests (one request counts as one packet) and for
// WebSocket messages.
class Connection final : public Peer {
 public:
  // Sends one encoded packet: as it is over TCP, as one binary message over WebSocket.
  // Ignored on an HTTP connection that has not upgraded.
  void Send(std::string_view bytes) override;
  void CloseAfterFlush() override;
  // Closes now, dropping unwritten output. The handler's OnClose runs before this returns;
  // the connection is freed, and forgotten by its network, once libuv has closed the stream.
  void Close();
  uint64_t id() const { return id_; }
  Transport transport() const { return transport_; }
  bool web() const override { return transport_ == Transport::kWebSocket; }

 private:
  friend class Network;
  struct Io;  // libuv handles, defined in connection.cc.

  // `network` and `handler` must outlive the connection; `now_ms` is the accept time.
  Connection(Network* network, ConnectionHandler* handler, uint64_t id, Transport transport,
             ParserLimits limits, size_t max_queued_bytes, TokenBucket commands, uint64_t now_ms);
  ~Connection() override;
  // Accepts the pending connection of `listener`. On failure the connection frees itself
  // (after libuv has closed its stream) without calling the handler, and returns false.
  [[nodiscard]] bool Accept(uv_stream_s* listener);
  // The client's address group for --max-connections-per-ip, printable: an IPv4 address
  // (also when mapped into IPv6), or an IPv6 address's /64, which one subscriber usually
  // holds whole. "" when the peer's address is unknown.
  std::string AddressGroup() const;
  // Starts feeding what the client sends to the parser and the handler.
  void StartReading();
  void OnRead(const char* data, size_t size);
  // Starts a new loop turn's budget when the turn changed; false (and reading paused until
  // the network calls ResumeAfterPause next turn) when this turn's budget is spent.
  bool WithinBudget();
  // Hands complete packets to the handler, at most the per-turn budget of them.
  void HandlePackets();
  // The next packet: from the TCP stream, or the next WebSocket message's one packet.
  std::optional<Packet> NextPacket();
  // Answers complete HTTP requests, at most the per-turn budget of them.
  void HandleHttp();
  void HandleHttpRequest(const HttpRequest& request);
  // Answers the /ws handshake, and on success becomes a WebSocket connection.
  void Upgrade(const HttpRequest& request);
  void SendHttp(const HttpResponse& response);
  // Queues bytes for this turn's write as they are.
  void QueueRaw(std::string_view bytes);
  void QueueWebSocketOutput();
  void ResumeAfterPause();
  // Refuses the connection as it was accepted (the server is full): an error packet, or an
  // HTTP 503, then the close.
  void Refuse(const Status& error);
  // Stops reading and has the handler answer `error` (a deadline passed).
  void End(const Status& error);
  // Reading has stopped for good or for now: no packet is handled.
  bool Stopped() const { return closing_ || close_after_flush_ || ending_; }
  // Network's once-per-turn write: starts writing what is queued, or closes when nothing is
  // left and CloseAfterFlush was asked for.
  void Flush();
  void OnWritten(int status);

  Network* network_;
  ConnectionHandler* handler_;
  uint64_t id_;
  size_t max_queued_bytes_;
  std::unique_ptr<Io> io_;
  Transport transport_;
  Parser parser_;
  std::unique_ptr<HttpParser> http_;    // While kHttp.
  std::unique_ptr<WebSocketCodec> ws_;  // Once kWebSocket.
  Status message_error_;                // A WebSocket message that did not hold exactly one packet.
  TokenBucket commands_;                // --max-commands-per-s.
  ConnectionTimes times_;               // What its deadlines depend on.
  std::string address_group_;
  uint64_t budget_turn_ = 0;  // The loop turn handled_in_turn_ counts in.
  size_t handled_in_turn_ = 0;
  std::string queued_;     // Waiting for this turn's write.
  std::string in_flight_;  // Handed to libuv, not yet written.
  bool dirty_ = false;     // In the network's list of connections to flush this turn.
  bool writing_ = false;
  bool close_after_flush_ = false;
  bool paused_ = false;  // Reading stopped by the budget; the network resumes it next turn.
  bool ending_ = false;  // A framing error or a deadline: the handler closes the connection.
  bool closing_ = false;
};

}  // namespace ggs
