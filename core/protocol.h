// The ggs wire protocol codec: packets, an incremental parser and the encoder.
//
// A packet is header lines `Name: value`, a blank line, then exactly `Content-Length`
// bytes of payload (docs/protocol.md). Lines end in LF or CRLF; header names compare
// case-insensitively. The codec is pure: bytes in, packets out, no I/O. The server, the
// bots, the fuzzer, the benches and `ggs upload` all use this one codec.
//
// This header is also the one home of the wire vocabulary, shared by reader and writer as
// LevelDB's log_format.h is: header names, command names, error codes and which of them
// close the connection, and the hello reply. Nowhere else spells them (ci/boundaries checks
// the header names).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/host_port.h"
#include "core/status.h"

namespace ggs {

// The header names of the protocol. Names compare case-insensitively on the wire; these are
// the spellings ggs writes.
namespace header {
inline constexpr char kServerCommand[] = "Server-Command";  // Client to server: a command.
inline constexpr char kGameCommand[] = "Game-Command";      // Client to server: to the game.
inline constexpr char kClientCommand[] = "Client-Command";  // Server to client.
inline constexpr char kContentLength[] = "Content-Length";  // Written by the encoder only.
inline constexpr char kErrorCode[] = "Error-Code";          // On `Client-Command: error`.
inline constexpr char kToken[] = "Token";             // A player token: resume, or this player.
inline constexpr char kGame[] = "Game";               // A registered game's name.
inline constexpr char kAdminToken[] = "Admin-Token";  // Authorizes `upload`.
inline constexpr char kLive[] = "Live";  // With `upload`: `true` moves running tables too.
// With `hello`: how many `redirect` replies the client has followed for this hello so far.
// A node never sends a hello that followed one to a third node merely to place it.
inline constexpr char kRedirects[] = "Redirects";
}  // namespace header

// The command names the server itself speaks; games name their own commands.
namespace command {
// Server commands (`Server-Command`, client to server).
inline constexpr char kHello[] = "hello";
inline constexpr char kDefine[] = "define";
inline constexpr char kPing[] = "ping";
inline constexpr char kUpload[] = "upload";
inline constexpr char kBye[] = "bye";
// Client commands (`Client-Command`, server to client). `hello` and `bye` are answered
// with their own name.
inline constexpr char kDefined[] = "defined";
inline constexpr char kPong[] = "pong";
inline constexpr char kUploaded[] = "uploaded";
inline constexpr char kError[] = "error";
inline constexpr char kWorldSet[] = "world_set";  // `key=value`: the game wrote its world.
// Answers `hello` in a cluster: payload `HOST:PORT`, the node to say the same hello to (for
// a WebSocket client, that node's HTTP address). The server closes the connection after it.
inline constexpr char kRedirect[] = "redirect";
// A client follows at most this many redirects for one hello, then reports an error.
inline constexpr int kMaxRedirects = 3;

// The longest command name a game may send.
inline constexpr size_t kMaxNameLength = 64;
// True when `name` may stand as the value of a Client-Command header that a game asks the
// server to send: 1 to kMaxNameLength bytes of visible ASCII (0x21-0x7e) other than `:`.
// Anything else could end the header line early and forge headers or packets.
bool IsValidName(std::string_view name);
}  // namespace command

// The machine-readable error codes, sent in the `Error-Code` header of a
// `Client-Command: error` packet. docs/protocol.md lists them with their meaning.
namespace error {
// The connection is closed once the error reply is flushed (ClosesConnection).
inline constexpr char kMalformed[] = "malformed";
inline constexpr char kHeaderTooLarge[] = "header_too_large";
inline constexpr char kPayloadTooLarge[] = "payload_too_large";
inline constexpr char kServerFull[] = "server_full";
// This client's address holds --max-connections-per-ip connections already.
inline constexpr char kTooManyConnections[] = "too_many_connections";
// A deadline passed: --packet-timeout, --hello-timeout or --idle-timeout (the message says).
inline constexpr char kTimeout[] = "timeout";
inline constexpr char kResumed[] = "resumed";  // The player resumed on another connection.

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
// The event ran past --event-budget-ms: its worker was killed, and it never took effect.
inline constexpr char kScriptTimeout[] = "script_timeout";
// The table killed its VM's worker too often (--restart-limit within --restart-period) and
// is closed; its state stays in storage.
inline constexpr char kTableCrashed[] = "table_crashed";
inline constexpr char kUnauthorized[] = "unauthorized";
// Over --max-commands-per-s: this command was dropped, unanswered otherwise.
inline constexpr char kRateLimited[] = "rate_limited";
// The table's VM is more than --max-table-lag-ms behind (its oldest unanswered event was
// sent that long ago): this command was dropped, so that an overloaded server sheds input
// instead of queueing it.
inline constexpr char kTableBusy[] = "table_busy";
inline constexpr char kInternal[] = "internal";

// True for the codes after which the server closes the connection: the one home of that
// rule, for the server that closes and the clients that expect it.
inline bool ClosesConnection(std::string_view code) {
  return code == kMalformed || code == kHeaderTooLarge || code == kPayloadTooLarge ||
         code == kServerFull || code == kTooManyConnections || code == kTimeout || code == kResumed;
}
}  // namespace error

struct Header {
  std::string name;
  std::string value;

  bool operator==(const Header&) const = default;
};

struct Packet {
  std::vector<Header> headers;
  std::string payload;

  bool operator==(const Packet&) const = default;

  // Returns the value of the first header named `name` (case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
  // Appends a header. Content-Length is never stored: the encoder derives it.
  Packet& Add(std::string name, std::string value);
};

struct ParserLimits {
  size_t max_header = 8 * 1024;      // Bytes of the header section, blank line included.
  size_t max_payload = 1024 * 1024;  // Bytes of one payload.
};

// Parser turns a byte stream, fed in chunks of any size, into packets.
// Once it reports an error it stays failed: framing cannot be recovered.
// Header bytes are checked as they arrive, not when the header section ends: a header line
// is checked as soon as its line break arrives, and a byte that no valid line could hold
// (a NUL, a control character, a space in a name, a CR not before LF) fails the stream at
// once, so junk is refused without waiting for a blank line that may never come. The
// error for a stream is the same in every chunking: bytes are judged in order, each by the
// bytes before it alone.
// Not thread-safe; one parser per connection.
class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  // Appends bytes to the stream.
  void Feed(std::string_view bytes);

  // Returns the next complete packet, or nullopt when more bytes are needed or the stream
  // is broken (then error() is non-ok, with code malformed, header_too_large or
  // payload_too_large).
  std::optional<Packet> Next();

  const Status& error() const { return error_; }
  // Bytes fed but not yet returned as a packet.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  bool ScanHeaderSection();
  bool AddHeaderLine(std::string_view line);
  void Fail(const char* code, std::string message);
  void Compact();

  ParserLimits limits_;
  std::string buffer_;
  size_t consumed_ = 0;  // Bytes of buffer_ already turned into packets.
  // While in the header section, offsets from consumed_ (its first byte), which Compact
  // leaves unchanged: every byte before scanned_ has been checked, and the current line
  // starts at line_start_; colon_ says whether that line has had its colon yet.
  size_t scanned_ = 0;
  size_t line_start_ = 0;
  bool colon_ = false;
  bool has_length_ = false;  // The header section so far had a Content-Length.
  bool in_payload_ = false;  // Headers parsed; waiting for payload_length_ bytes.
  size_t payload_length_ = 0;
  Packet pending_;
  Status error_;
};

// A packet carrying `Server-Command: command` (or `Game-Command: command`) and `payload`.
Packet ServerCommand(std::string_view command, std::string payload = "");
Packet GameCommand(std::string_view command, std::string payload = "");
// The value of the packet's Client-Command header, or "" when it has none.
std::string_view ClientCommandOf(const Packet& packet);
// The value of the packet's Error-Code header, or "" when it has none.
std::string_view ErrorCodeOf(const Packet& packet);

// The payload of the `hello` reply: `<player_token>,<defined>,<table_token>`, where
// defined is `false` only for the creator of a table whose game is not defined yet.
struct HelloReply {
  std::string player;
  bool defined = false;
  std::string table;

  bool operator==(const HelloReply&) const = default;
};
std::string FormatHelloReply(const HelloReply& reply);
// Fails with code "bad_hello" unless `payload` is three comma-separated fields with
// `true` or `false` in the middle.
Result<HelloReply> ParseHelloReply(std::string_view payload);

// Following a `redirect` reply to a hello (docs/protocol.md): the one home of that rule for
// every client (the blocking client, the bots, the fuzzer's runner). A client sends `hello`,
// and while the reply is a redirect it connects to the node named and sends
// FollowRedirect's hello there.
struct RedirectStep {
  HostPort node;     // Where to connect: a TCP client's game port, a WebSocket client's /ws.
  Packet hello;      // What to send there: the same hello with `Redirects: N`.
  int followed = 0;  // N: the redirects followed for this hello, this one included.
};
// The number of redirects `hello` says it has followed (its Redirects header; 0 without one,
// or when the value is not a small decimal number).
int RedirectsOf(const Packet& hello);
// For `reply`, a `redirect` answering `hello`: the node to say hello to next and the hello to
// send there (the same headers and payload, with Redirects one more than `hello` had). Fails
// with code "too_many_redirects" when `hello` has followed command::kMaxRedirects already,
// or "bad_redirect" when the payload is not HOST:PORT (a host of visible ASCII, a port from
// 1 to 65535). REQUIRES: ClientCommandOf(reply) == command::kRedirect.
Result<RedirectStep> FollowRedirect(const Packet& hello, const Packet& reply);

// The payload of the `uploaded` reply: `<game>,<version>`, and for a live upload
// `<game>,<version>,<moved>,<refused>` followed by one line per refusing table,
// `\n<table_token> <reason>`, where the reason is one line.
struct UploadReply {
  std::string game;
  int version = 0;
  bool live = false;
  int moved = 0;  // Running tables that now run `version` (live only).
  struct Refusal {
    std::string table;   // Its token.
    std::string reason;  // Why its new VM did not load; it keeps its old version.
    bool operator==(const Refusal&) const = default;
  };
  std::vector<Refusal> refused;

  bool operator==(const UploadReply&) const = default;
};
// Line breaks in a reason are written as spaces.
std::string FormatUploadReply(const UploadReply& reply);
// Fails with code "bad_upload_reply" unless `payload` has one of the two forms.
Result<UploadReply> ParseUploadReply(std::string_view payload);

// Encodes a packet: its headers, then Content-Length, a blank line and the payload.
std::string Encode(const Packet& packet);
// The number of bytes Encode(packet) returns, without encoding it. The server encodes
// canonically, so this is also the size on the wire of a packet it sent.
size_t EncodedSize(const Packet& packet);
// Appends the encoding of `Client-Command: command` with `payload` to `out`.
void AppendClientCommand(std::string& out, std::string_view command, std::string_view payload);
// Appends a `Client-Command: error` packet carrying `Error-Code: code`.
void AppendError(std::string& out, std::string_view code, std::string_view message);

}  // namespace ggs
