// RecordingPeer: a Peer for unit tests that records the packets sent to it, so that a test
// reads what a player would have received.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/peer.h"
#include "core/protocol.h"

namespace ggs {

// RecordingPeer: a Peer that records what the server sends it, decoded with the shared codec.
class RecordingPeer final : public Peer {
 public:
  void Send(std::string_view bytes) override { parser_.Feed(bytes); }
  void CloseAfterFlush() override { closed = true; }
  std::vector<std::string> Take() {  // "command payload" for each packet.
    std::vector<std::string> out;
    while (auto p = parser_.Next()) {
      const std::string* code = p->Find(header::kErrorCode);
      out.push_back(*p->Find(header::kClientCommand) + " " + (code ? *code + " " : "") +
                    p->payload);
    }
    return out;
  }
  bool closed = false;

 private:
  Parser parser_;
};

}  // namespace ggs
