// The ggs wire protocol codec: an incremental, limit-checking parser and the encoder.
#include "core/protocol.h"

#include <algorithm>
#include <cctype>

#include "core/error_codes.h"

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

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).push_back('\n');
}

void AppendBody(std::string& out, std::string_view payload) {
  out.append("Content-Length: ").append(std::to_string(payload.size())).append("\n\n");
  out.append(payload);
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
    if (EqualsIgnoreCase(name, "Content-Length")) {
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

std::string Encode(const Packet& packet) {
  std::string out;
  for (const Header& h : packet.headers) AppendHeader(out, h.name, h.value);
  AppendBody(out, packet.payload);
  return out;
}

void AppendClientCommand(std::string& out, std::string_view command, std::string_view payload) {
  AppendHeader(out, "Client-Command", command);
  AppendBody(out, payload);
}

void AppendError(std::string& out, std::string_view code, std::string_view message) {
  AppendHeader(out, "Client-Command", "error");
  AppendHeader(out, "Error-Code", code);
  AppendBody(out, message);
}

}  // namespace ggs
