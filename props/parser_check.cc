// ParserCheck: feeding an input every which way and comparing the results.
#include "props/parser_check.h"

#include <algorithm>
#include <cstdint>

#include "core/protocol.h"
#include "testing/chunked_parse.h"

namespace ggs::props {
namespace {

bool IsFramingCode(const std::string& code) {
  return code == error::kMalformed || code == error::kHeaderTooLarge ||
         code == error::kPayloadTooLarge;
}

std::string Describe(const ParseOutcome& o) {
  return std::to_string(o.packets.size()) + " packets, error '" + o.error_code + "'";
}

// A packet's encoding parses back to it (Content-Length aside, which the parser consumes).
std::string CheckRoundTrip(const Packet& packet, const ParserLimits& limits) {
  // Encode spells headers as `Name: value`, which may be longer than the input's spelling.
  Parser parser(ParserLimits{2 * limits.max_header + 64, limits.max_payload});
  parser.Feed(Encode(packet));
  std::optional<Packet> again = parser.Next();
  if (!again)
    return "a parsed packet does not parse again once encoded: " + parser.error().ToString();
  if (packet != *again) return "a parsed packet changes when encoded and parsed";
  return "";
}

uint64_t Next(uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 33;
}

}  // namespace

ParseOutcome ParseInChunks(std::string_view bytes, const std::vector<size_t>& cuts,
                           const ParserLimits& limits) {
  Parser parser(limits);
  ChunkedParse fed = FeedInChunks(parser, bytes, cuts);
  ParseOutcome out;
  out.packets = std::move(fed.packets);
  out.error_code = std::move(fed.error_code);
  out.buffered = fed.buffered;
  if (fed.largest_payload > limits.max_payload) {
    out.violation = "a payload over max_payload was returned";
  } else if (fed.most_buffered > std::max(limits.max_header, limits.max_payload)) {
    out.violation = "the parser holds " + std::to_string(fed.most_buffered) + " bytes";
  }
  if (!out.error_code.empty()) {
    if (!IsFramingCode(out.error_code) && out.violation.empty())
      out.violation = "unexpected error code " + out.error_code;
    parser.Feed("Server-Command: ping\n\n");
    if ((parser.Next() || parser.buffered() != 0) && out.violation.empty())
      out.violation = "a failed parser went on parsing or holding bytes";
  }
  return out;
}

ParserLimits FuzzLimits(uint8_t selector) {
  return selector % 2 == 0 ? ParserLimits{64, 128} : ParserLimits{};
}

std::vector<std::vector<size_t>> SomeChunkings(size_t size, uint64_t seed) {
  std::vector<std::vector<size_t>> chunkings;
  if (size <= 1) return chunkings;
  if (size <= 256) {
    for (size_t cut = 1; cut < size; ++cut) chunkings.push_back({cut});
  }
  uint64_t state = seed ^ size;
  for (int round = 0; round < 8; ++round) {
    std::vector<size_t> cuts;
    const size_t count = 1 + Next(state) % 6;
    for (size_t i = 0; i < count; ++i) cuts.push_back(1 + Next(state) % (size - 1));
    std::sort(cuts.begin(), cuts.end());
    chunkings.push_back(std::move(cuts));
  }
  return chunkings;
}

std::string CheckParser(std::string_view bytes, const ParserLimits& limits,
                        const std::vector<std::vector<size_t>>& chunkings) {
  const ParseOutcome whole = ParseInChunks(bytes, {}, limits);
  if (!whole.violation.empty()) return "fed whole: " + whole.violation;
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  std::vector<std::vector<size_t>> all = chunkings;
  all.push_back(std::move(every));
  for (const std::vector<size_t>& cuts : all) {
    const ParseOutcome cut = ParseInChunks(bytes, cuts, limits);
    if (!cut.violation.empty())
      return "fed in " + std::to_string(cuts.size() + 1) + " pieces: " + cut.violation;
    if (whole.packets != cut.packets || whole.error_code != cut.error_code) {
      return "fed whole: " + Describe(whole) + "; fed in " + std::to_string(cuts.size() + 1) +
             " pieces: " + Describe(cut);
    }
  }
  for (const Packet& packet : whole.packets) {
    if (std::string broken = CheckRoundTrip(packet, limits); !broken.empty()) return broken;
  }
  return "";
}

}  // namespace ggs::props
