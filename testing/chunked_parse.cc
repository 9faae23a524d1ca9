// SplitAt and FeedInChunks: cut, feed, drain, record.
#include "testing/chunked_parse.h"

#include <algorithm>

namespace ggs {

std::vector<std::string_view> SplitAt(std::string_view bytes, const std::vector<size_t>& cuts) {
  std::vector<std::string_view> pieces;
  size_t at = 0;
  for (const size_t cut : cuts) {
    if (cut <= at || cut >= bytes.size()) continue;
    pieces.push_back(bytes.substr(at, cut - at));
    at = cut;
  }
  pieces.push_back(bytes.substr(at));
  return pieces;
}

ChunkedParse FeedInChunks(Parser& parser, std::string_view bytes, const std::vector<size_t>& cuts) {
  ChunkedParse out;
  auto feed = [&](std::string_view piece) {
    parser.Feed(piece);
    while (std::optional<Packet> p = parser.Next()) {
      out.largest_payload = std::max(out.largest_payload, p->payload.size());
      out.packets.push_back(std::move(*p));
    }
    out.most_buffered = std::max(out.most_buffered, parser.buffered());
  };
  for (const std::string_view piece : SplitAt(bytes, cuts)) feed(piece);
  out.error_code = parser.error().code();
  out.buffered = parser.buffered();
  return out;
}

}  // namespace ggs
