// Properties of the protocol codec (core/protocol.h), checked by RapidCheck:
//  - encoding then parsing is the identity, for any packets;
//  - any split of a byte stream into chunks parses to the same packets and error;
//  - no byte string crashes the parser or makes it hold more than its limits allow;
//  - every spelling the fuzzer uses for a request parses to that request.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/escape.h"
#include "core/protocol.h"
#include "props/parser_check.h"
#include "props/render.h"
#include "props/step_gen.h"

namespace ggs {

// RapidCheck prints a counterexample's values through showValue, found by argument-dependent
// lookup.
static void showValue(const Packet& p, std::ostream& os) {
  for (const Header& h : p.headers) os << ReadableBytes(h.name + ": " + h.value) << "\\n";
  os << "payload \"" << ReadableBytes(p.payload) << "\"";
}

namespace props {

static void showValue(const Encoding& e, std::ostream& os) {
  os << "crlf=" << e.crlf << " case=" << e.name_case << " padding=" << e.padding
     << " extra=" << e.extra_header << " length_first=" << e.length_first
     << " zeros=" << e.length_zeros << " omit_empty_length=" << e.omit_empty_length;
}

namespace {

namespace gen = rc::gen;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

rc::Gen<char> TokenChar() {
  static const std::string chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
  return gen::map(gen::inRange<size_t>(0, chars.size()), [](size_t i) { return chars[i]; });
}

rc::Gen<std::string> HeaderName() {
  return gen::suchThat(
      gen::nonEmpty(gen::container<std::string>(TokenChar())),
      [](const std::string& n) { return !EqualsIgnoreCase(n, header::kContentLength); });
}

// A value the parser returns unchanged: no control characters, nothing to trim.
rc::Gen<std::string> HeaderValue() {
  const auto value_char = gen::map(gen::inRange(0, 256), [](int b) {
    const auto c = static_cast<char>(b);
    return (b < 0x20 && b != '\t') || b == 0x7f ? 'v' : c;
  });
  return gen::map(gen::container<std::string>(value_char), [](std::string v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    return v;
  });
}

rc::Gen<std::string> AnyBytes() {
  return gen::container<std::string>(
      gen::map(gen::inRange(0, 256), [](int b) { return static_cast<char>(b); }));
}

rc::Gen<Packet> ValidPacket() {
  return gen::apply(
      [](std::vector<std::pair<std::string, std::string>> headers, std::string payload) {
        Packet p;
        for (auto& [name, value] : headers) p.Add(std::move(name), std::move(value));
        p.payload = std::move(payload);
        return p;
      },
      gen::container<std::vector<std::pair<std::string, std::string>>>(
          gen::pair(HeaderName(), HeaderValue())),
      AnyBytes());
}

std::string EncodeAll(const std::vector<Packet>& packets) {
  std::string out;
  for (const Packet& p : packets) out += Encode(p);
  return out;
}

// Bytes that look like a protocol stream: packets in any spelling, corruptions, junk.
rc::Gen<std::string> StreamFragment() {
  return gen::weightedOneOf<std::string>(
      {{4, gen::map(ValidPacket(), [](const Packet& p) { return Encode(p); })},
       {3, gen::apply(
               [](const Packet& p, Encoding e) {
                 Request r;
                 for (const Header& h : p.headers) r.headers.emplace_back(h.name, h.value);
                 r.payload = p.payload;
                 return EncodeRequest(r, e);
               },
               ValidPacket(), GenEncoding())},
       {2, gen::element<std::string>("\n", "\r\n", "\r", ":", "Content-Length: 3\n",
                                     "Content-Length: -1\n\n", "X: y\r\n\r", "\n\n", "A:\n",
                                     "Content-Length: 99999999999999999999\n\n")},
       {2, AnyBytes()}});
}

rc::Gen<std::string> Stream() {
  return gen::map(gen::container<std::vector<std::string>>(StreamFragment()),
                  [](const std::vector<std::string>& parts) {
                    std::string out;
                    for (const std::string& p : parts) out += p;
                    return out;
                  });
}

rc::Gen<ParserLimits> Limits() {
  return gen::element(ParserLimits{}, ParserLimits{64, 128}, ParserLimits{32, 16},
                      ParserLimits{200, 1000});
}

std::vector<size_t> CutsFor(const std::string& bytes) {
  if (bytes.size() < 2) return {};
  auto cuts = *gen::container<std::vector<size_t>>(gen::inRange<size_t>(1, bytes.size()));
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

RC_GTEST_PROP(ParserProperties, EncodeThenParseIsTheIdentity, ()) {
  const auto packets = *gen::container<std::vector<Packet>>(ValidPacket());
  const ParseOutcome out = ParseInChunks(EncodeAll(packets), {}, ParserLimits{1 << 20, 1 << 20});
  RC_ASSERT(out.error_code.empty());
  RC_ASSERT(out.buffered == 0u);
  RC_ASSERT(out.packets == packets);
}

RC_GTEST_PROP(ParserProperties, EncodedPacketsSurviveAnyChunking, ()) {
  const auto packets = *gen::container<std::vector<Packet>>(ValidPacket());
  const std::string bytes = EncodeAll(packets);
  const ParseOutcome out = ParseInChunks(bytes, CutsFor(bytes), ParserLimits{1 << 20, 1 << 20});
  RC_ASSERT(out.error_code.empty());
  RC_ASSERT(out.packets == packets);
}

RC_GTEST_PROP(ParserProperties, AnyStreamParsesTheSameInAnyChunks, ()) {
  const std::string bytes = *Stream();
  const ParserLimits limits = *Limits();
  const ParseOutcome whole = ParseInChunks(bytes, {}, limits);
  const ParseOutcome cut = ParseInChunks(bytes, CutsFor(bytes), limits);
  RC_ASSERT(whole.violation == "");
  RC_ASSERT(cut.violation == "");
  RC_ASSERT(whole.error_code == cut.error_code);
  RC_ASSERT(whole.packets == cut.packets);
}

RC_GTEST_PROP(ParserProperties, NoByteStringBreaksAnInvariant, ()) {
  const std::string bytes = *gen::oneOf(AnyBytes(), Stream());
  const ParserLimits limits = *Limits();
  const std::string broken = CheckParser(bytes, limits, {CutsFor(bytes), CutsFor(bytes)});
  RC_ASSERT(broken == "");
}

RC_GTEST_PROP(ParserProperties, EverySpellingMeansTheSameRequest, ()) {
  // A request has at least its command header: a packet without a single header line is
  // malformed, and an empty request whose Content-Length is left out would be one.
  Packet packet = *ValidPacket();
  packet.headers.insert(packet.headers.begin(), Header{header::kServerCommand, "ping"});
  const Encoding encoding = *GenEncoding();
  Request request;
  for (const Header& h : packet.headers) request.headers.emplace_back(h.name, h.value);
  request.payload = packet.payload;
  const ParseOutcome out =
      ParseInChunks(EncodeRequest(request, encoding), {}, ParserLimits{1 << 20, 1 << 20});
  RC_ASSERT(out.error_code.empty());
  RC_ASSERT(out.packets.size() == 1u);
  const Packet& got = out.packets[0];
  RC_ASSERT(got.payload == packet.payload);
  for (const Header& h : packet.headers) {
    // The extra header may come first; every sent header is found with its value.
    const auto it = std::find_if(got.headers.begin(), got.headers.end(), [&](const Header& g) {
      return EqualsIgnoreCase(g.name, h.name) && g.value == h.value;
    });
    RC_ASSERT(it != got.headers.end());
  }
}

TEST(ParserProperties, ErrorsAreFinalAndFreeTheBuffer) {
  Parser parser(ParserLimits{64, 128});
  parser.Feed("Server-Command: ping\n" + std::string(100, 'x'));
  EXPECT_FALSE(parser.Next());
  EXPECT_EQ(parser.error().code(), error::kHeaderTooLarge);
  EXPECT_EQ(parser.buffered(), 0u);
  parser.Feed("Server-Command: ping\n\n");
  EXPECT_FALSE(parser.Next());
  EXPECT_EQ(parser.buffered(), 0u);
}

}  // namespace
}  // namespace props
}  // namespace ggs
