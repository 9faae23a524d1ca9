// HttpService: what the HTTP listener answers, route by route — /healthz, /readyz, /metrics
// (filled in by the server), the WebSocket handshake of /ws, and the static files of the web
// directory with their content types and no way out of that directory. Requests in,
// responses out; it reads files but holds no socket (core/connection.h does the I/O).
//
// Thread: the event-loop thread only.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/http.h"

namespace ggs {

// The path the WebSocket transport answers on.
inline constexpr char kWebSocketPath[] = "/ws";

// The path part of a request target: up to `?` or `#`.
std::string_view TargetPath(std::string_view target);

// The answer to an upgrade request on kWebSocketPath: 101 with Sec-WebSocket-Accept when it
// is a valid RFC 6455 opening handshake (GET, HTTP/1.1 upgrade to `websocket`, version 13,
// a 16-byte key); otherwise 426 (no upgrade, or another version) or 400, with `close` set.
HttpResponse WebSocketHandshake(const HttpRequest& request);

// The Content-Type of a file named `path`, by its extension (application/octet-stream for
// unknown ones).
std::string_view ContentTypeFor(std::string_view path);

class HttpService {
 public:
  // `web_dir`: the directory whose files are served; "" serves none (404).
  explicit HttpService(std::string web_dir) : web_dir_(std::move(web_dir)) {}

  // True when the server accepts players (storage open and restored, game port listening):
  // /readyz answers 200, else 503. Unset: never ready.
  std::function<bool()> ready;
  // The Prometheus text exposition for /metrics; unset: /metrics answers 404.
  std::function<std::string()> metrics;

  // Answers one request (not an upgrade to kWebSocketPath, which the connection handles).
  HttpResponse Respond(const HttpRequest& request) const;

 private:
  HttpResponse StaticFile(const HttpRequest& request, std::string_view path) const;
  std::string web_dir_;
};

}  // namespace ggs
