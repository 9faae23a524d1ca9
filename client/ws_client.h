// WsClient: a blocking WebSocket client of ggs's /ws, with timeouts: one ggs packet per
// binary message, and raw frames for tests that break the rules on purpose. Used by the
// end-to-end tests; it frames with the shared codec of core/websocket.h over SyncClient's
// socket.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "client/sync_client.h"
#include "core/http.h"
#include "core/protocol.h"
#include "core/status.h"
#include "core/websocket.h"

namespace ggs {

class WsClient {
 public:
  // Connects to host:port and makes the opening handshake on `path`. Fails with a transport
  // code (IsIo(), IsTimeout(), IsClosed()), or with code "refused" and the status line when
  // the server answers the handshake with anything but 101.
  static Result<std::unique_ptr<WsClient>> Connect(const std::string& host, int port,
                                                   const std::string& path = "/ws",
                                                   int timeout_ms = 5000);

  // Sends `packet` as one binary message.
  Status Send(const Packet& packet) { return SendMessage(websocket::kBinary, Encode(packet)); }
  Status SendServer(std::string_view command, std::string_view payload = "");
  Status SendGame(std::string_view command, std::string_view payload = "");
  // Sends one unfragmented, masked message (text, binary, ping, pong or close).
  Status SendMessage(uint8_t opcode, std::string_view payload);
  // Sends `frame` exactly as given (masked only when it has a mask).
  Status SendFrame(const websocket::Frame& frame) {
    return socket_->SendRaw(websocket::EncodeFrame(frame));
  }
  Status SendRaw(std::string_view bytes) { return socket_->SendRaw(bytes); }

  // The next message of any kind (control messages included) within `timeout_ms`. Fails
  // with IsTimeout(), or IsClosed() when the connection ended first.
  Result<WebSocketCodec::Message> ReceiveMessage(int timeout_ms = 5000);
  // The next binary or text message, parsed as exactly one packet; pings and pongs are
  // skipped. Fails with IsClosed() at a close frame (close_code() tells its code) or the end
  // of the connection, IsTimeout(), or code "malformed" when the message is not one packet.
  Result<Packet> Receive(int timeout_ms = 5000);
  // Waits for the server's close frame and the end of the connection; true when both came
  // within `timeout_ms`.
  bool WaitClosed(int timeout_ms = 5000);
  // The code of the server's close frame, websocket::kNoClose before one arrived.
  uint16_t close_code() const { return close_code_; }

 private:
  explicit WsClient(std::unique_ptr<SyncClient> socket);
  std::unique_ptr<SyncClient> socket_;
  WebSocketCodec codec_;
  uint16_t close_code_ = websocket::kNoClose;
};

}  // namespace ggs
