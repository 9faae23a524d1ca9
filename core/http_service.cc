// HttpService: the routes, the handshake check, and safe static files.
#include "core/http_service.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

#include "base/file.h"
#include "core/websocket.h"

namespace ggs {
namespace {

constexpr char kIndex[] = "index.html";

HttpResponse Refused(int status, std::string_view text) {
  HttpResponse r = TextResponse(status, text);
  r.close = true;
  return r;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path with %XX decoded; nullopt for a bad escape.
std::optional<std::string> PercentDecode(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out.push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size()) return std::nullopt;
    const int hi = HexDigit(path[i + 1]);
    const int lo = HexDigit(path[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// The decoded path's segments, or nullopt when it could leave the web directory or name
// something no file should: a NUL or backslash, a `.` or `..` segment, a target that is not
// a path (`*`, an absolute URL).
std::optional<std::vector<std::string>> SafeSegments(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::optional<std::string> decoded = PercentDecode(path);
  if (!decoded) return std::nullopt;
  std::vector<std::string> segments;
  size_t at = 1;
  while (at <= decoded->size()) {
    size_t slash = decoded->find('/', at);
    if (slash == std::string::npos) slash = decoded->size();
    std::string segment = decoded->substr(at, slash - at);
    at = slash + 1;
    if (segment.empty()) continue;
    if (segment == "." || segment == ".." || segment.find('\0') != std::string::npos ||
        segment.find('\\') != std::string::npos) {
      return std::nullopt;
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

bool IsGetOrHead(const HttpRequest& r) { return r.method == "GET" || r.method == "HEAD"; }

HttpResponse MethodNotAllowed() {
  HttpResponse r = TextResponse(http_status::kMethodNotAllowed, "method not allowed");
  r.headers.emplace_back("Allow", "GET, HEAD");
  return r;
}

}  // namespace

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

HttpResponse WebSocketHandshake(const HttpRequest& request) {
  if (!request.HasToken("upgrade", "websocket") || !request.HasToken("connection", "upgrade")) {
    HttpResponse r = Refused(http_status::kUpgradeRequired, "this path speaks WebSocket only");
    r.headers.emplace_back("Upgrade", "websocket");
    return r;
  }
  if (request.method != "GET" || request.http_major != 1 || request.http_minor < 1) {
    return Refused(http_status::kBadRequest, "a WebSocket handshake is a GET over HTTP/1.1");
  }
  const std::string* version = request.Find("sec-websocket-version");
  if (version == nullptr || *version != websocket::kVersion) {
    HttpResponse r = Refused(http_status::kUpgradeRequired, "WebSocket version 13 only");
    r.headers.emplace_back("Sec-WebSocket-Version", websocket::kVersion);
    return r;
  }
  const std::string* key = request.Find("sec-websocket-key");
  if (key == nullptr || !websocket::IsValidKey(*key)) {
    return Refused(http_status::kBadRequest, "Sec-WebSocket-Key is not 16 bytes in base64");
  }
  HttpResponse r;
  r.status = http_status::kSwitchingProtocols;
  r.headers = {{"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Accept", websocket::AcceptKey(*key)}};
  return r;
}

std::string_view ContentTypeFor(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

HttpResponse HttpService::Respond(const HttpRequest& request) const {
  const std::string_view path = TargetPath(request.target);
  HttpResponse response;
  if (path == "/healthz") {
    response = TextResponse(http_status::kOk, "ok");
  } else if (path == "/readyz") {
    const bool is_ready = ready && ready();
    response = TextResponse(is_ready ? http_status::kOk : http_status::kServiceUnavailable,
                            is_ready ? "ready" : "not ready");
  } else if (path == "/metrics" && metrics) {
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics();
  } else if (path == kWebSocketPath) {
    response = WebSocketHandshake(request);  // Not an upgrade: it says what is missing.
  } else {
    return StaticFile(request, path);
  }
  if (!IsGetOrHead(request)) return MethodNotAllowed();
  response.head = request.method == "HEAD";
  return response;
}

HttpResponse HttpService::StaticFile(const HttpRequest& request, std::string_view path) const {
  std::optional<std::vector<std::string>> segments = SafeSegments(path);
  if (!segments) return TextResponse(http_status::kBadRequest, "bad path");
  if (!IsGetOrHead(request)) return MethodNotAllowed();
  if (web_dir_.empty()) return TextResponse(http_status::kNotFound, "not found");
  namespace fs = std::filesystem;
  fs::path file = web_dir_;
  for (const std::string& s : *segments) file /= s;
  std::error_code ec;
  if (path.back() == '/') {
    file /= kIndex;
  } else if (fs::is_directory(file, ec)) {
    HttpResponse r = TextResponse(http_status::kMovedPermanently, "moved");
    r.headers.emplace_back("Location", std::string(path) + "/");
    r.head = request.method == "HEAD";
    return r;
  }
  // A symbolic link may not lead out of the web directory either.
  const fs::path root = fs::weakly_canonical(web_dir_, ec);
  const fs::path real = fs::weakly_canonical(file, ec);
  const auto [root_end, real_it] =
      std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  if (ec || root_end != root.end() || !fs::is_regular_file(real, ec)) {
    return TextResponse(http_status::kNotFound, "not found");
  }
  Result<std::string> bytes = ReadFile(real.string());
  if (!bytes.ok()) return TextResponse(http_status::kNotFound, "not found");
  HttpResponse r;
  r.content_type = std::string(ContentTypeFor(real.filename().string()));
  r.body = std::move(bytes.value());
  r.head = request.method == "HEAD";
  return r;
}

}  // namespace ggs
