// Tests of the HTTP routes that need no server: content types, the WebSocket handshake, the
// health checks and the hook /metrics waits for.
#include "core/http_service.h"

#include <gtest/gtest.h>

namespace ggs {
namespace {

HttpRequest Request(std::string method, std::string target, HttpHeaders headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

std::string Header(const HttpResponse& r, std::string_view name) {
  for (const auto& [field, value] : r.headers) {
    if (field == name) return value;
  }
  return "(none)";
}

TEST(HttpServiceTest, ContentTypesByExtension) {
  EXPECT_EQ(ContentTypeFor("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("ggs.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("m.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("s.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("d.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("i.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("i.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("favicon.ico"), "image/x-icon");
  EXPECT_EQ(ContentTypeFor("r.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("blob"), "application/octet-stream");
}

TEST(HttpServiceTest, TheHandshakeOfTheRfc) {
  HttpRequest r = Request("GET", "/ws",
                          {{"Host", "server.example.com"},
                           {"Upgrade", "websocket"},
                           {"Connection", "Upgrade"},
                           {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                           {"Sec-WebSocket-Version", "13"}});
  r.upgrade = true;
  HttpResponse ok = WebSocketHandshake(r);
  EXPECT_EQ(ok.status, 101);
  EXPECT_EQ(Header(ok, "Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  r.headers[3].second = "short==";
  EXPECT_EQ(WebSocketHandshake(r).status, 400);
  r.headers[3].second = "dGhlIHNhbXBsZSBub25jZQ==";
  r.headers[4].second = "8";
  HttpResponse old = WebSocketHandshake(r);
  EXPECT_EQ(old.status, 426);
  EXPECT_EQ(Header(old, "Sec-WebSocket-Version"), "13");
  EXPECT_EQ(WebSocketHandshake(Request("GET", "/ws")).status, 426);
}

TEST(HttpServiceTest, HealthReadinessAndTheMetricsHook) {
  HttpService service("");
  EXPECT_EQ(service.Respond(Request("GET", "/healthz")).status, 200);
  EXPECT_EQ(service.Respond(Request("GET", "/readyz")).status, 503);
  bool ready = true;
  service.ready = [&ready] { return ready; };
  EXPECT_EQ(service.Respond(Request("GET", "/readyz")).status, 200);
  EXPECT_EQ(service.Respond(Request("POST", "/readyz")).status, 405);
  EXPECT_EQ(service.Respond(Request("GET", "/metrics")).status, 404);
  service.metrics = [] { return std::string("ggs_up 1\n"); };
  HttpResponse metrics = service.Respond(Request("GET", "/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body, "ggs_up 1\n");
  EXPECT_EQ(service.Respond(Request("GET", "/index.html")).status, 404);  // No web directory.
  EXPECT_EQ(service.Respond(Request("GET", "/../x")).status, 400);
}

}  // namespace
}  // namespace ggs
