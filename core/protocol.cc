// The ggs wire protocol codec: an incremental, limit-checking parser and the encoder.
#include "core/protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/escape.h"
#include "base/text.h"

namespace ggs {
namespace {

// RFC 7230 token characters: what a header name may contain.
bool IsTokenChar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A header value may hold any byte but control characters (tab is allowed).
bool IsValueChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

// Parses a decimal Content-Length; fails on anything but 1-19 digits.
std::optional<size_t> ParseLength(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

// The encoder's layout, in one place: `Name: value\n` per header, then the Content-Length
// line, a blank line and the payload.
constexpr std::string_view kHeaderSeparator = ": ";
constexpr size_t kHeaderOverhead = kHeaderSeparator.size() + 1;  // Separator and newline.

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(kHeaderSeparator).append(value).push_back('\n');
}

void AppendBody(std::string& out, std::string_view payload) {
  AppendHeader(out, header::kContentLength, std::to_string(payload.size()));
  out.push_back('\n');
  out.append(payload);
}

size_t HeaderSize(std::string_view name, std::string_view value) {
  return name.size() + value.size() + kHeaderOverhead;
}

size_t BodySize(std::string_view payload) {
  return HeaderSize(header::kContentLength, std::to_string(payload.size())) + 1 + payload.size();
}

Packet CommandPacket(const char* header_name, std::string_view command, std::string payload) {
  Packet p;
  p.Add(header_name, std::string(command));
  p.payload = std::move(payload);
  return p;
}

std::string_view ValueOr(const std::string* value) {
  return value == nullptr ? std::string_view() : std::string_view(*value);
}

}  // namespace

const std::string* Packet::Find(std::string_view name) const {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

Packet& Packet::Add(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

Parser::Parser(ParserLimits limits) : limits_(limits) {}

void Parser::Feed(std::string_view bytes) {
  if (!error_.ok()) return;
  Compact();
  buffer_.append(bytes);
}

// Drops consumed bytes once they dominate the buffer, so memory stays bounded by the
// limits without moving bytes on every packet. The header scan's offsets are relative to
// consumed_, so they survive the move.
void Parser::Compact() {
  if (consumed_ == 0 || consumed_ < buffer_.size() / 2) return;
  buffer_.erase(0, consumed_);
  consumed_ = 0;
  if (buffer_.empty()) buffer_.shrink_to_fit();
}

void Parser::Fail(const char* code, std::string message) {
  error_ = Status::Error(code, std::move(message));
  buffer_.clear();
  buffer_.shrink_to_fit();
  consumed_ = scanned_ = line_start_ = 0;
}

std::optional<Packet> Parser::Next() {
  if (!error_.ok()) return std::nullopt;
  if (!in_payload_ && !ScanHeaderSection()) return std::nullopt;
  if (buffer_.size() - consumed_ < payload_length_) return std::nullopt;
  pending_.payload.assign(buffer_, consumed_, payload_length_);
  consumed_ += payload_length_;
  in_payload_ = false;
  payload_length_ = 0;
  Packet out = std::move(pending_);
  pending_ = Packet();
  return out;
}

// Checks the header section's new bytes in order, each only against the bytes before it
// (and a CR against the byte after it, which it waits for), so that where and how a stream
// fails does not depend on how it was cut. O(1) per new byte. Returns true once the blank
// line has been read: the headers are in pending_, payload_length_ is set and consumed_
// is at the payload.
bool Parser::ScanHeaderSection() {
  const std::string_view rest = std::string_view(buffer_).substr(consumed_);
  for (; scanned_ < rest.size(); ++scanned_) {
    if (scanned_ >= limits_.max_header) {
      Fail(error::kHeaderTooLarge,
           "header section exceeds " + std::to_string(limits_.max_header) + " bytes");
      return false;
    }
    const char c = rest[scanned_];
    if (c == '\r') {
      // Valid only as the first half of a CRLF line break.
      if (scanned_ + 1 == rest.size()) return false;
      if (rest[scanned_ + 1] != '\n') {
        Fail(error::kMalformed, "a CR that is not followed by LF");
        return false;
      }
    } else if (c == '\n') {
      std::string_view line = rest.substr(line_start_, scanned_ - line_start_);
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (line.empty()) {
        // A leading empty line is a packet with no headers: never valid.
        if (line_start_ == 0) {
          Fail(error::kMalformed, "empty header section");
          return false;
        }
        consumed_ += scanned_ + 1;
        scanned_ = line_start_ = 0;
        has_length_ = false;
        in_payload_ = true;
        return true;
      }
      if (!colon_) {
        Fail(error::kMalformed, "header line without a name and a colon");
        return false;
      }
      if (!AddHeaderLine(line)) return false;
      line_start_ = scanned_ + 1;
      colon_ = false;
    } else if (!colon_) {
      if (c == ':' && scanned_ == line_start_) {
        Fail(error::kMalformed, "header line without a name and a colon");
        return false;
      }
      if (c == ':') {
        colon_ = true;
      } else if (!IsTokenChar(c)) {
        Fail(error::kMalformed, "invalid character in a header name");
        return false;
      }
    } else if (!IsValueChar(c)) {
      Fail(error::kMalformed, "invalid character in a header value");
      return false;
    }
  }
  return false;
}

// Adds one complete "Name: value" line, its characters already checked, to pending_; the
// Content-Length line sets payload_length_ instead.
bool Parser::AddHeaderLine(std::string_view line) {
  const size_t colon = line.find(':');
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = TrimBlanks(line.substr(colon + 1));
  if (!EqualsIgnoreCase(name, header::kContentLength)) {
    pending_.headers.push_back({std::string(name), std::string(value)});
    return true;
  }
  const std::optional<size_t> length = ParseLength(value);
  if (has_length_ || !length) {
    Fail(error::kMalformed, has_length_ ? "duplicate Content-Length" : "bad Content-Length");
    return false;
  }
  if (*length > limits_.max_payload) {
    Fail(error::kPayloadTooLarge,
         "payload exceeds " + std::to_string(limits_.max_payload) + " bytes");
    return false;
  }
  has_length_ = true;
  payload_length_ = *length;
  return true;
}

bool command::IsValidName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 0x7f && c != ':'; });
}

Packet ServerCommand(std::string_view command, std::string payload) {
  return CommandPacket(header::kServerCommand, command, std::move(payload));
}

Packet GameCommand(std::string_view command, std::string payload) {
  return CommandPacket(header::kGameCommand, command, std::move(payload));
}

std::string_view ClientCommandOf(const Packet& packet) {
  return ValueOr(packet.Find(header::kClientCommand));
}

std::string_view ErrorCodeOf(const Packet& packet) {
  return ValueOr(packet.Find(header::kErrorCode));
}

std::string FormatHelloReply(const HelloReply& reply) {
  return reply.player + (reply.defined ? ",true," : ",false,") + reply.table;
}

Result<HelloReply> ParseHelloReply(std::string_view payload) {
  const size_t first = payload.find(',');
  const size_t second = first == std::string_view::npos ? first : payload.find(',', first + 1);
  const std::string_view defined =
      second == std::string_view::npos ? "" : payload.substr(first + 1, second - first - 1);
  if (defined != "true" && defined != "false") {
    return Status::Error("bad_hello", "not <player>,<defined>,<table>: " + std::string(payload));
  }
  return HelloReply{std::string(payload.substr(0, first)), defined == "true",
                    std::string(payload.substr(second + 1))};
}

int RedirectsOf(const Packet& hello) {
  const std::string* value = hello.Find(header::kRedirects);
  if (!value || value->empty() || value->size() > 3) return 0;
  int n = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  return ec == std::errc() && end == value->data() + value->size() ? n : 0;
}

Result<RedirectStep> FollowRedirect(const Packet& hello, const Packet& reply) {
  constexpr size_t kShown = 80;  // A longer payload is cut in the message.
  const std::string shown = ReadableBytes(std::string_view(reply.payload).substr(0, kShown)) +
                            (reply.payload.size() > kShown ? "..." : "");
  const int followed = RedirectsOf(hello) + 1;
  if (followed > command::kMaxRedirects) {
    return Status::Error("too_many_redirects", "the hello was redirected more than " +
                                                   std::to_string(command::kMaxRedirects) +
                                                   " times; last to '" + shown + "'");
  }
  Result<HostPort> node = ParseHostPort(reply.payload);
  const bool visible = std::all_of(reply.payload.begin(), reply.payload.end(),
                                   [](char c) { return c > 0x20 && c < 0x7f; });
  if (!node.ok() || !visible || node->host.empty() || node->port == 0) {
    return Status::Error("bad_redirect", "a redirect to '" + shown + "', which is not HOST:PORT");
  }
  RedirectStep step{std::move(node.value()), {}, followed};
  for (const Header& h : hello.headers) {
    if (!EqualsIgnoreCase(h.name, header::kRedirects)) step.hello.headers.push_back(h);
  }
  step.hello.payload = hello.payload;
  step.hello.Add(header::kRedirects, std::to_string(followed));
  return step;
}

std::string FormatUploadReply(const UploadReply& reply) {
  std::string out = reply.game + "," + std::to_string(reply.version);
  if (!reply.live) return out;
  out += "," + std::to_string(reply.moved) + "," + std::to_string(reply.refused.size());
  for (const UploadReply::Refusal& r : reply.refused) {
    std::string reason = r.reason;
    std::replace_if(
        reason.begin(), reason.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    out += "\n" + r.table + " " + reason;
  }
  return out;
}

Result<UploadReply> ParseUploadReply(std::string_view payload) {
  const auto bad = [payload] {
    return Status::Error("bad_upload_reply",
                         "not <game>,<version>[,<moved>,<refused>]: " + std::string(payload));
  };
  const size_t eol = payload.find('\n');
  std::vector<std::string_view> fields;
  for (std::string_view first = payload.substr(0, eol);;) {
    const size_t comma = first.find(',');
    fields.push_back(first.substr(0, comma));
    if (comma == std::string_view::npos) break;
    first.remove_prefix(comma + 1);
  }
  const auto number = [](std::string_view text, int& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 0;
  };
  UploadReply reply;
  if (fields.size() != 2 && fields.size() != 4) return bad();
  reply.game = std::string(fields[0]);
  if (reply.game.empty() || !number(fields[1], reply.version)) return bad();
  if (fields.size() == 2) return eol == std::string_view::npos ? Result<UploadReply>(reply) : bad();
  reply.live = true;
  int refused = 0;
  if (!number(fields[2], reply.moved) || !number(fields[3], refused)) return bad();
  std::string_view rest = eol == std::string_view::npos ? "" : payload.substr(eol + 1);
  for (int i = 0; i < refused; ++i) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0) return bad();
    reply.refused.push_back(
        {std::string(line.substr(0, space)), std::string(line.substr(space + 1))});
    if (end == std::string_view::npos) {
      if (i + 1 != refused) return bad();
      rest = {};
      break;
    }
    rest.remove_prefix(end + 1);
    if (i + 1 == refused) return bad();  // A line more than it says.
  }
  if (refused == 0 && eol != std::string_view::npos) return bad();
  return reply;
}

size_t EncodedSize(const Packet& packet) {
  size_t n = BodySize(packet.payload);
  for (const Header& h : packet.headers) n += HeaderSize(h.name, h.value);
  return n;
}

std::string Encode(const Packet& packet) {
  std::string out;
  out.reserve(EncodedSize(packet));
  for (const Header& h : packet.headers) AppendHeader(out, h.name, h.value);
  AppendBody(out, packet.payload);
  return out;
}

void AppendClientCommand(std::string& out, std::string_view command, std::string_view payload) {
  AppendHeader(out, header::kClientCommand, command);
  AppendBody(out, payload);
}

void AppendError(std::string& out, std::string_view code, std::string_view message) {
  AppendHeader(out, header::kClientCommand, command::kError);
  AppendHeader(out, header::kErrorCode, code);
  AppendBody(out, message);
}

}  // namespace ggs
