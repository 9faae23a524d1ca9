// The ggs wire protocol codec: an incremental, limit-checking parser and the encoder.
#include "core/protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ggs {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

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

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
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

// Where the header section ends: `end` is the offset of the blank line, `body` the offset
// of the payload (0 when no blank line has arrived yet), `resume` where the next search may
// start without missing a blank line that is still arriving.
struct BlankLine {
  size_t end = 0;
  size_t body = 0;
  size_t resume = 0;
};

BlankLine FindBlankLine(std::string_view s, size_t from) {
  for (size_t nl = s.find('\n', from); nl != std::string_view::npos; nl = s.find('\n', nl + 1)) {
    if (nl + 1 < s.size() && s[nl + 1] == '\n') return {nl + 1, nl + 2, 0};
    if (nl + 2 < s.size() && s[nl + 1] == '\r' && s[nl + 2] == '\n') return {nl + 1, nl + 3, 0};
    if (nl + 2 >= s.size()) return {0, 0, nl};  // The blank line may still be arriving.
  }
  return {0, 0, s.size()};
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
// limits without moving bytes on every packet.
void Parser::Compact() {
  if (consumed_ == 0 || consumed_ < buffer_.size() / 2) return;
  buffer_.erase(0, consumed_);
  scan_from_ -= std::min(scan_from_, consumed_);
  consumed_ = 0;
  if (buffer_.empty()) buffer_.shrink_to_fit();
}

void Parser::Fail(const char* code, std::string message) {
  error_ = Status::Error(code, std::move(message));
  buffer_.clear();
  buffer_.shrink_to_fit();
  consumed_ = scan_from_ = 0;
}

std::optional<Packet> Parser::Next() {
  if (!error_.ok()) return std::nullopt;
  if (!in_payload_) {
    const std::string_view rest = std::string_view(buffer_).substr(consumed_);
    // A leading empty line is a packet with no headers: never valid.
    if (rest.starts_with("\n") || rest.starts_with("\r\n")) {
      Fail(error::kMalformed, "empty header section");
      return std::nullopt;
    }
    const BlankLine blank = FindBlankLine(rest, scan_from_ - consumed_);
    if (blank.body == 0) {
      if (rest.size() > limits_.max_header) {
        Fail(error::kHeaderTooLarge,
             "header section exceeds " + std::to_string(limits_.max_header) + " bytes");
      }
      scan_from_ = consumed_ + blank.resume;
      return std::nullopt;
    }
    const size_t end = blank.end, body = blank.body;
    if (body > limits_.max_header) {
      Fail(error::kHeaderTooLarge,
           "header section exceeds " + std::to_string(limits_.max_header) + " bytes");
      return std::nullopt;
    }
    if (!ParseHeaderSection(rest.substr(0, end))) return std::nullopt;
    consumed_ += body;
    scan_from_ = consumed_;
    in_payload_ = true;
  }
  if (buffer_.size() - consumed_ < payload_length_) return std::nullopt;
  pending_.payload.assign(buffer_, consumed_, payload_length_);
  consumed_ += payload_length_;
  scan_from_ = consumed_;
  in_payload_ = false;
  payload_length_ = 0;
  Packet out = std::move(pending_);
  pending_ = Packet();
  return out;
}

// Parses "Name: value" lines (each ending in LF, maybe after CR) into pending_.
bool Parser::ParseHeaderSection(std::string_view section) {
  bool has_length = false;
  while (!section.empty()) {
    const size_t nl = section.find('\n');
    std::string_view line = section.substr(0, nl);
    section.remove_prefix(nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      Fail(error::kMalformed, "header line without a name and a colon");
      return false;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (!std::all_of(name.begin(), name.end(), IsTokenChar) ||
        !std::all_of(value.begin(), value.end(), IsValueChar)) {
      Fail(error::kMalformed, "invalid character in a header line");
      return false;
    }
    if (EqualsIgnoreCase(name, header::kContentLength)) {
      const std::optional<size_t> length = ParseLength(value);
      if (has_length || !length) {
        Fail(error::kMalformed, has_length ? "duplicate Content-Length" : "bad Content-Length");
        return false;
      }
      if (*length > limits_.max_payload) {
        Fail(error::kPayloadTooLarge,
             "payload exceeds " + std::to_string(limits_.max_payload) + " bytes");
        return false;
      }
      has_length = true;
      payload_length_ = *length;
      continue;
    }
    pending_.headers.push_back({std::string(name), std::string(value)});
  }
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
