// Tests of the protocol codec: every input is also fed one byte at a time and in random
// chunks, and must parse to the same packets.
#include "core/protocol.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "base/escape.h"
#include "testing/chunked_parse.h"

namespace ggs {
namespace {

using Outcome = ChunkedParse;

Outcome ParseChunked(std::string_view bytes, const std::vector<size_t>& cuts,
                     ParserLimits limits = {}) {
  Parser parser(limits);
  return FeedInChunks(parser, bytes, cuts);
}

// Parses `bytes` whole, one byte at a time and in 50 random chunkings; all must agree.
Outcome ParseEveryWay(std::string_view bytes, ParserLimits limits = {}) {
  const Outcome whole = ParseChunked(bytes, {}, limits);
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  const Outcome bytewise = ParseChunked(bytes, every, limits);
  EXPECT_EQ(whole.packets, bytewise.packets) << bytes;
  EXPECT_EQ(whole.error_code, bytewise.error_code) << bytes;
  std::mt19937 rng(static_cast<unsigned>(bytes.size()));
  for (int round = 0; round < 50 && bytes.size() > 1; ++round) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < bytes.size(); ++i) {
      if (rng() % 7 == 0) cuts.push_back(i);
    }
    const Outcome chunked = ParseChunked(bytes, cuts, limits);
    EXPECT_EQ(whole.packets, chunked.packets) << bytes;
    EXPECT_EQ(whole.error_code, chunked.error_code) << bytes;
  }
  return whole;
}

TEST(ProtocolTest, ParsesHeadersAndPayload) {
  const Outcome o = ParseEveryWay("Server-Command: hello\nToken: abc\nContent-Length: 5\n\nhello");
  ASSERT_EQ(o.error_code, "");
  ASSERT_EQ(o.packets.size(), 1u);
  EXPECT_EQ(*o.packets[0].Find("server-command"), "hello");
  EXPECT_EQ(*o.packets[0].Find("TOKEN"), "abc");
  EXPECT_EQ(o.packets[0].Find(header::kContentLength), nullptr);
  EXPECT_EQ(o.packets[0].payload, "hello");
}

TEST(ProtocolTest, AcceptsCrlfAndAnyHeaderOrder) {
  const Outcome o = ParseEveryWay("content-length: 3\r\nGame-Command:  move \r\n\r\nabc");
  ASSERT_EQ(o.packets.size(), 1u);
  EXPECT_EQ(*o.packets[0].Find(header::kGameCommand), "move");
  EXPECT_EQ(o.packets[0].payload, "abc");
}

TEST(ProtocolTest, MissingContentLengthMeansEmptyPayload) {
  const Outcome o = ParseEveryWay("Server-Command: ping\n\nServer-Command: bye\n\n");
  ASSERT_EQ(o.packets.size(), 2u);
  EXPECT_EQ(o.packets[0].payload, "");
  EXPECT_EQ(*o.packets[1].Find(header::kServerCommand), "bye");
}

TEST(ProtocolTest, PayloadMayHoldAnyBytesIncludingBlankLines) {
  const std::string payload("a\n\n\r\n\0b", 7);
  const std::string wire =
      "Game-Command: x\nContent-Length: 7\n\n" + payload + "Server-Command: ping\n\n";
  const Outcome o = ParseEveryWay(wire);
  ASSERT_EQ(o.packets.size(), 2u);
  EXPECT_EQ(o.packets[0].payload, payload);
}

TEST(ProtocolTest, EncodeThenParseIsIdentity) {
  Packet p;
  p.Add(header::kServerCommand, "define").Add(header::kToken, "t-1").Add("X-Empty", "");
  p.payload = std::string("function f(){}\n\n\0", 17);
  const Outcome o = ParseEveryWay(Encode(p) + Encode(p));
  ASSERT_EQ(o.packets.size(), 2u);
  EXPECT_EQ(o.packets, (std::vector<Packet>{p, p}));
}

TEST(ProtocolTest, ClientCommandAndErrorEncoders) {
  std::string wire;
  AppendClientCommand(wire, "pong", "42");
  AppendError(wire, "no_such_table", "no table abc");
  const Outcome o = ParseEveryWay(wire);
  ASSERT_EQ(o.packets.size(), 2u);
  EXPECT_EQ(*o.packets[0].Find(header::kClientCommand), "pong");
  EXPECT_EQ(o.packets[0].payload, "42");
  EXPECT_EQ(*o.packets[1].Find(header::kClientCommand), "error");
  EXPECT_EQ(*o.packets[1].Find(header::kErrorCode), "no_such_table");
  EXPECT_EQ(o.packets[1].payload, "no table abc");
}

struct BadInput {
  const char* name;
  std::string bytes;
  const char* code;
};

TEST(ProtocolTest, MalformedFramingIsAnErrorNeverACrash) {
  const std::vector<BadInput> cases = {
      {"no colon", "Server-Command hello\n\n", "malformed"},
      {"empty name", ": x\n\n", "malformed"},
      {"space in name", "Server Command: x\n\n", "malformed"},
      {"negative length", "Server-Command: x\nContent-Length: -1\n\n", "malformed"},
      {"hex length", "Server-Command: x\nContent-Length: 0x10\n\n", "malformed"},
      {"empty length", "Server-Command: x\nContent-Length:\n\n", "malformed"},
      {"duplicate length", "Content-Length: 1\nContent-Length: 1\n\nab", "malformed"},
      {"huge length", "Server-Command: x\nContent-Length: 99999999999999999999\n\n", "malformed"},
      {"leading blank line", "\nServer-Command: ping\n\n", "malformed"},
      {"leading crlf", "\r\nServer-Command: ping\n\n", "malformed"},
      {"control char", std::string("Server-Command: p\x01ng\n\n"), "malformed"},
      {"nul in name", std::string("Serv\0er: x\n\n", 12), "malformed"},
      {"binary junk", std::string("\xff\xfe\x00\x01\n\n", 6), "malformed"},
      {"over payload limit", "Server-Command: x\nContent-Length: 1048577\n\n", "payload_too_large"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.name);
    const Outcome o = ParseEveryWay(c.bytes);
    EXPECT_EQ(o.error_code, c.code);
    EXPECT_TRUE(o.packets.empty());
  }
}

// Junk is refused as soon as it cannot become a valid header section, without waiting
// for a blank line (issue 13): a bad line when its line break arrives, a bad byte at once.
TEST(ProtocolTest, JunkFailsAtOnceWithoutABlankLine) {
  const std::vector<BadInput> cases = {
      {"a line without a colon", "garbage\n", "malformed"},
      {"a good line, then a bad one", "Server-Command: ping\nno colon here\n", "malformed"},
      {"a space in a name, line unfinished", "Server Command", "malformed"},
      {"a NUL in a name, line unfinished", std::string("Serv\0", 5), "malformed"},
      {"a control byte in a value, line unfinished", "Server-Command: p\x01", "malformed"},
      {"a CR inside a line", "Server-Command: p\rng", "malformed"},
      {"a colon first", ":", "malformed"},
      {"a bad Content-Length line", "Content-Length: x\n", "malformed"},
      {"a Content-Length over the limit", "Content-Length: 1048577\n", "payload_too_large"},
      {"binary junk", std::string("\xff\xfe\x00\x01", 4), "malformed"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.name);
    const Outcome o = ParseEveryWay(c.bytes);
    EXPECT_EQ(o.error_code, c.code);
    EXPECT_EQ(o.buffered, 0u);
  }
  // 2 KiB of random bytes: refused long before any blank line could arrive.
  std::mt19937 rng(13);
  for (int round = 0; round < 20; ++round) {
    std::string junk;
    for (int i = 0; i < 2048; ++i) junk.push_back(static_cast<char>(rng()));
    EXPECT_EQ(ParseEveryWay(junk).error_code, "malformed");
  }
}

// What may still become valid waits: a partial name, a partial value, a CR that may be
// half of a CRLF, and a complete good line.
TEST(ProtocolTest, PartialLinesThatMayBecomeValidWait) {
  for (const std::string bytes : {"Server-Comm", "Server-Command: pi", "Server-Command: ping\r",
                                  "Server-Command: ping\n", "Server-Command: ping\r\n\r", "\r"}) {
    SCOPED_TRACE(bytes);
    const Outcome o = ParseEveryWay(bytes);
    EXPECT_EQ(o.error_code, "");
    EXPECT_EQ(o.buffered, bytes.size());
  }
}

TEST(ProtocolTest, HeaderSectionOverLimitFailsWithoutBlankLine) {
  ParserLimits limits{.max_header = 64, .max_payload = 16};
  const Outcome endless = ParseEveryWay("Server-Command: " + std::string(100, 'a'), limits);
  EXPECT_EQ(endless.error_code, "header_too_large");
  const Outcome complete = ParseEveryWay("X: " + std::string(70, 'a') + "\n\n", limits);
  EXPECT_EQ(complete.error_code, "header_too_large");
  const Outcome fits = ParseEveryWay("X: " + std::string(50, 'a') + "\n\n", limits);
  EXPECT_EQ(fits.error_code, "");
  EXPECT_EQ(fits.packets.size(), 1u);
  const Outcome big = ParseEveryWay("X: y\nContent-Length: 17\n\n", limits);
  EXPECT_EQ(big.error_code, "payload_too_large");
}

TEST(ProtocolTest, ErrorIsStickyAndFreesTheBuffer) {
  Parser parser;
  parser.Feed("bad line\n\n");
  EXPECT_FALSE(parser.Next().has_value());
  EXPECT_EQ(parser.error().code(), "malformed");
  parser.Feed("Server-Command: ping\n\n");
  EXPECT_FALSE(parser.Next().has_value());
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(ProtocolTest, GoodPacketsBeforeAnErrorAreDelivered) {
  const Outcome o = ParseEveryWay("Server-Command: ping\n\nbroken\n\n");
  EXPECT_EQ(o.packets.size(), 1u);
  EXPECT_EQ(o.error_code, "malformed");
}

TEST(ProtocolTest, BufferStaysBoundedOverManyPackets) {
  Parser parser;
  const std::string one = "Game-Command: move\nContent-Length: 2\n\nup";
  for (int i = 0; i < 100000; ++i) {
    parser.Feed(one);
    ASSERT_TRUE(parser.Next().has_value());
  }
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(ProtocolTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab:- \r\n\n\n0123456789Content-Length\x00\xff";
  for (int round = 0; round < 300; ++round) {
    std::string bytes;
    const size_t n = rng() % 200;
    for (size_t i = 0; i < n; ++i) bytes.push_back(alphabet[rng() % alphabet.size()]);
    ParseEveryWay(bytes, {.max_header = 64, .max_payload = 32});
  }
}

TEST(ProtocolTest, EncodedSizeIsTheEncodingsLength) {
  EXPECT_EQ(EncodedSize(Packet{}), Encode(Packet{}).size());
  Packet p = ServerCommand(command::kHello, std::string(1234, 'x'));
  p.Add(header::kToken, "t-1").Add("X-Empty", "");
  EXPECT_EQ(EncodedSize(p), Encode(p).size());
  EXPECT_EQ(EncodedSize(GameCommand("move", "up")), Encode(GameCommand("move", "up")).size());
}

TEST(ProtocolTest, CommandBuildersAndReadersUseTheVocabulary) {
  EXPECT_EQ(Encode(ServerCommand(command::kPing, "7")),
            "Server-Command: ping\nContent-Length: 1\n\n7");
  EXPECT_EQ(Encode(GameCommand("move", "up")), "Game-Command: move\nContent-Length: 2\n\nup");
  std::string bytes;
  AppendError(bytes, error::kResumed, "elsewhere");
  Parser parser;
  parser.Feed(bytes);
  std::optional<Packet> p = parser.Next();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(ClientCommandOf(*p), command::kError);
  EXPECT_EQ(ErrorCodeOf(*p), error::kResumed);
  EXPECT_EQ(ClientCommandOf(ServerCommand(command::kPing)), "");
  EXPECT_EQ(ErrorCodeOf(ServerCommand(command::kPing)), "");
}

TEST(ProtocolTest, OnlyFramingLimitTimeoutAndResumedErrorsCloseTheConnection) {
  for (const char* code :
       {error::kMalformed, error::kHeaderTooLarge, error::kPayloadTooLarge, error::kServerFull,
        error::kTooManyConnections, error::kTimeout, error::kResumed}) {
    EXPECT_TRUE(error::ClosesConnection(code)) << code;
  }
  for (const char* code : {error::kBadRequest, error::kNoSuchTable, error::kScriptError,
                           error::kUnauthorized, error::kRateLimited, error::kInternal}) {
    EXPECT_FALSE(error::ClosesConnection(code)) << code;
  }
}

TEST(ProtocolTest, CommandNamesAreVisibleAsciiTokens) {
  for (const char* good : {"move", "world_set", "a", "x-y.z!~", "0"}) {
    EXPECT_TRUE(command::IsValidName(good)) << good;
  }
  EXPECT_TRUE(command::IsValidName(std::string(command::kMaxNameLength, 'x')));
  EXPECT_FALSE(command::IsValidName(std::string(command::kMaxNameLength + 1, 'x')));
  const std::vector<std::string> bad_names = {
      "", "a b", "a:b", "a\nb", "a\rb", "tab\t", std::string("n\0l", 3), "\xc3\xa9", "\x7f"};
  for (const std::string& bad : bad_names) {
    EXPECT_FALSE(command::IsValidName(bad)) << EscapeBytes(bad);
  }
}

TEST(ProtocolTest, HelloReplyRoundTrips) {
  for (const HelloReply& r : {HelloReply{"p-1", true, "t-1"}, HelloReply{"p-2", false, "t,2"},
                              HelloReply{"", true, ""}}) {
    Result<HelloReply> back = ParseHelloReply(FormatHelloReply(r));
    ASSERT_TRUE(back.ok()) << FormatHelloReply(r);
    EXPECT_EQ(*back, r);
  }
  EXPECT_EQ(FormatHelloReply({"p", false, "t"}), "p,false,t");
}

TEST(ProtocolTest, MalformedHelloRepliesAreRefused) {
  for (const char* bad : {"", "p", "p,true", "p,yes,t", "p,,t", "p,TRUE,t"}) {
    Result<HelloReply> r = ParseHelloReply(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "bad_hello") << bad;
  }
}

Packet RedirectTo(std::string payload) {
  Packet p;
  p.Add(header::kClientCommand, command::kRedirect);
  p.payload = std::move(payload);
  return p;
}

TEST(ProtocolTest, ARedirectedHelloIsTheSameHelloCountingItsRedirects) {
  Packet hello = ServerCommand(command::kHello, "table-1");
  hello.Add(header::kToken, "player-1").Add(header::kGame, "pong");
  Result<RedirectStep> first = FollowRedirect(hello, RedirectTo("10.0.0.2:9000"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->node.host, "10.0.0.2");
  EXPECT_EQ(first->node.port, 9000);
  EXPECT_EQ(first->followed, 1);
  Packet expected = hello;
  expected.Add(header::kRedirects, "1");
  EXPECT_EQ(first->hello, expected);
  // The next one replaces the count rather than adding a second header.
  Result<RedirectStep> second = FollowRedirect(first->hello, RedirectTo("[::1]:9001"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->node.host, "::1");
  EXPECT_EQ(second->followed, 2);
  EXPECT_EQ(*second->hello.Find(header::kRedirects), "2");
  EXPECT_EQ(std::count_if(second->hello.headers.begin(), second->hello.headers.end(),
                          [](const Header& h) { return h.name == header::kRedirects; }),
            1);
  EXPECT_EQ(second->hello.payload, "table-1");
  EXPECT_EQ(RedirectsOf(second->hello), 2);
  EXPECT_EQ(RedirectsOf(hello), 0);
}

TEST(ProtocolTest, AtMostMaxRedirectsAreFollowed) {
  Packet hello = ServerCommand(command::kHello);
  for (int i = 1; i <= command::kMaxRedirects; ++i) {
    Result<RedirectStep> step = FollowRedirect(hello, RedirectTo("127.0.0.1:1"));
    ASSERT_TRUE(step.ok()) << i;
    hello = step->hello;
  }
  Result<RedirectStep> over = FollowRedirect(hello, RedirectTo("127.0.0.1:1"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), "too_many_redirects");
}

TEST(ProtocolTest, ARedirectThatIsNotHostPortIsRefused) {
  const Packet hello = ServerCommand(command::kHello);
  for (const std::string& bad : std::vector<std::string>{
           "", "nowhere", "host:", ":9000", "host:0", "host:65536", "host:9x", "a b:9000",
           std::string("h\0st:9000", 7), "host:9000\n", std::string(5000, 'x')}) {
    Result<RedirectStep> r = FollowRedirect(hello, RedirectTo(bad));
    ASSERT_FALSE(r.ok()) << EscapeBytes(bad);
    EXPECT_EQ(r.status().code(), "bad_redirect") << EscapeBytes(bad);
    EXPECT_LT(r.status().message().size(), 200u);
  }
}

TEST(ProtocolTest, UploadRepliesRoundTrip) {
  const UploadReply plain{"pong", 3, false, 0, {}};
  const UploadReply none_refused{"pong", 4, true, 12, {}};
  const UploadReply some_refused{
      "chat", 2, true, 1, {{"t-1", "define_failed: x is not defined"}, {"t-2", "timeout"}}};
  for (const UploadReply& r : {plain, none_refused, some_refused}) {
    Result<UploadReply> back = ParseUploadReply(FormatUploadReply(r));
    ASSERT_TRUE(back.ok()) << FormatUploadReply(r);
    EXPECT_EQ(*back, r);
  }
  EXPECT_EQ(FormatUploadReply(plain), "pong,3");
  EXPECT_EQ(FormatUploadReply(none_refused), "pong,4,12,0");
  EXPECT_EQ(FormatUploadReply(some_refused),
            "chat,2,1,2\nt-1 define_failed: x is not defined\nt-2 timeout");
}

TEST(ProtocolTest, AReasonWithLineBreaksStaysOneLine) {
  const UploadReply r{"g", 1, true, 0, {{"t", "line one\nline two\r"}}};
  Result<UploadReply> back = ParseUploadReply(FormatUploadReply(r));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->refused.size(), 1u);
  EXPECT_EQ(back->refused[0].reason, "line one line two ");
}

TEST(ProtocolTest, MalformedUploadRepliesAreRefused) {
  for (const char* bad :
       {"", "pong", "pong,", ",3", "pong,x", "pong,-1", "pong,3,1", "pong,3,1,1",
        "pong,3,1,1\nnospace", "pong,3,0,0\nt extra", "pong,3,0,1\nt a\nt2 b", "pong,3\nt a"}) {
    Result<UploadReply> r = ParseUploadReply(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "bad_upload_reply") << bad;
  }
}

}  // namespace
}  // namespace ggs
