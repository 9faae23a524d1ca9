// HTTP/1.1: the request parser's callbacks on http_parser, the limits, the response encoder.
#include "core/http.h"

#include <http_parser.h>

#include <algorithm>
#include <cctype>
#include <climits>

#include "base/text.h"

namespace ggs {
namespace {

const std::string* FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [field, value] : headers) {
    if (EqualsIgnoreCase(field, name)) return &value;
  }
  return nullptr;
}

// Header bytes of one field or value: what it holds, plus its separator and line break.
constexpr size_t kHeaderLineOverhead = 2;

}  // namespace

const std::string* HttpRequest::Find(std::string_view name) const {
  return FindHeader(headers, name);
}

bool HttpRequest::HasToken(std::string_view name, std::string_view token) const {
  for (const auto& [field, value] : headers) {
    if (!EqualsIgnoreCase(field, name)) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      if (EqualsIgnoreCase(TrimBlanks(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

struct HttpParser::State {
  http_parser parser;
  http_parser_settings settings;
};

struct HttpParser::Callbacks {
  static HttpParser* Self(http_parser* p) { return static_cast<HttpParser*>(p->data); }

  // Counts header bytes against the limit; false (and the parser failed) past it.
  static bool Count(HttpParser* self, size_t n) {
    self->header_bytes_ += n;
    if (self->header_bytes_ <= self->limits_.max_header) return true;
    self->Fail(http_status::kHeaderFieldsTooLarge, "request header fields too large");
    return false;
  }

  static int MessageBegin(http_parser* p) {
    HttpParser* self = Self(p);
    self->current_ = HttpRequest();
    self->in_message_ = true;
    self->in_value_ = false;
    self->header_bytes_ = 0;
    return 0;
  }

  static int Url(http_parser* p, const char* at, size_t n) {
    HttpParser* self = Self(p);
    self->current_.target.append(at, n);
    if (self->current_.target.size() > self->limits_.max_request_line) {
      self->Fail(http_status::kUriTooLong, "request target too long");
      return -1;
    }
    return Count(self, n) ? 0 : -1;
  }

  static int Field(http_parser* p, const char* at, size_t n) {
    HttpParser* self = Self(p);
    HttpHeaders& headers = self->current_.headers;
    if (headers.empty() || self->in_value_) {
      headers.emplace_back();
      self->in_value_ = false;
      if (!Count(self, kHeaderLineOverhead)) return -1;
    }
    headers.back().first.append(at, n);
    return Count(self, n) ? 0 : -1;
  }

  static int Value(http_parser* p, const char* at, size_t n) {
    HttpParser* self = Self(p);
    if (self->current_.headers.empty()) return 0;
    self->in_value_ = true;
    self->current_.headers.back().second.append(at, n);
    return Count(self, n) ? 0 : -1;
  }

  static int HeadersComplete(http_parser* p) {
    HttpParser* self = Self(p);
    HttpRequest& r = self->current_;
    for (auto& [field, value] : r.headers) value = std::string(TrimBlanks(value));
    r.method = http_method_str(static_cast<http_method>(p->method));
    r.http_major = p->http_major;
    r.http_minor = p->http_minor;
    r.keep_alive = http_should_keep_alive(p) != 0;
    r.upgrade = p->upgrade != 0;
    if (p->content_length != ULLONG_MAX && p->content_length > self->limits_.max_body) {
      self->Fail(http_status::kPayloadTooLarge, "request body too large");
      return -1;
    }
    return 0;
  }

  static int Body(http_parser* p, const char* at, size_t n) {
    HttpParser* self = Self(p);
    self->current_.body.append(at, n);
    if (self->current_.body.size() > self->limits_.max_body) {
      self->Fail(http_status::kPayloadTooLarge, "request body too large");
      return -1;
    }
    return 0;
  }

  static int MessageComplete(http_parser* p) {
    HttpParser* self = Self(p);
    self->in_message_ = false;
    if (self->current_.upgrade) self->upgraded_ = true;
    self->done_.push_back(std::move(self->current_));
    self->current_ = HttpRequest();
    return 0;
  }
};

HttpParser::HttpParser(HttpLimits limits) : limits_(limits), state_(std::make_unique<State>()) {
  http_parser_init(&state_->parser, HTTP_REQUEST);
  state_->parser.data = this;
  http_parser_settings_init(&state_->settings);
  state_->settings.on_message_begin = Callbacks::MessageBegin;
  state_->settings.on_url = Callbacks::Url;
  state_->settings.on_header_field = Callbacks::Field;
  state_->settings.on_header_value = Callbacks::Value;
  state_->settings.on_headers_complete = Callbacks::HeadersComplete;
  state_->settings.on_body = Callbacks::Body;
  state_->settings.on_message_complete = Callbacks::MessageComplete;
}

HttpParser::~HttpParser() = default;

void HttpParser::Feed(std::string_view bytes) {
  if (failed() || bytes.empty()) return;
  if (upgraded_) {
    rest_.append(bytes);
    return;
  }
  const size_t parsed =
      http_parser_execute(&state_->parser, &state_->settings, bytes.data(), bytes.size());
  if (upgraded_) {
    rest_.append(bytes.substr(std::min(parsed, bytes.size())));
    return;
  }
  const auto err = HTTP_PARSER_ERRNO(&state_->parser);
  if (err == HPE_OK || failed()) return;
  if (err == HPE_HEADER_OVERFLOW) {
    Fail(http_status::kHeaderFieldsTooLarge, "request header fields too large");
  } else {
    Fail(http_status::kBadRequest, std::string("bad request: ") + http_errno_description(err));
  }
}

std::optional<HttpRequest> HttpParser::Next() {
  if (done_.empty()) return std::nullopt;
  HttpRequest r = std::move(done_.front());
  done_.pop_front();
  return r;
}

std::string HttpParser::TakeRest() {
  std::string out;
  out.swap(rest_);
  return out;
}

void HttpParser::Fail(int status, std::string reason) {
  if (failed()) return;
  error_status_ = status;
  error_reason_ = std::move(reason);
  in_message_ = false;
}

std::string_view HttpReason(int status) {
  switch (status) {
    case http_status::kSwitchingProtocols:
      return "Switching Protocols";
    case http_status::kOk:
      return "OK";
    case http_status::kMovedPermanently:
      return "Moved Permanently";
    case http_status::kBadRequest:
      return "Bad Request";
    case http_status::kNotFound:
      return "Not Found";
    case http_status::kMethodNotAllowed:
      return "Method Not Allowed";
    case http_status::kRequestTimeout:
      return "Request Timeout";
    case http_status::kPayloadTooLarge:
      return "Payload Too Large";
    case http_status::kUriTooLong:
      return "URI Too Long";
    case http_status::kUpgradeRequired:
      return "Upgrade Required";
    case http_status::kTooManyRequests:
      return "Too Many Requests";
    case http_status::kHeaderFieldsTooLarge:
      return "Request Header Fields Too Large";
    case http_status::kInternalServerError:
      return "Internal Server Error";
    case http_status::kServiceUnavailable:
      return "Service Unavailable";
    default:
      return "";
  }
}

HttpResponse TextResponse(int status, std::string_view text) {
  HttpResponse r;
  r.status = status;
  r.body = std::string(text) + "\n";
  return r;
}

std::string EncodeResponse(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " ";
  out.append(HttpReason(response.status)).append("\r\n");
  if (response.status != http_status::kSwitchingProtocols) {
    out.append("Content-Type: ").append(response.content_type).append("\r\n");
    out.append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
    out.append("X-Content-Type-Options: nosniff\r\n");
  }
  if (response.close) out.append("Connection: close\r\n");
  for (const auto& [field, value] : response.headers) {
    out.append(field).append(": ").append(value).append("\r\n");
  }
  out.append("\r\n");
  if (!response.head) out.append(response.body);
  return out;
}

namespace {

struct ResponseCollector {
  std::vector<HttpResponse> done;
  HttpResponse current;
  bool in_value = false;
  bool in_message = false;

  static ResponseCollector* Self(http_parser* p) {
    return static_cast<ResponseCollector*>(p->data);
  }
  static int Begin(http_parser* p) {
    Self(p)->current = HttpResponse();
    Self(p)->in_value = false;
    Self(p)->in_message = true;
    return 0;
  }
  static int Field(http_parser* p, const char* at, size_t n) {
    ResponseCollector* self = Self(p);
    if (self->current.headers.empty() || self->in_value) self->current.headers.emplace_back();
    self->in_value = false;
    self->current.headers.back().first.append(at, n);
    return 0;
  }
  static int Value(http_parser* p, const char* at, size_t n) {
    ResponseCollector* self = Self(p);
    if (self->current.headers.empty()) return 0;
    self->in_value = true;
    self->current.headers.back().second.append(at, n);
    return 0;
  }
  static int HeadersComplete(http_parser* p) {
    ResponseCollector* self = Self(p);
    self->current.status = static_cast<int>(p->status_code);
    self->current.close = http_should_keep_alive(p) == 0;
    if (const std::string* type = FindHeader(self->current.headers, "content-type")) {
      self->current.content_type = *type;
    }
    return 0;
  }
  static int Body(http_parser* p, const char* at, size_t n) {
    Self(p)->current.body.append(at, n);
    return 0;
  }
  static int Complete(http_parser* p) {
    Self(p)->done.push_back(std::move(Self(p)->current));
    Self(p)->in_message = false;
    return 0;
  }
};

}  // namespace

Result<std::vector<HttpResponse>> ParseHttpResponses(std::string_view bytes) {
  ResponseCollector collector;
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &collector;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_message_begin = ResponseCollector::Begin;
  settings.on_header_field = ResponseCollector::Field;
  settings.on_header_value = ResponseCollector::Value;
  settings.on_headers_complete = ResponseCollector::HeadersComplete;
  settings.on_body = ResponseCollector::Body;
  settings.on_message_complete = ResponseCollector::Complete;
  http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
  if (HTTP_PARSER_ERRNO(&parser) == HPE_OK && collector.in_message) {
    http_parser_execute(&parser, &settings, nullptr, 0);  // The end of the stream.
  }
  if (HTTP_PARSER_ERRNO(&parser) != HPE_OK || collector.in_message) {
    return Status::Error("bad_http", std::string("not whole HTTP responses: ") +
                                         http_errno_description(HTTP_PARSER_ERRNO(&parser)));
  }
  return std::move(collector.done);
}

}  // namespace ggs
