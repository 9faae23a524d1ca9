// Tests of the HTTP request parser (every chunking, keep-alive, upgrades, each limit) and
// the response encoder.
#include "core/http.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/chunked_parse.h"

namespace ggs {
namespace {

struct Outcome {
  std::vector<HttpRequest> requests;
  int error_status = 0;
  std::string rest;
};

Outcome Parse(const std::string& bytes, const std::vector<size_t>& cuts, HttpLimits limits = {}) {
  HttpParser parser(limits);
  Outcome out;
  for (std::string_view piece : SplitAt(bytes, cuts)) {
    parser.Feed(piece);
    while (auto r = parser.Next()) out.requests.push_back(std::move(*r));
  }
  out.error_status = parser.error_status();
  out.rest = parser.TakeRest();
  return out;
}

// The same requests, error and rest in every cut into two and three pieces.
Outcome ParseInEveryChunking(const std::string& bytes, HttpLimits limits = {}) {
  const Outcome whole = Parse(bytes, {}, limits);
  for (size_t a = 1; a < bytes.size(); ++a) {
    for (size_t b = a; b < bytes.size(); b += (bytes.size() > 100 ? 7 : 1)) {
      const Outcome cut = Parse(bytes, {a, b}, limits);
      EXPECT_EQ(cut.error_status, whole.error_status) << "cut at " << a << "," << b;
      EXPECT_EQ(cut.rest, whole.rest) << "cut at " << a << "," << b;
      EXPECT_EQ(cut.requests.size(), whole.requests.size()) << "cut at " << a << "," << b;
      for (size_t i = 0; i < std::min(cut.requests.size(), whole.requests.size()); ++i) {
        EXPECT_EQ(cut.requests[i].target, whole.requests[i].target);
        EXPECT_EQ(cut.requests[i].headers, whole.requests[i].headers);
        EXPECT_EQ(cut.requests[i].body, whole.requests[i].body);
      }
      if (testing::Test::HasFailure()) return whole;
    }
  }
  return whole;
}

TEST(HttpParserTest, PipelinedRequestsInEveryChunking) {
  const Outcome out = ParseInEveryChunking(
      "GET /pong/?x=1 HTTP/1.1\r\nHost: a\r\nX-Two:  spaced  \r\n\r\n"
      "HEAD /ggs.js HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /x HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  ASSERT_EQ(out.requests.size(), 3u);
  EXPECT_EQ(out.requests[0].method, "GET");
  EXPECT_EQ(out.requests[0].target, "/pong/?x=1");
  EXPECT_EQ(*out.requests[0].Find("x-two"), "spaced");
  EXPECT_TRUE(out.requests[0].keep_alive);
  EXPECT_EQ(out.requests[1].method, "HEAD");
  EXPECT_EQ(out.requests[2].body, "hello");
  EXPECT_FALSE(out.requests[2].keep_alive);
  EXPECT_EQ(out.error_status, 0);
}

TEST(HttpParserTest, ChunkedBodies) {
  const Outcome out = ParseInEveryChunking(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].body, "abcde");
}

TEST(HttpParserTest, HttpOneZeroClosesUnlessKeptAlive) {
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n", {}).requests.at(0).keep_alive);
  EXPECT_TRUE(
      Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", {}).requests.at(0).keep_alive);
}

TEST(HttpParserTest, AnUpgradeEndsTheHttpStream) {
  const Outcome out = ParseInEveryChunking(
      "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x82\x85GET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_TRUE(out.requests[0].upgrade);
  EXPECT_TRUE(out.requests[0].HasToken("connection", "upgrade"));
  EXPECT_EQ(out.rest, "\x82\x85GET / HTTP/1.1\r\n\r\n");
}

TEST(HttpParserTest, GarbageIsABadRequest) {
  EXPECT_EQ(ParseInEveryChunking("NOT HTTP AT ALL\r\n\r\n").error_status, 400);
  EXPECT_EQ(ParseInEveryChunking(std::string("GET /\0 HTTP/1.1\r\n\r\n", 20)).error_status, 400);
  EXPECT_EQ(ParseInEveryChunking("GET / HTTP/1.1\r\nNo-colon-here\r\n\r\n").error_status, 400);
}

TEST(HttpParserTest, ALongTargetIs414) {
  HttpLimits limits{64, 1024, 1024};
  const Outcome out = ParseInEveryChunking(
      "GET /ok HTTP/1.1\r\n\r\nGET /" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n", limits);
  EXPECT_EQ(out.requests.size(), 1u);  // The one before it is still answered.
  EXPECT_EQ(out.error_status, 414);
}

TEST(HttpParserTest, LargeHeadersAre431) {
  HttpLimits limits{64, 100, 1024};
  EXPECT_EQ(
      ParseInEveryChunking("GET / HTTP/1.1\r\nX: " + std::string(100, 'v') + "\r\n\r\n", limits)
          .error_status,
      431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 40; ++i) many += "A: b\r\n";
  EXPECT_EQ(ParseInEveryChunking(many + "\r\n", limits).error_status, 431);
  // The library's own ceiling, far above ours by default, also answers 431.
  HttpLimits huge{64, size_t{1} << 30, 1024};
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nX: " + std::string(100 * 1024, 'v'), {}, huge).error_status,
            431);
}

TEST(HttpParserTest, ALargeBodyIs413) {
  HttpLimits limits{64, 1024, 10};
  EXPECT_EQ(ParseInEveryChunking("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n").error_status,
            0);  // Within the default limit: waits for the body.
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", {}, limits).error_status, 413);
  EXPECT_EQ(ParseInEveryChunking("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n",
                                 limits)
                .error_status,
            413);
}

TEST(HttpParserTest, MidRequestUntilTheRequestEnds) {
  HttpParser parser;
  EXPECT_FALSE(parser.mid_request());
  parser.Feed("GET / HT");
  EXPECT_TRUE(parser.mid_request());
  parser.Feed("TP/1.1\r\n\r\n");
  EXPECT_FALSE(parser.mid_request());
  EXPECT_TRUE(parser.Next());
}

TEST(HttpResponseTest, EncodesAndParsesBack) {
  HttpResponse r = TextResponse(404, "not found");
  r.headers.emplace_back("X-A", "b");
  const std::string bytes = EncodeResponse(r);
  EXPECT_EQ(bytes.substr(0, bytes.find("\r\n")), "HTTP/1.1 404 Not Found");
  HttpResponse closing = TextResponse(200, "ok");
  closing.close = true;
  Result<std::vector<HttpResponse>> parsed = ParseHttpResponses(bytes + EncodeResponse(closing));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].status, 404);
  EXPECT_EQ((*parsed)[0].body, "not found\n");
  EXPECT_EQ((*parsed)[0].content_type, "text/plain; charset=utf-8");
  EXPECT_TRUE((*parsed)[1].close);
  EXPECT_FALSE(ParseHttpResponses("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort").ok());
}

TEST(HttpResponseTest, HeadSendsNoBody) {
  HttpResponse r = TextResponse(200, "ok");
  r.head = true;
  const std::string bytes = EncodeResponse(r);
  EXPECT_NE(bytes.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n");
}

}  // namespace
}  // namespace ggs
