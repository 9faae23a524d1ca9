// The ggs wire protocol codec: packets, an incremental parser and the encoder.
//
// A packet is header lines `Name: value`, a blank line, then exactly `Content-Length`
// bytes of payload (docs/protocol.md). Lines end in LF or CRLF; header names compare
// case-insensitively. The codec is pure: bytes in, packets out, no I/O. The server, the
// bots, the fuzzer, the benches and `ggs upload` all use this one codec.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ggs {

struct Header {
  std::string name;
  std::string value;
};

struct Packet {
  std::vector<Header> headers;
  std::string payload;

  // Returns the value of the first header named `name` (case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
  // Appends a header. Content-Length is never stored: the encoder derives it.
  Packet& Add(std::string name, std::string value);
};

struct ParserLimits {
  size_t max_header = 8 * 1024;     // Bytes of the header section, blank line included.
  size_t max_payload = 1024 * 1024;  // Bytes of one payload.
};

// Parser turns a byte stream, fed in chunks of any size, into packets.
// Once it reports an error it stays failed: framing cannot be recovered.
// Not thread-safe; one parser per connection.
class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  // Appends bytes to the stream.
  void Feed(std::string_view bytes);

  // Returns the next complete packet, or nullopt when more bytes are needed or the stream
  // is broken (then error() is non-ok, with code malformed, header_too_large or
  // payload_too_large).
  std::optional<Packet> Next();

  const Status& error() const { return error_; }
  // Bytes fed but not yet returned as a packet.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  bool ParseHeaderSection(std::string_view section);
  void Fail(const char* code, std::string message);
  void Compact();

  ParserLimits limits_;
  std::string buffer_;
  size_t consumed_ = 0;      // Bytes of buffer_ already turned into packets.
  size_t scan_from_ = 0;     // Where the search for the blank line resumes.
  bool in_payload_ = false;  // Headers parsed; waiting for payload_length_ bytes.
  size_t payload_length_ = 0;
  Packet pending_;
  Status error_;
};

// Encodes a packet: its headers, then Content-Length, a blank line and the payload.
std::string Encode(const Packet& packet);
// Appends the encoding of `Client-Command: command` with `payload` to `out`.
void AppendClientCommand(std::string& out, std::string_view command, std::string_view payload);
// Appends a `Client-Command: error` packet carrying `Error-Code: code`.
void AppendError(std::string& out, std::string_view code, std::string_view message);

}  // namespace ggs
