// Dispatcher: turns each packet from a client into a server command or a game command,
// and each outcome into a reply. Server commands are declared as data (one table) and
// handled by small named functions; any failure becomes an error reply, never a crash.
//
// Thread: the event-loop thread only.
#pragma once

#include "core/coordinator.h"
#include "core/peer.h"
#include "core/protocol.h"
#include "core/status.h"

namespace ggs {

class Dispatcher {
 public:
  // `coordinator` must outlive the dispatcher.
  explicit Dispatcher(Coordinator* coordinator) : coordinator_(coordinator) {}

  // Handles one packet from `peer`, replying on `peer`.
  void Handle(Peer* peer, Packet packet);
  // Replies with the framing error and closes the connection after it is written.
  void FramingError(Peer* peer, const Status& error);
  // Replies with an error the network raised (rate_limited, timeout), in order behind the
  // peer's earlier replies, closing after it when its code closes the connection.
  void Refuse(Peer* peer, const Status& error);

 private:
  struct Command;
  static const Command kCommands[];

  void Fail(Peer* peer, const Status& error);
  void Hello(Peer* peer, Packet& packet);
  void Define(Peer* peer, Packet& packet);
  void Ping(Peer* peer, Packet& packet);
  void Upload(Peer* peer, Packet& packet);
  void Bye(Peer* peer, Packet& packet);

  Coordinator* coordinator_;
};

}  // namespace ggs
