// The machine-readable error codes of the ggs protocol, sent in the `Error-Code` header of a
// `Client-Command: error` packet. docs/protocol.md lists them with their meaning.
#pragma once

#include <string_view>

namespace ggs::error {

// Framing errors: the connection is closed once the error reply is flushed.
inline constexpr char kMalformed[] = "malformed";
inline constexpr char kHeaderTooLarge[] = "header_too_large";
inline constexpr char kPayloadTooLarge[] = "payload_too_large";
inline constexpr char kServerFull[] = "server_full";

// Request errors: the connection stays open.
inline constexpr char kBadRequest[] = "bad_request";
inline constexpr char kUnknownCommand[] = "unknown_command";
inline constexpr char kNoHello[] = "no_hello";
inline constexpr char kAlreadyHello[] = "already_hello";
inline constexpr char kNoSuchPlayer[] = "no_such_player";
inline constexpr char kNoSuchTable[] = "no_such_table";
inline constexpr char kNoSuchGame[] = "no_such_game";
inline constexpr char kTableFull[] = "table_full";
inline constexpr char kNotDefined[] = "not_defined";
inline constexpr char kAlreadyDefined[] = "already_defined";
inline constexpr char kNotCreator[] = "not_creator";
inline constexpr char kDefineFailed[] = "define_failed";
inline constexpr char kScriptError[] = "script_error";
inline constexpr char kUnauthorized[] = "unauthorized";
inline constexpr char kInternal[] = "internal";

// True for the codes after which the server closes the connection.
inline bool ClosesConnection(std::string_view code) {
  return code == kMalformed || code == kHeaderTooLarge || code == kPayloadTooLarge ||
         code == kServerFull;
}

}  // namespace ggs::error
