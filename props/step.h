// Step: one action of a fuzz session — a client connecting, sending one request (well formed
// or corrupted), hanging up, or the server restarting. A session is a sequence of steps.
//
// A step is plain data. It names players and tables by their index in the session's model
// (props/session_model.h), never by token, so that a session file replays against any
// server: the runner substitutes the tokens that this run's server handed out. Each step has
// a one-line text form, `op=hello client=1 mode=join target=0`, that session files store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ggs::props {

enum class Op {
  kConnect,     // Opens a new connection for the client slot.
  kDisconnect,  // Hangs up without a word.
  kHello,
  kDefine,
  kGame,  // A Game-Command.
  kPing,
  kBye,
  kCorrupt,  // Bytes that break the framing (see Corruption).
  kOdd,      // A well-framed packet that no command accepts (see Oddity).
  kRestart,  // A clean restart of the server on the same database.
  // A new version of the registered game `game`, its shipped source unchanged, with the
  // right admin token; `live` moves its running tables too.
  kUpload,
  // Sleeps past the server's short reconnect grace (ModelConfig::grace_ms): every player
  // without a connection is gone then.
  kWait,
  // Kills the server with SIGKILL `number` ms from now and starts it again on the same
  // database: what was kept is read back and checked (props/durability.h).
  kKill,
};

enum class HelloMode {
  kNew,           // Empty payload: a new ad hoc table.
  kJoin,          // Payload: the token of table `target`.
  kGame,          // Header `Game: <game>`.
  kResume,        // Header `Token:` of player `target`.
  kUnknownTable,  // Payload: `text`, which is no table's token.
  kUnknownToken,  // Header `Token: <text>`, which is no player's token.
  kGameAndTable,  // Both `Game: <game>` and table `target`'s token.
};

enum class Script {
  kChat,  // games/chat/chat.js with `var seats = <seats>;`.
  kEcho,  // Sends every command back; `boom` throws.
  kSyntaxError,
  kNoPlayerCommand,
  kThrowsOnLoad,
  kEmpty,
  // Sends the command name its payload spells, percent-encoded (%XX, any byte): to the
  // sender (command `to`), to everyone (`all`), or `ok` to everyone first (`both`). Names the
  // server must refuse (line breaks, NUL, ':', spaces, over 64 bytes) make it a script_error.
  kHostile,
};

// The Token header a game command carries.
enum class TokenHeader { kNone, kOwn, kPlayer, kUnknown };

// The grammar of broken framing. `text`, `extra` and `number` are the parameters; each kind
// states what the server must answer (props/session_model.cc).
enum class Corruption {
  kNoColon,           // A header line `text` without a colon.
  kBadName,           // A header name containing the byte `text`.
  kLeadingColon,      // A header line `: text`.
  kControlInValue,    // A header value containing the control byte `text`.
  kBadLength,         // `Content-Length: text` that is not 1-19 digits.
  kDuplicateLength,   // Two Content-Length headers.
  kOversizeLength,    // Content-Length of max_payload + number (or 19 nines when number = 0).
  kShortLength,       // A ping whose Content-Length covers only `text`; `extra` follows.
  kTruncatedPayload,  // A ping whose payload stops `number` bytes short; then a hang-up.
  kBinaryJunk,        // `text` (no colon, no LF) and a blank line.
  kLeadingBlankLine,  // A blank line (CRLF when number = 1) before a ping.
  kMissingBlankLine,  // A ping's headers without their blank line, then another ping.
  kOversizeHeader,    // A header value of max_header + number bytes.
  // Junk that is never followed by a blank line: the server must refuse it as soon as it
  // cannot become valid, not wait for the end of a header section that never comes.
  kUnendedJunkLine,  // `text` (no colon, no LF) and one LF; nothing after it.
  kUnendedBadByte,   // `Server-Command: pi` and the control byte `text` (not CR); no LF.
};

enum class Oddity {
  kUnknownCommand,  // `Server-Command: <text>` that names no command.
  kBothCommands,    // Server-Command and Game-Command.
  kNoCommand,       // Neither.
  kUpload,          // An upload with a wrong Admin-Token (number = 0: without a Game).
};

// How a well-formed packet is spelled. Every spelling means the same packet.
struct Encoding {
  bool crlf = false;
  int name_case = 0;               // 0 as written, 1 lower case, 2 upper case, 3 alternating.
  int padding = 0;                 // 0 none, 1 spaces around values, 2 tabs around values.
  bool extra_header = false;       // An `X-Fuzz` header that nobody reads.
  bool length_first = false;       // Content-Length before the other headers.
  int length_zeros = 0;            // Leading zeros of the Content-Length value.
  bool omit_empty_length = false;  // No Content-Length when the payload is empty.

  bool operator==(const Encoding&) const = default;
};

struct Step {
  Op op = Op::kPing;
  int client = 0;
  HelloMode mode = HelloMode::kNew;
  int target = 0;    // A table (kJoin, kGameAndTable) or player (kResume, TokenHeader::kPlayer).
  std::string game;  // For HelloMode::kGame and kGameAndTable.
  Script script = Script::kChat;
  int seats = 64;  // For kChat and kEcho scripts.
  TokenHeader token = TokenHeader::kNone;
  std::string command;  // Game command name.
  std::string text;     // Ping payload, game args, bogus token or table, corruption bytes.
  std::string extra;    // The second string of a corruption.
  Corruption corruption = Corruption::kBinaryJunk;
  Oddity oddity = Oddity::kUnknownCommand;
  int number = 0;     // Also, for kPing and kGame, the filler bytes after `text` (Payload()).
  bool live = false;  // For kUpload.
  Encoding encoding;
  std::vector<int> splits;  // Where the write is cut, in thousandths of its length.
  bool pause = false;       // Sleep a little between the pieces of a cut write.

  bool operator==(const Step&) const = default;
};

// A step of `op` by client `client`, every other field at its default.
Step MakeStep(Op op, int client = 0);

// The payload of a ping or a game command: `text`, then `number` bytes of printable filler,
// so that a session file names a payload of any size in a few bytes.
std::string Payload(const Step& step);

// The one-line text form of `step`: `op=... client=...` and each field that differs from its
// default. The line has no newline.
std::string ToLine(const Step& step);
// Parses ToLine's output. Errors (code "bad_step") name the offending field.
Result<Step> ParseStep(std::string_view line);

// A short human description, such as `c1 hello join table#0`.
std::string Describe(const Step& step);

// Names of the enumerators, as ToLine writes them.
std::string_view Name(Op op);
std::string_view Name(HelloMode mode);
std::string_view Name(Script script);
std::string_view Name(TokenHeader token);
std::string_view Name(Corruption corruption);
std::string_view Name(Oddity oddity);

}  // namespace ggs::props
