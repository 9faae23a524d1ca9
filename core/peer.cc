// Peer: the error reply and the close rule that goes with it.
#include "core/peer.h"

#include "core/protocol.h"

namespace ggs {

void Peer::SendError(const Status& error) {
  std::string bytes;
  AppendError(bytes, error.code(), error.message());
  Send(bytes);
  if (error::ClosesConnection(error.code())) CloseAfterFlush();
}

}  // namespace ggs
