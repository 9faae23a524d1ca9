// WebSocket: the handshake key, the raw frame encoder, and the codec on wslay's event API,
// whose socket callbacks here read from and write to memory.
#include "core/websocket.h"

#include <wslay/wslay.h>

#include <algorithm>

#include "core/digest.h"

namespace ggs {

namespace websocket {

bool IsValidKey(std::string_view key) {
  // 16 bytes in base64: 22 characters and "==".
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return std::all_of(key.begin(), key.begin() + 22, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
  });
}

std::string AcceptKey(std::string_view key) {
  // The GUID every server appends (RFC 6455 section 1.3).
  std::string text(key);
  text += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  const Sha1Digest digest = Sha1(text);
  return Base64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string ClientKey(uint64_t seed) {
  const Sha256Digest digest = Sha256(std::to_string(seed));
  return Base64(std::string_view(reinterpret_cast<const char*>(digest.data()), 16));
}

std::string HandshakeRequest(std::string_view host, std::string_view path, std::string_view key) {
  std::string out = "GET ";
  out.append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: ");
  out.append(kVersion).append("\r\nSec-WebSocket-Key: ").append(key).append("\r\n\r\n");
  return out;
}

bool HandshakeAccepted(std::string_view head, std::string_view key) {
  return head.substr(0, 13) == "HTTP/1.1 101 " &&
         head.find("\r\nSec-WebSocket-Accept: " + AcceptKey(key)) != std::string_view::npos;
}

std::string EncodeFrame(const Frame& frame) {
  std::string out;
  out.push_back(
      static_cast<char>((frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 0xf)));
  const uint8_t masked = frame.mask ? 0x80 : 0;
  const uint64_t n = frame.payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(masked | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(masked | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  } else {
    out.push_back(static_cast<char>(masked | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  if (!frame.mask) return out + frame.payload;
  const std::array<uint8_t, 4>& key = *frame.mask;
  out.append(reinterpret_cast<const char*>(key.data()), key.size());
  const size_t start = out.size();
  out += frame.payload;
  for (size_t i = 0; i < n; ++i) out[start + i] = static_cast<char>(out[start + i] ^ key[i % 4]);
  return out;
}

}  // namespace websocket

namespace {

wslay_event_context_ptr Ctx(void* p) { return static_cast<wslay_event_context_ptr>(p); }

bool IsData(uint8_t opcode) {
  return opcode == websocket::kText || opcode == websocket::kBinary ||
         opcode == websocket::kContinuation;
}

}  // namespace

struct WebSocketCodec::Callbacks {
  static WebSocketCodec* Self(void* user_data) { return static_cast<WebSocketCodec*>(user_data); }

  static ssize_t Recv(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
    WebSocketCodec* self = Self(user);
    const size_t n = std::min(len, self->input_.size() - self->input_at_);
    if (n == 0) {
      wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    std::copy_n(self->input_.data() + self->input_at_, n, buf);
    self->input_at_ += n;
    return static_cast<ssize_t>(n);
  }

  static ssize_t Send(wslay_event_context_ptr, const uint8_t* data, size_t len, int, void* user) {
    Self(user)->output_.append(reinterpret_cast<const char*>(data), len);
    return static_cast<ssize_t>(len);
  }

  static int GenMask(wslay_event_context_ptr, uint8_t* buf, size_t len, void* user) {
    for (size_t i = 0; i < len; ++i) buf[i] = Self(user)->NextMaskByte();
    return 0;
  }

  static void FrameStart(wslay_event_context_ptr, const wslay_event_on_frame_recv_start_arg* arg,
                         void* user) {
    WebSocketCodec* self = Self(user);
    self->mid_frame_ = true;
    if (IsData(arg->opcode)) self->mid_message_ = true;
  }

  static void FrameEnd(wslay_event_context_ptr, void* user) { Self(user)->mid_frame_ = false; }

  static void MessageReceived(wslay_event_context_ptr, const wslay_event_on_msg_recv_arg* arg,
                              void* user) {
    WebSocketCodec* self = Self(user);
    Message m;
    m.opcode = arg->opcode;
    std::string_view bytes(reinterpret_cast<const char*>(arg->msg), arg->msg_length);
    if (arg->opcode == websocket::kClose) {
      self->close_received_ = true;
      m.close_code = arg->status_code;
      if (bytes.size() >= 2) bytes.remove_prefix(2);
    } else if (IsData(arg->opcode)) {
      self->mid_message_ = false;
    }
    m.data.assign(bytes);
    self->messages_.push_back(std::move(m));
  }
};

WebSocketCodec::WebSocketCodec(Role role, size_t max_message, uint64_t mask_seed)
    : role_(role), mask_state_(mask_seed | 1) {
  wslay_event_callbacks callbacks{};
  callbacks.recv_callback = Callbacks::Recv;
  callbacks.send_callback = Callbacks::Send;
  callbacks.genmask_callback = Callbacks::GenMask;
  callbacks.on_frame_recv_start_callback = Callbacks::FrameStart;
  callbacks.on_frame_recv_end_callback = Callbacks::FrameEnd;
  callbacks.on_msg_recv_callback = Callbacks::MessageReceived;
  wslay_event_context_ptr ctx = nullptr;
  const int rc = role == Role::kServer ? wslay_event_context_server_init(&ctx, &callbacks, this)
                                       : wslay_event_context_client_init(&ctx, &callbacks, this);
  if (rc != 0) {
    // Out of memory: the codec behaves as one whose peer broke the protocol.
    failed_ = true;
    close_sent_ = websocket::kProtocolError;
    return;
  }
  ctx_ = ctx;
  wslay_event_config_set_max_recv_msg_length(ctx, max_message);
}

WebSocketCodec::~WebSocketCodec() {
  if (ctx_ != nullptr) wslay_event_context_free(Ctx(ctx_));
}

uint8_t WebSocketCodec::NextMaskByte() {
  // xorshift64: masking keys need not be secret, only unpredictable to an intermediary.
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 7;
  mask_state_ ^= mask_state_ << 17;
  return static_cast<uint8_t>(mask_state_ >> 24);
}

void WebSocketCodec::Feed(std::string_view bytes) {
  if (failed_ || !wslay_event_get_read_enabled(Ctx(ctx_))) return;
  input_.append(bytes);
  const int rc = wslay_event_recv(Ctx(ctx_));
  input_.erase(0, input_at_);
  input_at_ = 0;
  // wslay reports a frame its frame layer refuses (a control frame fragmented or over 125
  // bytes, a length not in its shortest form) as a failure and would close without a code:
  // close with the protocol error instead.
  if (rc != 0) return Fail(websocket::kProtocolError);
  if (!wslay_event_get_read_enabled(Ctx(ctx_))) {
    std::string().swap(input_);
    mid_frame_ = mid_message_ = false;
  }
  Drain();
}

std::optional<WebSocketCodec::Message> WebSocketCodec::Next() {
  if (messages_.empty()) return std::nullopt;
  Message m = std::move(messages_.front());
  messages_.pop_front();
  return m;
}

void WebSocketCodec::Send(uint8_t opcode, std::string_view payload) {
  if (failed_ || close_sent()) return;
  wslay_event_msg msg{opcode, reinterpret_cast<const uint8_t*>(payload.data()), payload.size()};
  if (wslay_event_queue_msg(Ctx(ctx_), &msg) != 0) return;
  Drain();
}

void WebSocketCodec::Close(uint16_t code, std::string_view reason) {
  if (failed_ || close_sent()) return;
  reason = reason.substr(0, 123);
  if (wslay_event_queue_close(Ctx(ctx_), code, reinterpret_cast<const uint8_t*>(reason.data()),
                              reason.size()) != 0) {
    return Fail(code);
  }
  Drain();
}

std::string WebSocketCodec::TakeOutput() {
  std::string out;
  out.swap(output_);
  return out;
}

void WebSocketCodec::Drain() {
  if (failed_) return;
  if (wslay_event_send(Ctx(ctx_)) != 0) return Fail(websocket::kProtocolError);
  if (wslay_event_get_close_sent(Ctx(ctx_)))
    close_sent_ = wslay_event_get_status_code_sent(Ctx(ctx_));
}

void WebSocketCodec::Fail(uint16_t code) {
  // What wslay still holds (its own close without a code) is never sent.
  failed_ = true;
  mid_frame_ = mid_message_ = false;
  std::string().swap(input_);
  if (close_sent()) return;
  websocket::Frame close{true, 0, websocket::kClose, {}, std::nullopt};
  close.payload = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  if (role_ == Role::kClient) {
    std::array<uint8_t, 4> key{};
    for (uint8_t& b : key) b = NextMaskByte();
    close.mask = key;
  }
  output_ += websocket::EncodeFrame(close);
  close_sent_ = code;
}

}  // namespace ggs
