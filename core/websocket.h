// WebSocket (RFC 6455): the accept key of the opening handshake, a raw frame encoder, and
// WebSocketCodec, the message layer of one endpoint on Debian's libwslay (the only home of
// wslay_*). The codec is pure, as core/protocol.h is: bytes in, messages and bytes to write
// out, no I/O; the server's WebSocket connections, the test client and the bots share it.
//
// Not thread-safe; one codec per connection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ggs {

namespace websocket {

// Opcodes (RFC 6455 section 5.2).
inline constexpr uint8_t kContinuation = 0x0;
inline constexpr uint8_t kText = 0x1;
inline constexpr uint8_t kBinary = 0x2;
inline constexpr uint8_t kClose = 0x8;
inline constexpr uint8_t kPing = 0x9;
inline constexpr uint8_t kPong = 0xa;

// Close codes (RFC 6455 section 7.4.1) that ggs sends.
inline constexpr uint16_t kNormalClosure = 1000;
inline constexpr uint16_t kProtocolError = 1002;
inline constexpr uint16_t kInvalidPayload = 1007;  // A text message that is not UTF-8.
inline constexpr uint16_t kMessageTooBig = 1009;
// The close code a codec reports when no close frame was sent or received.
inline constexpr uint16_t kNoClose = 0;

// The only Sec-WebSocket-Version ggs speaks.
inline constexpr char kVersion[] = "13";

// True when `key` (a Sec-WebSocket-Key value) is the base64 of 16 bytes.
bool IsValidKey(std::string_view key);
// The Sec-WebSocket-Accept value for `key`: base64(SHA-1(key + the RFC's GUID)).
std::string AcceptKey(std::string_view key);

// The client's side of the opening handshake (clients, tests and bots):
// A Sec-WebSocket-Key made from `seed` (16 bytes in base64; not secret, only fresh).
std::string ClientKey(uint64_t seed);
// The upgrade request for `path` on `host` with `key`.
std::string HandshakeRequest(std::string_view host, std::string_view path, std::string_view key);
// True when `head` (a response's status line and headers) switches to WebSocket for `key`.
bool HandshakeAccepted(std::string_view head, std::string_view key);

// One frame as it goes on the wire, valid or not: tests and the test client use it to say
// exactly what they send.
struct Frame {
  bool fin = true;
  uint8_t rsv = 0;  // RSV1..RSV3 as bits 2..0.
  uint8_t opcode = kBinary;
  std::string payload;
  std::optional<std::array<uint8_t, 4>> mask;  // Clients mask; servers do not.
};
// Encodes `frame` with the shortest length encoding, masking the payload when it has a mask.
std::string EncodeFrame(const Frame& frame);

}  // namespace websocket

// WebSocketCodec: one endpoint's side of a WebSocket after the handshake. Feed it what the
// peer sends, take complete messages with Next, queue messages with Send, and write what
// TakeOutput returns. It answers pings with pongs and a close with a close, by itself.
// A frame that breaks the RFC (an unmasked frame to a server, a masked one to a client, a
// reserved opcode or bit, a bad continuation, a control frame that is fragmented or over
// 125 bytes), a message over `max_message` bytes, or a text message that is not UTF-8 queues
// a close frame with kProtocolError, kMessageTooBig or kInvalidPayload and stops reading.
// Once a close frame is sent (close_sent()), nothing more is sent: the caller writes the
// output and then closes the stream. The outcome of an input does not depend on how it is
// cut into Feed calls.
class WebSocketCodec {
 public:
  enum class Role { kServer, kClient };
  struct Message {
    uint8_t opcode = websocket::kBinary;        // kText, kBinary, or a control opcode.
    std::string data;                           // For kClose: the reason, after the code.
    uint16_t close_code = websocket::kNoClose;  // For kClose.
  };

  // A client masks what it sends with keys drawn from `mask_seed`.
  WebSocketCodec(Role role, size_t max_message, uint64_t mask_seed = 0);
  ~WebSocketCodec();
  WebSocketCodec(const WebSocketCodec&) = delete;
  WebSocketCodec& operator=(const WebSocketCodec&) = delete;

  // Decodes `bytes`. Complete messages wait for Next; pongs and closes it answers go to the
  // output. Bytes after the peer's close or a violation are dropped.
  void Feed(std::string_view bytes);
  // The next complete message: data messages (text, binary, each whole however it was
  // fragmented) and control messages (ping, pong, close), in arrival order.
  std::optional<Message> Next();
  // True while a frame or a fragmented message has begun and not ended.
  bool mid_message() const { return mid_frame_ || mid_message_; }

  // Queues `payload` as one unfragmented message. Ignored once a close was sent.
  void Send(uint8_t opcode, std::string_view payload);
  // Queues a close frame with `code` (and `reason`, at most 123 bytes), unless one was sent.
  void Close(uint16_t code, std::string_view reason = "");
  // The bytes to write to the peer, in order; empties the codec's output.
  std::string TakeOutput();

  bool close_sent() const { return close_sent_ != websocket::kNoClose; }
  uint16_t close_code_sent() const { return close_sent_; }
  bool close_received() const { return close_received_; }

 private:
  struct Callbacks;  // The wslay callbacks, defined in websocket.cc.
  void Drain();      // Moves what wslay queued to output_.
  // Stops the codec: sends a close frame with `code`, unless one was sent already.
  void Fail(uint16_t code);
  uint8_t NextMaskByte();

  Role role_;
  uint64_t mask_state_;
  void* ctx_ = nullptr;  // wslay_event_context_ptr.
  std::string input_;    // Fed, not yet taken by wslay.
  size_t input_at_ = 0;
  std::string output_;
  std::deque<Message> messages_;
  uint16_t close_sent_ = websocket::kNoClose;
  bool close_received_ = false;
  bool failed_ = false;  // wslay's context is unusable: no more reading or sending through it.
  bool mid_frame_ = false;
  bool mid_message_ = false;
};

}  // namespace ggs
