// FeedInChunks: an input fed to a protocol Parser cut at given offsets, with the packets
// drained after every feed; SplitAt, the cutting rule it shares with the worker wire's tests. The
// codec's tests, its properties and its libFuzzer target use it to show that how bytes arrive never
// changes what is parsed. Depends only on the codec, so the fuzz target can be built with nothing
// else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/protocol.h"

namespace ggs {

struct ChunkedParse {
  std::vector<Packet> packets;
  std::string error_code;      // The parser's error code at the end; empty when intact.
  size_t buffered = 0;         // Bytes the parser holds at the end.
  size_t most_buffered = 0;    // The most it held after any feed's packets were drained.
  size_t largest_payload = 0;  // The largest payload among the packets.
};

// The pieces of `bytes` that end at each offset of `cuts` (offsets that do not increase or
// fall outside the input are skipped), then the rest: the one cutting rule of every codec's
// any-chunking tests. Never empty; the last piece may be.
std::vector<std::string_view> SplitAt(std::string_view bytes, const std::vector<size_t>& cuts);

// Feeds `bytes` to `parser` in the pieces SplitAt(bytes, cuts) returns, draining packets
// after every feed. The parser is left as the input left it, for further probing.
ChunkedParse FeedInChunks(Parser& parser, std::string_view bytes, const std::vector<size_t>& cuts);

}  // namespace ggs
