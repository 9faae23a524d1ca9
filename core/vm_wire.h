// VmWire: the binary codec of the table <-> VM boundary, the wire between the server and
// a VM worker process. Events go from the server to the worker (VmEvent) and one reply per
// event comes back (VmReply), carrying the effects core/game_vm.h describes.
//
// Every message is framed the same way, in both directions:
//   u32 length      bytes that follow (the type byte and the fields), little-endian
//   u8  type        an event kind (VmEvent::Kind) or kReplyType
//   fields          fixed-width little-endian integers; a string is a u32 byte count and
//                   the bytes; a list is a u32 item count and the items
// A batch is messages back to back; nothing marks where one ends. The encoding is canonical:
// the reader accepts exactly the bytes the writer produces, so a message it reads encodes
// back to the same bytes.
//
// The codec is pure: bytes in, messages out, no I/O, so it can be fuzzed and fed in any
// chunking. This header is the one home of the format, shared by writer and reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/game_vm.h"
#include "core/kv_namespace.h"
#include "core/status.h"

namespace ggs {

namespace wire {
// The error code of every malformed stream: a truncated field, an unknown type or enum
// value, a string or list that overruns its message, bytes left over, an over-limit length.
inline constexpr char kBadWire[] = "bad_wire";
// The size of the frame before the fields: the length and the type byte.
inline constexpr size_t kLengthSize = 4;
// The default limit on one message's length (the type byte and the fields).
inline constexpr size_t kDefaultMaxMessage = 64 * 1024 * 1024;
// The type byte of a reply; events use their Kind's value.
inline constexpr uint8_t kReplyType = 0x80;
}  // namespace wire

// A namespace's contents as the worker's replica is loaded with them.
using KvItems = std::vector<std::pair<std::string, std::string>>;

// One event for one table's VM, from the server to the worker. Which fields a kind
// carries, besides seq, table and kind, is listed beside each kind; the others are left
// at their defaults and are not on the wire.
struct VmEvent {
  enum class Kind : uint8_t {
    kOpen = 1,         // source, memory_limit, limits, isolate, world, local, players: new VM.
    kCommand = 2,      // player_id, command, args: playerCommand.
    kJoined = 3,       // player_id, players (already including it): playerJoined.
    kLeft = 4,         // player_id, players (already without it): playerLeft.
    kResumed = 5,      // player_id: playerResumed.
    kRestored = 6,     // restored().
    kTimer = 7,        // timer_id: fire the game's timer.
    kForgetTimer = 8,  // timer_id: forget a cleared timer's function.
    kClose = 9,        // Drop the VM and the table's replicas.
    kUpgrade = 10,     // source, memory_limit, limits: a new VM from new code and replicas.
  };

  Kind kind = Kind::kCommand;
  uint64_t seq = 0;    // The server's sequence number; the reply echoes it.
  uint64_t table = 0;  // The server's table id.

  std::string source;         // kOpen, kUpgrade: the game's script.
  uint64_t memory_limit = 0;  // kOpen, kUpgrade: bytes the VM's allocator may hold.
  VmLimits limits;            // kOpen, kUpgrade: what else the game may do.
  // kOpen: the table's events have killed a worker lately. The worker sends the replies it
  // holds before each of this table's events, so that a table that may run past its budget
  // again cannot take the answers of the tables batched before it down with the worker.
  bool isolate = false;
  KvItems world;             // kOpen: the table's `world`.
  KvItems local;             // kOpen: the table's `localStorage`.
  std::vector<int> players;  // kOpen, kJoined, kLeft: player ids at the table, seat order.
  int player_id = 0;         // kCommand, kJoined, kLeft, kResumed.
  std::string command;       // kCommand.
  std::string args;          // kCommand.
  int timer_id = 0;          // kTimer, kForgetTimer.

  bool operator==(const VmEvent&) const = default;
};

// The worker's answer to one event.
struct VmReply {
  uint64_t seq = 0;    // The event's.
  uint64_t table = 0;  // The event's.
  // Ok, or the event's failure: define_failed (kOpen), script_error (a callback threw),
  // no_such_table (no VM for this table on the worker).
  Status status;
  VmEffects effects;         // What the event asked for; only logs when it failed.
  int seats = 0;             // For a kOpen or kUpgrade that succeeded: the game's seats; else 0.
  uint64_t memory_used = 0;  // Bytes the table's VM holds after the event; 0 without one.
};

// A sequence number for a new event, unique in this process (the loop thread's counter):
// a worker's events come from many tables, and its progress page names the running one.
uint64_t NextVmEventSeq();
// The sequence number NextVmEventSeq returned last (0 before the first).
uint64_t LastVmEventSeq();

// Appends one framed message to `out`. REQUIRES: every string, list and the whole message
// fit the reader's limit (the writer does not check).
void AppendEvent(std::string& out, const VmEvent& event);
void AppendReply(std::string& out, const VmReply& reply);

// VmWireReader turns a byte stream, fed in chunks of any size, into messages: events on the
// worker's side, replies on the server's. Once it reports an error it stays failed and holds
// no bytes. Not thread-safe; one reader per stream.
class VmWireReader {
 public:
  // `max_message` bounds one message's length field; a larger one fails the stream.
  explicit VmWireReader(size_t max_message = wire::kDefaultMaxMessage);

  // Appends bytes to the stream. Ignored once failed.
  void Feed(std::string_view bytes);

  // Returns the next complete message, or nullopt when more bytes are needed or the stream
  // is broken (then error() has code bad_wire). A reply where an event is expected, or the
  // reverse, is an unknown type.
  std::optional<VmEvent> NextEvent();
  std::optional<VmReply> NextReply();

  const Status& error() const { return error_; }
  // Bytes fed but not yet returned as a message.
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  // Returns the next whole message (type byte and fields) and consumes it, or nullopt.
  std::optional<std::string_view> NextMessage();
  void Fail(std::string message);
  void Compact();

  size_t max_message_;
  std::string buffer_;
  size_t consumed_ = 0;  // Bytes of buffer_ already returned as messages.
  Status error_;
};

}  // namespace ggs
