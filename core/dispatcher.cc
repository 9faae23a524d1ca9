// Dispatcher: the command table and one small handler per server command.
#include "core/dispatcher.h"

#include <string_view>

#include "core/error_codes.h"
#include "core/player.h"

namespace ggs {

struct Dispatcher::Command {
  std::string_view name;
  void (Dispatcher::*handler)(Peer*, Packet&);
};

const Dispatcher::Command Dispatcher::kCommands[] = {
    {"hello", &Dispatcher::Hello},   {"define", &Dispatcher::Define}, {"ping", &Dispatcher::Ping},
    {"upload", &Dispatcher::Upload}, {"bye", &Dispatcher::Bye},
};

void Dispatcher::SendError(Peer* peer, const Status& error) {
  std::string bytes;
  AppendError(bytes, error.code(), error.message());
  peer->Send(bytes);
  if (error::ClosesConnection(error.code())) peer->CloseAfterFlush();
}

void Dispatcher::FramingError(Peer* peer, const Status& error) {
  SendError(peer, error);
  peer->CloseAfterFlush();
}

void Dispatcher::Handle(Peer* peer, Packet packet) {
  const std::string* server = packet.Find("Server-Command");
  const std::string* game = packet.Find("Game-Command");
  if ((server == nullptr) == (game == nullptr)) {
    SendError(peer,
              Status::Error(error::kBadRequest,
                            "a packet carries exactly one of Server-Command or Game-Command"));
    return;
  }
  const std::string* token = packet.Find("Token");
  if (token && peer->player && *token != peer->player->token) {
    SendError(peer,
              Status::Error(error::kBadRequest, "Token does not match this connection's player"));
    return;
  }
  if (game) {
    // MuJS strings end at NUL: refuse rather than let the game see a truncated argument.
    if (packet.payload.find('\0') != std::string::npos) {
      SendError(peer, Status::Error(error::kBadRequest, "a game command's payload cannot hold NUL bytes"));
      return;
    }
    Status s = coordinator_->GameCommand(peer, *game, packet.payload);
    if (!s.ok()) SendError(peer, s);
    return;
  }
  for (const Command& c : kCommands) {
    if (c.name == *server) return (this->*c.handler)(peer, packet);
  }
  SendError(peer, Status::Error(error::kUnknownCommand, "no server command named " + *server));
}

void Dispatcher::Hello(Peer* peer, Packet& packet) {
  HelloRequest request;
  request.token = peer->player ? nullptr : packet.Find("Token");
  request.game = packet.Find("Game");
  request.table_token = packet.payload;
  Status s = coordinator_->Hello(peer, request);
  if (!s.ok()) SendError(peer, s);
}

void Dispatcher::Define(Peer* peer, Packet& packet) {
  Status s = coordinator_->Define(peer, std::move(packet.payload));
  if (!s.ok()) SendError(peer, s);
}

void Dispatcher::Ping(Peer* peer, Packet& packet) {
  std::string bytes;
  AppendClientCommand(bytes, "pong", packet.payload);
  peer->Send(bytes);
}

void Dispatcher::Upload(Peer* peer, Packet& packet) {
  const std::string* name = packet.Find("Game");
  const std::string* admin = packet.Find("Admin-Token");
  if (!name)
    return SendError(peer, Status::Error(error::kBadRequest, "upload needs a Game header"));
  Result<int> version = coordinator_->Upload(admin ? *admin : "", *name, packet.payload);
  if (!version.ok()) return SendError(peer, version.status());
  std::string bytes;
  AppendClientCommand(bytes, "uploaded", *name + "," + std::to_string(version.value()));
  peer->Send(bytes);
}

void Dispatcher::Bye(Peer* peer, Packet&) {
  coordinator_->Bye(peer);
  std::string bytes;
  AppendClientCommand(bytes, "bye", "");
  peer->Send(bytes);
  peer->CloseAfterFlush();
}

}  // namespace ggs
