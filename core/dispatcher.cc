// Dispatcher: the command table and one small handler per server command.
#include "core/dispatcher.h"

#include <string_view>

#include "core/player.h"
#include "core/protocol.h"

namespace ggs {

struct Dispatcher::Command {
  std::string_view name;
  void (Dispatcher::*handler)(Peer*, Packet&);
};

const Dispatcher::Command Dispatcher::kCommands[] = {
    {command::kHello, &Dispatcher::Hello}, {command::kDefine, &Dispatcher::Define},
    {command::kPing, &Dispatcher::Ping},   {command::kUpload, &Dispatcher::Upload},
    {command::kBye, &Dispatcher::Bye},
};

void Dispatcher::FramingError(Peer* peer, const Status& error) {
  coordinator_->CountError(error.code());
  std::string bytes;
  AppendError(bytes, error.code(), error.message());
  coordinator_->Reply(peer, std::move(bytes), true);
}

void Dispatcher::Refuse(Peer* peer, const Status& error) {
  if (peer->closing) return;  // It said bye, or broke the framing: it hears nothing more.
  Fail(peer, error);
}

// Answers `error`, in order behind the player's earlier requests (Coordinator::Reply).
void Dispatcher::Fail(Peer* peer, const Status& error) {
  coordinator_->CountError(error.code());
  std::string bytes;
  AppendError(bytes, error.code(), error.message());
  coordinator_->Reply(peer, std::move(bytes), error::ClosesConnection(error.code()));
}

void Dispatcher::Handle(Peer* peer, Packet packet) {
  if (peer->closing) return;  // It said bye, or broke the framing: nothing more counts.
  const std::string* server = packet.Find(header::kServerCommand);
  const std::string* game = packet.Find(header::kGameCommand);
  if ((server == nullptr) == (game == nullptr)) {
    Fail(peer, Status::Error(error::kBadRequest,
                             "a packet carries exactly one of Server-Command or Game-Command"));
    return;
  }
  const std::string* token = packet.Find(header::kToken);
  if (token && peer->player && *token != peer->player->token) {
    Fail(peer, Status::Error(error::kBadRequest, "Token does not match this connection's player"));
    return;
  }
  if (game) {
    // MuJS strings end at NUL: refuse rather than let the game see a truncated argument.
    if (packet.payload.find('\0') != std::string::npos) {
      Fail(peer,
           Status::Error(error::kBadRequest, "a game command's payload cannot hold NUL bytes"));
      return;
    }
    Status s = coordinator_->GameCommand(peer, *game, packet.payload);
    if (!s.ok()) Fail(peer, s);
    return;
  }
  for (const Command& c : kCommands) {
    if (c.name == *server) return (this->*c.handler)(peer, packet);
  }
  Fail(peer, Status::Error(error::kUnknownCommand, "no server command named " + *server));
}

void Dispatcher::Hello(Peer* peer, Packet& packet) {
  HelloRequest request;
  request.token = peer->player ? nullptr : packet.Find(header::kToken);
  request.game = packet.Find(header::kGame);
  request.table_token = packet.payload;
  request.redirects = RedirectsOf(packet);
  Status s = coordinator_->Hello(peer, request);
  if (!s.ok()) Fail(peer, s);
}

void Dispatcher::Define(Peer* peer, Packet& packet) {
  Status s = coordinator_->Define(peer, std::move(packet.payload));
  if (!s.ok()) Fail(peer, s);
}

void Dispatcher::Ping(Peer* peer, Packet& packet) {
  coordinator_->Ping(peer, std::move(packet.payload));
}

void Dispatcher::Upload(Peer* peer, Packet& packet) {
  const std::string* name = packet.Find(header::kGame);
  const std::string* admin = packet.Find(header::kAdminToken);
  const std::string* live = packet.Find(header::kLive);
  if (!name) return Fail(peer, Status::Error(error::kBadRequest, "upload needs a Game header"));
  if (live && *live != "true" && *live != "false") {
    return Fail(peer, Status::Error(error::kBadRequest, "Live is true or false"));
  }
  Coordinator::UploadRequest request{admin ? *admin : "", *name, std::move(packet.payload),
                                     live && *live == "true"};
  // The answer may come from the loop, after the uploader's connection is gone.
  peer->awaiting_upload = true;
  coordinator_->Upload(std::move(request),
                       [this, peer, alive = peer->Liveness()](Result<UploadReply> reply) {
                         if (alive.expired()) return;
                         peer->awaiting_upload = false;
                         if (!reply.ok()) return Fail(peer, reply.status());
                         std::string bytes;
                         AppendClientCommand(bytes, command::kUploaded, FormatUploadReply(*reply));
                         coordinator_->Reply(peer, std::move(bytes), false);
                       });
}

void Dispatcher::Bye(Peer* peer, Packet&) { coordinator_->Bye(peer); }

}  // namespace ggs
