// End-to-end tests of the HTTP listener of `ggs serve --http`: health checks, static files
// with their content types, paths that try to leave the web directory, keep-alive, and the
// request limits.
#include <filesystem>

#include "base/file.h"
#include "cli/e2e_support.h"
#include "client/http_client.h"
#include "testing/metrics_sample.h"

namespace ggs::e2e {
namespace {

class HttpTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    const std::string web = file("web");
    std::filesystem::create_directories(web + "/pong");
    ASSERT_TRUE(WriteFile(web + "/index.html", "<!doctype html><title>ggs</title>").ok());
    ASSERT_TRUE(WriteFile(web + "/ggs.js", "export const ggs = 1;").ok());
    ASSERT_TRUE(WriteFile(web + "/style.css", "body{}").ok());
    ASSERT_TRUE(WriteFile(web + "/pong/index.html", "<p>pong</p>").ok());
    ASSERT_TRUE(WriteFile(file("secret.txt"), "outside the web directory").ok());
    StartServerWithHttp(web, {"--http-max-header", "2KiB", "--http-max-body", "1KiB"});
  }

  HttpResponse Get(const std::string& target, const std::string& method = "GET") {
    Result<HttpResponse> r = HttpGet("127.0.0.1", http_port_, target, method);
    EXPECT_TRUE(r.ok()) << target << ": " << r.status().message();
    return r.ok() ? *r : HttpResponse{};
  }

  static std::string FindLocation(const HttpResponse& r) {
    for (const auto& [field, value] : r.headers) {
      if (field == "Location") return value;
    }
    return "(none)";
  }

  std::vector<HttpResponse> Exchange(const std::string& bytes) {
    Result<std::vector<HttpResponse>> r = HttpExchange("127.0.0.1", http_port_, bytes);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<HttpResponse>{};
  }
};

TEST_F(HttpTest, HealthAndReadiness) {
  HttpResponse health = Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(Get("/readyz").status, 200);
}

// GET /metrics is the server's Prometheus exposition: a game command shows up in it.
TEST_F(HttpTest, MetricsShowWhatPlayersDid) {
  auto c = Connect();
  Hello(*c);
  Define(*c, "var seats = 1;\nfunction playerCommand(id, c, a) { GGS.sendCommand(id, 'e', a); }\n");
  ASSERT_TRUE(c->SendGame("x", "1").ok());
  Expect(*c, "e");
  HttpResponse m = Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(MetricsSample(m.body, "ggs_events_total{kind=\"command\"}"), 1);
  EXPECT_EQ(MetricsSample(m.body, "ggs_connections_open{transport=\"tcp\"}"), 1);
  // The scrape's own connection, still open while the server rendered it.
  EXPECT_EQ(MetricsSample(m.body, "ggs_connections_open{transport=\"http\"}"), 1);
  EXPECT_GE(MetricsSample(m.body, "ggs_packets_received_total{transport=\"tcp\"}").value_or(0), 3);
}

TEST_F(HttpTest, StaticFilesWithTheirContentTypes) {
  HttpResponse index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>ggs</title>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  HttpResponse js = Get("/ggs.js");
  EXPECT_EQ(js.body, "export const ggs = 1;");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/style.css?v=2").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/pong/").body, "<p>pong</p>");
  HttpResponse dir = Get("/pong");
  EXPECT_EQ(dir.status, 301);
  EXPECT_EQ(FindLocation(dir), "/pong/");
  EXPECT_EQ(Get("/missing.html").status, 404);
  EXPECT_EQ(Get("/pong/missing/").status, 404);
}

TEST_F(HttpTest, PathsOutOfTheWebDirectoryAreRefused) {
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/pong/%2E%2E/../secret.txt",
                             "/..%2fsecret.txt", "/ggs.js%00.html", "/%zz", "/pong\\..\\x"}) {
    const int status = Get(target).status;
    EXPECT_TRUE(status == 400 || status == 404) << target << ": " << status;
  }
  std::vector<HttpResponse> absolute =
      Exchange("GET http://127.0.0.1/../secret.txt HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(absolute.size(), 1u);
  EXPECT_EQ(absolute[0].status, 400);
  EXPECT_EQ(Get("/" + file("secret.txt")).status, 404);  // Under the web directory: missing.
}

TEST_F(HttpTest, OnlyGetAndHeadOnStaticPaths) {
  HttpResponse post = Get("/index.html", "DELETE");
  EXPECT_EQ(post.status, 405);
  // HEAD: the headers of the GET, no body.
  auto c = SyncClient::Connect("127.0.0.1", http_port_);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->SendRaw("HEAD /ggs.js HTTP/1.1\r\nConnection: close\r\n\r\n").ok());
  std::string bytes;
  for (Result<std::string> more = (*c)->ReceiveRaw(); more.ok(); more = (*c)->ReceiveRaw()) {
    bytes += *more;
  }
  EXPECT_EQ(bytes.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << bytes;
  EXPECT_NE(bytes.find("Content-Length: 21\r\n"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n") << bytes;
}

TEST_F(HttpTest, KeepAliveServesRequestsInTurn) {
  std::vector<HttpResponse> r = Exchange(
      "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /missing HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /ggs.js HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
      "GET /healthz HTTP/1.1\r\n\r\n");  // After Connection: close: never answered.
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_FALSE(r[0].close);
  EXPECT_EQ(r[1].status, 404);
  EXPECT_EQ(r[2].body, "export const ggs = 1;");
  EXPECT_TRUE(r[2].close);
}

TEST_F(HttpTest, LimitsAnswer4xxAndClose) {
  std::vector<HttpResponse> uri = Exchange("GET /" + std::string(3000, 'a') + " HTTP/1.1\r\n\r\n");
  ASSERT_EQ(uri.size(), 1u);
  EXPECT_EQ(uri[0].status, 414);
  EXPECT_TRUE(uri[0].close);
  std::vector<HttpResponse> header =
      Exchange("GET / HTTP/1.1\r\nX-A: " + std::string(3000, 'a') + "\r\n\r\n");
  ASSERT_EQ(header.size(), 1u);
  EXPECT_EQ(header[0].status, 431);
  std::vector<HttpResponse> body =
      Exchange("POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'b'));
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].status, 413);
  std::vector<HttpResponse> junk = Exchange("HELLO\r\n\r\n");
  ASSERT_EQ(junk.size(), 1u);
  EXPECT_EQ(junk[0].status, 400);
}

TEST_F(HttpTest, TheGamePortStillSpeaksTheProtocol) {
  auto c = Connect();
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->SendServer(command::kPing, "tcp").ok());
  EXPECT_EQ(Expect(*c, command::kPong).payload, "tcp");
}

}  // namespace
}  // namespace ggs::e2e
