// ParserCheck: the invariants of the protocol parser (core/protocol.h) on one input, checked
// the same way by the property tests, the corpus replay test and the libFuzzer target:
//
//  - chunking: fed whole, one byte at a time, or cut anywhere, the input parses to the same
//    packets and the same final error;
//  - limits: between feeds the parser never holds more than max(max_header, max_payload)
//    unparsed bytes, returns no payload over max_payload, and reports only the framing codes;
//  - failure is final: after an error the parser returns nothing and holds nothing;
//  - round trip: each packet it returns encodes to bytes that parse back to the same packet.
//
// Depends only on the codec, so the fuzz target can be built with nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol.h"

namespace ggs::props {

struct ParseOutcome {
  std::vector<Packet> packets;
  std::string error_code;  // Empty when the stream is intact.
  size_t buffered = 0;     // Bytes held at the end.
  std::string violation;   // A broken invariant seen while parsing, or "".
};

// Feeds `bytes` cut at `cuts` (increasing offsets), draining packets after every feed, and
// checks the limits invariant as it goes.
ParseOutcome ParseInChunks(std::string_view bytes, const std::vector<size_t>& cuts,
                           const ParserLimits& limits);

// Checks every invariant on `bytes` with the given chunkings (whole and byte-at-a-time are
// always included). Returns "" when all hold, else what broke.
std::string CheckParser(std::string_view bytes, const ParserLimits& limits,
                        const std::vector<std::vector<size_t>>& chunkings = {});

// The limits for a fuzz input whose first byte is `selector`: even picks tiny limits (64-byte
// headers, 128-byte payloads) so short inputs reach the limit checks, odd the defaults.
ParserLimits FuzzLimits(uint8_t selector);

// The chunkings CheckParser uses by default for an input of `size` bytes, derived from a
// seed so that the fuzz target stays deterministic: every single cut for short inputs, and
// a few pseudo-random multi-cut chunkings.
std::vector<std::vector<size_t>> SomeChunkings(size_t size, uint64_t seed);

}  // namespace ggs::props
