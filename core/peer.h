// Peer: what the coordinator and tables see of a client connection. The network layer
// implements it; tests implement it with a recording fake.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"

namespace ggs {

struct Player;

class Peer {
 public:
  virtual ~Peer() = default;
  // Queues one encoded packet (exactly one: a WebSocket connection sends each Send as one
  // message); it is written at the end of this loop turn.
  virtual void Send(std::string_view bytes) = 0;
  // Closes the connection once everything queued has been written.
  virtual void CloseAfterFlush() = 0;
  // True for a WebSocket connection (its `redirect` names a node's HTTP address).
  virtual bool web() const { return false; }
  // Sends `error` as a `Client-Command: error` packet, then closes the connection after it
  // when its code is one that closes (error::ClosesConnection).
  void SendError(const Status& error);

  // Expires when this peer is destroyed: an answer that comes from the loop later checks it
  // before using the peer.
  std::weak_ptr<const bool> Liveness() const { return alive_; }

  // The player this connection speaks for, or nullptr before `hello`. Only the
  // coordinator sets it, together with Player::peer.
  Player* player = nullptr;
  // Set once a reply that closes the connection (bye, a framing error) is on its way:
  // requests after it are ignored.
  bool closing = false;
  // An upload's answer is on its way (a live upload waits for every running table): the
  // connection's deadlines (core/deadlines.h) wait with it.
  bool awaiting_upload = false;

 private:
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace ggs
