// HTTP/1.1 for ggs's one HTTP listener: an incremental request parser with limits, on
// Debian's libhttp-parser (the only home of http_parser_*), and the response encoder. Pure,
// as core/protocol.h is: bytes in, requests out, no I/O; the outcome of an input does not
// depend on how it is cut into Feed calls.
//
// Not thread-safe; one parser per connection.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ggs {

// The status codes ggs answers with, named where they are chosen.
namespace http_status {
inline constexpr int kSwitchingProtocols = 101;
inline constexpr int kOk = 200;
inline constexpr int kMovedPermanently = 301;
inline constexpr int kBadRequest = 400;
inline constexpr int kNotFound = 404;
inline constexpr int kMethodNotAllowed = 405;
inline constexpr int kRequestTimeout = 408;
inline constexpr int kPayloadTooLarge = 413;
inline constexpr int kUriTooLong = 414;
inline constexpr int kUpgradeRequired = 426;
inline constexpr int kTooManyRequests = 429;
inline constexpr int kHeaderFieldsTooLarge = 431;
inline constexpr int kInternalServerError = 500;
inline constexpr int kServiceUnavailable = 503;
}  // namespace http_status

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "HEAD", ...
  std::string target;  // The request target as sent: path and query.
  int http_major = 1;
  int http_minor = 1;
  HttpHeaders headers;
  std::string body;
  bool keep_alive = true;  // HTTP/1.1 without `Connection: close` (or 1.0 with keep-alive).
  bool upgrade = false;    // It asked to switch protocols (Connection: upgrade + Upgrade).

  // The value of the first header named `name` (case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
  // True when the comma-separated header `name` holds `token` (case-insensitive).
  bool HasToken(std::string_view name, std::string_view token) const;
};

struct HttpLimits {
  size_t max_request_line = 8 * 1024;  // Bytes of the request target; over it: 414.
  size_t max_header = 16 * 1024;       // Bytes of the request line and headers; over: 431.
  size_t max_body = 64 * 1024;         // Bytes of a body; over it: 413.
};

// HttpParser: a byte stream, fed in chunks of any size, in; requests out. Once it fails it
// stays failed, with the status code to answer (4xx) and a short reason; requests completed
// before the failure are returned first. After a request that upgrades, it parses nothing
// more: the bytes after that request's headers belong to the new protocol (TakeRest).
class HttpParser {
 public:
  explicit HttpParser(HttpLimits limits = {});
  ~HttpParser();
  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  void Feed(std::string_view bytes);
  // The next complete request, or nullopt when more bytes are needed, after an upgrade, or
  // when the stream is broken (then failed()).
  std::optional<HttpRequest> Next();
  bool failed() const { return error_status_ != 0; }
  int error_status() const { return error_status_; }
  const std::string& error_reason() const { return error_reason_; }
  // True while a request has begun and not ended.
  bool mid_request() const { return in_message_; }
  // After an upgrade request: the bytes that followed it, once.
  std::string TakeRest();

 private:
  struct State;      // The http_parser and its settings, defined in http.cc.
  struct Callbacks;  // The http_parser callbacks, defined in http.cc.
  void Fail(int status, std::string reason);

  HttpLimits limits_;
  std::unique_ptr<State> state_;
  std::deque<HttpRequest> done_;
  HttpRequest current_;
  std::string field_;  // The header field being read; its value follows.
  bool in_value_ = false;
  bool in_message_ = false;
  bool upgraded_ = false;
  size_t header_bytes_ = 0;
  std::string rest_;
  int error_status_ = 0;
  std::string error_reason_;
};

struct HttpResponse {
  int status = http_status::kOk;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  HttpHeaders headers;  // More headers: Location, Sec-WebSocket-Accept, ...
  bool close = false;   // Sends `Connection: close`; the server closes after writing it.
  bool head = false;    // The answer to HEAD: headers as for GET, no body bytes.
};

// The reason phrase of `status`, "" for a code ggs does not use.
std::string_view HttpReason(int status);
// A short text response: `status` with `text` and a newline as its body.
HttpResponse TextResponse(int status, std::string_view text);
// Encodes `response` as HTTP/1.1: status line, Content-Type and Content-Length (not for
// 101), Connection: close when asked, the extra headers, a blank line, the body.
std::string EncodeResponse(const HttpResponse& response);

// Parses responses, one after the other, as a client reads them (tests and tools). Fails
// with code "bad_http" when `bytes` do not hold whole responses.
Result<std::vector<HttpResponse>> ParseHttpResponses(std::string_view bytes);

}  // namespace ggs
