// Tests of the WebSocket codec: the RFC's accept key, messages in every chunking, control
// frames, and each kind of bad frame closing with its code.
#include "core/websocket.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/chunked_parse.h"

namespace ggs {
namespace {

using websocket::Frame;

constexpr std::array<uint8_t, 4> kMask = {0x37, 0xfa, 0x21, 0x3d};

std::string Masked(uint8_t opcode, std::string payload, bool fin = true) {
  return websocket::EncodeFrame(Frame{fin, 0, opcode, std::move(payload), kMask});
}

// The first two bytes of the close frame a server sends with `code`.
std::string CloseFrame(uint16_t code) {
  return websocket::EncodeFrame(Frame{true,
                                      0,
                                      websocket::kClose,
                                      {static_cast<char>(code >> 8), static_cast<char>(code)},
                                      std::nullopt});
}

struct Outcome {
  std::vector<WebSocketCodec::Message> messages;
  std::string output;
  uint16_t close_sent = 0;
};

// Feeds `bytes` to a fresh server codec in the pieces `cuts` make.
Outcome ServerFeed(const std::string& bytes, const std::vector<size_t>& cuts,
                   size_t max_message = 1 << 20) {
  WebSocketCodec codec(WebSocketCodec::Role::kServer, max_message);
  Outcome out;
  for (std::string_view piece : SplitAt(bytes, cuts)) {
    codec.Feed(piece);
    while (auto m = codec.Next()) out.messages.push_back(std::move(*m));
    out.output += codec.TakeOutput();
  }
  out.close_sent = codec.close_code_sent();
  return out;
}

// Every cut into two and three pieces gives the same outcome as the whole (for long inputs,
// every cut near the frame boundaries and a stride through the rest).
void ExpectSameInEveryChunking(const std::string& bytes, size_t max_message = 1 << 20) {
  const Outcome whole = ServerFeed(bytes, {}, max_message);
  const size_t stride = bytes.size() > 200 ? bytes.size() / 40 : 1;
  auto next = [&](size_t at) { return at < 20 || at + 20 > bytes.size() ? at + 1 : at + stride; };
  for (size_t a = 1; a < bytes.size(); a = next(a)) {
    for (size_t b = a; b < bytes.size(); b = next(b)) {
      const Outcome cut = ServerFeed(bytes, {a, b}, max_message);
      ASSERT_EQ(cut.messages.size(), whole.messages.size()) << "cut at " << a << "," << b;
      for (size_t i = 0; i < cut.messages.size(); ++i) {
        EXPECT_EQ(cut.messages[i].opcode, whole.messages[i].opcode);
        EXPECT_EQ(cut.messages[i].data, whole.messages[i].data);
      }
      EXPECT_EQ(cut.output, whole.output) << "cut at " << a << "," << b;
      EXPECT_EQ(cut.close_sent, whole.close_sent);
    }
  }
}

TEST(WebSocketTest, AcceptKeyMatchesTheRfcExample) {
  EXPECT_EQ(websocket::AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(websocket::IsValidKey("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(websocket::IsValidKey("dGhlIHNhbXBsZSBub25jZQ="));
  EXPECT_FALSE(websocket::IsValidKey("dGhlIHNhbXBsZSBub25jZ!=="));
  EXPECT_FALSE(websocket::IsValidKey(""));
}

TEST(WebSocketTest, TheClientSideOfTheHandshake) {
  const std::string key = websocket::ClientKey(7);
  EXPECT_TRUE(websocket::IsValidKey(key));
  EXPECT_NE(key, websocket::ClientKey(8));
  EXPECT_EQ(websocket::HandshakeRequest("h:1", "/ws", key),
            "GET /ws HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
                key + "\r\n\r\n");
  const std::string accept = "\r\nSec-WebSocket-Accept: " + websocket::AcceptKey(key);
  EXPECT_TRUE(websocket::HandshakeAccepted("HTTP/1.1 101 Switching Protocols" + accept, key));
  EXPECT_FALSE(websocket::HandshakeAccepted("HTTP/1.1 200 OK" + accept, key));
  EXPECT_FALSE(websocket::HandshakeAccepted("HTTP/1.1 101 Switching Protocols\r\n", key));
}

TEST(WebSocketTest, EncodesTheRfcExamples) {
  // RFC 6455 section 5.7: "Hello", unmasked and masked.
  EXPECT_EQ(websocket::EncodeFrame(Frame{true, 0, websocket::kText, "Hello", std::nullopt}),
            std::string("\x81\x05Hello"));
  EXPECT_EQ(websocket::EncodeFrame(Frame{true, 0, websocket::kText, "Hello", kMask}),
            std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"));
  // The 16-bit and 64-bit lengths.
  EXPECT_EQ(
      websocket::EncodeFrame(Frame{true, 0, 2, std::string(256, 'x'), std::nullopt}).substr(0, 4),
      std::string("\x82\x7e\x01\x00", 4));
  EXPECT_EQ(websocket::EncodeFrame(Frame{true, 0, 2, std::string(65536, 'x'), std::nullopt})
                .substr(0, 10),
            std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WebSocketTest, MessagesInEveryChunking) {
  const std::string bytes =
      Masked(websocket::kBinary, "one\n\npacket") + Masked(websocket::kText, "frag", false) +
      Masked(websocket::kPing, "p?") +  // Between fragments: allowed.
      Masked(websocket::kContinuation, "mented") + Masked(websocket::kBinary, "");
  ExpectSameInEveryChunking(bytes);
  const Outcome out = ServerFeed(bytes, {});
  ASSERT_EQ(out.messages.size(), 4u);
  EXPECT_EQ(out.messages[0].data, "one\n\npacket");
  EXPECT_EQ(out.messages[1].opcode, websocket::kPing);
  EXPECT_EQ(out.messages[2].opcode, websocket::kText);
  EXPECT_EQ(out.messages[2].data, "fragmented");
  EXPECT_EQ(out.messages[3].data, "");
  // The ping is answered with a pong carrying its payload.
  EXPECT_EQ(out.output, websocket::EncodeFrame(Frame{true, 0, websocket::kPong, "p?", {}}));
  EXPECT_EQ(out.close_sent, 0);
}

TEST(WebSocketTest, ALargeMessageInEveryChunking) {
  ExpectSameInEveryChunking(Masked(websocket::kBinary, std::string(70000, 'z')));
}

TEST(WebSocketTest, ACloseIsAnsweredWithItsCode) {
  const std::string bytes = Masked(websocket::kClose, std::string("\x03\xe8"
                                                                  "bye",
                                                                  5)) +
                            Masked(websocket::kBinary, "after the close: dropped");
  ExpectSameInEveryChunking(bytes);
  const Outcome out = ServerFeed(bytes, {});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].close_code, websocket::kNormalClosure);
  EXPECT_EQ(out.messages[0].data, "bye");
  EXPECT_EQ(out.close_sent, websocket::kNormalClosure);
}

void ExpectClosedWith(const std::string& bytes, uint16_t code, size_t max_message = 1 << 20) {
  ExpectSameInEveryChunking(bytes, max_message);
  const Outcome out = ServerFeed(bytes, {}, max_message);
  EXPECT_EQ(out.close_sent, code);
  EXPECT_EQ(out.output.substr(0, 4), CloseFrame(code));
  for (const auto& m : out.messages) EXPECT_NE(m.data, "never");
}

TEST(WebSocketTest, AnUnmaskedFrameIsAProtocolError) {
  ExpectClosedWith(websocket::EncodeFrame(Frame{true, 0, 2, "x", std::nullopt}) +
                       Masked(websocket::kBinary, "never"),
                   websocket::kProtocolError);
}

TEST(WebSocketTest, BadFramesAreProtocolErrors) {
  for (const std::string& bad : {
           Masked(0x3, "reserved opcode"), websocket::EncodeFrame(Frame{true, 4, 2, "rsv1", kMask}),
           Masked(websocket::kContinuation, "no message to continue"),
           Masked(websocket::kBinary, "a", false) + Masked(websocket::kBinary, "new data frame"),
           Masked(websocket::kPing, "fragmented ping", false),
           Masked(websocket::kPing, std::string(126, 'p')),
           Masked(websocket::kClose, std::string("\x03\xed", 2)),  // 1005 may not be sent.
       }) {
    SCOPED_TRACE(bad.substr(0, 2));
    ExpectClosedWith(bad + Masked(websocket::kBinary, "never"), websocket::kProtocolError);
  }
}

TEST(WebSocketTest, ATooLongLengthEncodingIsAProtocolError) {
  // 5 bytes announced with a 16-bit length: not the shortest form.
  std::string bytes("\x82\xfe\x00\x05", 4);
  bytes.append(reinterpret_cast<const char*>(kMask.data()), 4);
  bytes += "abcde";
  ExpectClosedWith(bytes, websocket::kProtocolError);
}

TEST(WebSocketTest, AMessageOverTheLimitIsTooBig) {
  ExpectClosedWith(Masked(websocket::kBinary, std::string(101, 'x')), websocket::kMessageTooBig,
                   100);
  // Fragments add up.
  ExpectClosedWith(Masked(websocket::kBinary, std::string(60, 'x'), false) +
                       Masked(websocket::kContinuation, std::string(60, 'x')),
                   websocket::kMessageTooBig, 100);
  EXPECT_EQ(ServerFeed(Masked(websocket::kBinary, std::string(100, 'x')), {}, 100).close_sent, 0);
}

TEST(WebSocketTest, TextThatIsNotUtf8IsInvalidPayload) {
  ExpectClosedWith(Masked(websocket::kText, "caf\xc3"), websocket::kInvalidPayload);
  ExpectClosedWith(Masked(websocket::kText, "\xff"), websocket::kInvalidPayload);
  // Binary messages may hold any bytes.
  EXPECT_EQ(ServerFeed(Masked(websocket::kBinary, "\xff\xc3"), {}).close_sent, 0);
}

TEST(WebSocketTest, AServerSendsUnmaskedMessagesAndOneClose) {
  WebSocketCodec server(WebSocketCodec::Role::kServer, 1 << 20);
  server.Send(websocket::kBinary, "packet");
  server.Close(websocket::kNormalClosure);
  server.Send(websocket::kBinary, "after the close");
  server.Close(websocket::kProtocolError);
  EXPECT_EQ(server.TakeOutput(), websocket::EncodeFrame(Frame{true, 0, 2, "packet", std::nullopt}) +
                                     CloseFrame(websocket::kNormalClosure));
  EXPECT_EQ(server.close_code_sent(), websocket::kNormalClosure);
}

TEST(WebSocketTest, ClientAndServerUnderstandEachOther) {
  WebSocketCodec client(WebSocketCodec::Role::kClient, 1 << 20, 42);
  WebSocketCodec server(WebSocketCodec::Role::kServer, 1 << 20);
  client.Send(websocket::kBinary, "to the server");
  client.Send(websocket::kPing, "");
  server.Feed(client.TakeOutput());
  auto m = server.Next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data, "to the server");
  server.Send(websocket::kBinary, "to the client");
  client.Feed(server.TakeOutput());
  std::vector<uint8_t> opcodes;
  while (auto r = client.Next()) opcodes.push_back(r->opcode);
  EXPECT_EQ(opcodes, (std::vector<uint8_t>{websocket::kPong, websocket::kBinary}));
  // A client refuses a masked frame from a server.
  WebSocketCodec strict(WebSocketCodec::Role::kClient, 1 << 20, 7);
  strict.Feed(Masked(websocket::kBinary, "masked"));
  EXPECT_EQ(strict.close_code_sent(), websocket::kProtocolError);
}

}  // namespace
}  // namespace ggs
