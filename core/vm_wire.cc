// VmWire: the writer and the incremental, limit-checking reader of the worker wire.
#include "core/vm_wire.h"

#include <bit>

namespace ggs {
namespace {

using Kind = VmEvent::Kind;

// The writer's primitives: little-endian integers, counted strings and lists.
void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) PutU8(out, static_cast<uint8_t>(v >> shift));
}

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 0; shift < 64; shift += 8) PutU8(out, static_cast<uint8_t>(v >> shift));
}

void PutI32(std::string& out, int v) { PutU32(out, static_cast<uint32_t>(v)); }

void PutLimits(std::string& out, const VmLimits& l) {
  PutU32(out, l.sends_per_event);
  PutU32(out, l.writes_per_event);
  PutU64(out, l.event_bytes);
  PutU32(out, l.timers);
  PutU32(out, l.keys);
  PutU64(out, l.namespace_bytes);
}

void PutCount(std::string& out, size_t n) { PutU32(out, static_cast<uint32_t>(n)); }

void PutString(std::string& out, std::string_view s) {
  PutCount(out, s.size());
  out.append(s);
}

void PutItems(std::string& out, const KvItems& items) {
  PutCount(out, items.size());
  for (const auto& [key, value] : items) {
    PutString(out, key);
    PutString(out, value);
  }
}

void PutInts(std::string& out, const std::vector<int>& ints) {
  PutCount(out, ints.size());
  for (int v : ints) PutI32(out, v);
}

// Reserves the length field, to be filled by EndMessage once the fields are written.
size_t BeginMessage(std::string& out, uint8_t type) {
  const size_t at = out.size();
  PutU32(out, 0);
  PutU8(out, type);
  return at;
}

void EndMessage(std::string& out, size_t at) {
  const auto length = static_cast<uint32_t>(out.size() - at - wire::kLengthSize);
  for (size_t i = 0; i < wire::kLengthSize; ++i) {
    out[at + i] = static_cast<char>(static_cast<uint8_t>(length >> (8 * i)));
  }
}

void PutEffects(std::string& out, const VmEffects& effects) {
  PutCount(out, effects.sends.size());
  for (const VmEffects::Send& s : effects.sends) {
    PutI32(out, s.player_id);
    PutString(out, s.command);
    PutString(out, s.args);
  }
  PutCount(out, effects.writes.size());
  for (const KvWrite& w : effects.writes) {
    PutU8(out, static_cast<uint8_t>(w.ns));
    PutU8(out, static_cast<uint8_t>(w.op));
    PutString(out, w.key);
    PutString(out, w.value);
  }
  PutCount(out, effects.timers.size());
  for (const VmEffects::Timer& t : effects.timers) {
    PutU8(out, static_cast<uint8_t>(t.op));
    PutI32(out, t.id);
    PutU64(out, std::bit_cast<uint64_t>(t.ms));
    PutU8(out, t.repeat ? 1 : 0);
  }
  PutCount(out, effects.logs.size());
  for (const std::string& line : effects.logs) PutString(out, line);
}

// Reads the fields of one message. A read past the end, or an enum value out of range,
// records the first problem and returns zeros from then on; the caller checks failed()
// once at the end. Lists stop early once failed, so a huge count costs nothing.
class FieldReader {
 public:
  explicit FieldReader(std::string_view fields) : rest_(fields) {}

  bool failed() const { return !problem_.empty(); }
  const std::string& problem() const { return problem_; }
  size_t remaining() const { return rest_.size(); }

  uint8_t U8(const char* what) {
    const std::string_view b = Take(1, what);
    return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
  }
  uint32_t U32(const char* what) {
    const std::string_view b = Take(4, what);
    uint32_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) v |= uint32_t{static_cast<uint8_t>(b[i])} << (8 * i);
    return v;
  }
  uint64_t U64(const char* what) {
    const std::string_view b = Take(8, what);
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) v |= uint64_t{static_cast<uint8_t>(b[i])} << (8 * i);
    return v;
  }
  int I32(const char* what) { return static_cast<int>(U32(what)); }
  double F64(const char* what) { return std::bit_cast<double>(U64(what)); }
  std::string String(const char* what) { return std::string(Take(U32(what), what)); }

  // Reads a byte that must be below `limit`.
  uint8_t Enum(uint8_t limit, const char* what) {
    const uint8_t v = U8(what);
    if (v >= limit) Fail(std::string("bad ") + what + " " + std::to_string(v));
    return failed() ? 0 : v;
  }

  // Reads a list's count, refusing one that cannot fit the rest of the message given that
  // each item takes at least `min_item` bytes.
  uint32_t Count(size_t min_item, const char* what) {
    const uint32_t n = U32(what);
    if (!failed() && n > rest_.size() / min_item) {
      Fail(std::string(what) + " of " + std::to_string(n) + " items overruns its message");
    }
    return failed() ? 0 : n;
  }

 private:
  std::string_view Take(size_t n, const char* what) {
    if (failed()) return {};
    if (n > rest_.size()) {
      Fail(std::string(what) + " overruns its message");
      return {};
    }
    const std::string_view b = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return b;
  }
  void Fail(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
    rest_ = {};
  }

  std::string_view rest_;
  std::string problem_;
};

KvItems ReadItems(FieldReader& r, const char* what) {
  KvItems items;
  const uint32_t n = r.Count(8, what);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    std::string key = r.String(what);
    std::string value = r.String(what);
    items.emplace_back(std::move(key), std::move(value));
  }
  return items;
}

std::vector<int> ReadInts(FieldReader& r, const char* what) {
  std::vector<int> ints;
  const uint32_t n = r.Count(4, what);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) ints.push_back(r.I32(what));
  return ints;
}

void ReadSends(FieldReader& r, VmEffects& effects) {
  const uint32_t n = r.Count(12, "sends");
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    VmEffects::Send& s = effects.sends.emplace_back();
    s.player_id = r.I32("send player id");
    s.command = r.String("send command");
    s.args = r.String("send args");
  }
}

void ReadWrites(FieldReader& r, VmEffects& effects) {
  const uint32_t n = r.Count(10, "writes");
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    KvWrite& w = effects.writes.emplace_back();
    w.ns = static_cast<Namespace>(r.Enum(2, "write namespace"));
    w.op = static_cast<KvWrite::Op>(r.Enum(3, "write op"));
    w.key = r.String("write key");
    w.value = r.String("write value");
  }
}

void ReadTimers(FieldReader& r, VmEffects& effects) {
  const uint32_t n = r.Count(14, "timers");
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    VmEffects::Timer& t = effects.timers.emplace_back();
    t.op = static_cast<VmEffects::Timer::Op>(r.Enum(2, "timer op"));
    t.id = r.I32("timer id");
    t.ms = r.F64("timer ms");
    t.repeat = r.Enum(2, "timer repeat") == 1;
  }
}

void ReadEffects(FieldReader& r, VmEffects& effects) {
  ReadSends(r, effects);
  ReadWrites(r, effects);
  ReadTimers(r, effects);
  const uint32_t n = r.Count(4, "logs");
  for (uint32_t i = 0; i < n && !r.failed(); ++i) effects.logs.push_back(r.String("log line"));
}

VmLimits ReadLimits(FieldReader& r) {
  VmLimits l;
  l.sends_per_event = r.U32("sends per event");
  l.writes_per_event = r.U32("writes per event");
  l.event_bytes = r.U64("event bytes");
  l.timers = r.U32("timers");
  l.keys = r.U32("keys");
  l.namespace_bytes = r.U64("namespace bytes");
  return l;
}

bool IsEventKind(uint8_t type) {
  return type >= static_cast<uint8_t>(Kind::kOpen) && type <= static_cast<uint8_t>(Kind::kUpgrade);
}

// Reads the fields that follow seq and table, per kind.
void ReadEventFields(FieldReader& r, VmEvent& e) {
  switch (e.kind) {
    case Kind::kOpen:
      e.source = r.String("source");
      e.memory_limit = r.U64("memory limit");
      e.limits = ReadLimits(r);
      e.isolate = r.Enum(2, "isolate flag") == 1;
      e.world = ReadItems(r, "world");
      e.local = ReadItems(r, "local");
      e.players = ReadInts(r, "players");
      break;
    case Kind::kCommand:
      e.player_id = r.I32("player id");
      e.command = r.String("command");
      e.args = r.String("args");
      break;
    case Kind::kJoined:
    case Kind::kLeft:
      e.player_id = r.I32("player id");
      e.players = ReadInts(r, "players");
      break;
    case Kind::kResumed:
      e.player_id = r.I32("player id");
      break;
    case Kind::kTimer:
    case Kind::kForgetTimer:
      e.timer_id = r.I32("timer id");
      break;
    case Kind::kRestored:
    case Kind::kClose:
      break;
    case Kind::kUpgrade:
      e.source = r.String("source");
      e.memory_limit = r.U64("memory limit");
      e.limits = ReadLimits(r);
      break;
  }
}

// Turns a finished FieldReader into the reader's verdict on the message.
std::optional<std::string> Problem(const FieldReader& r, const char* what) {
  if (r.failed()) return std::string(what) + ": " + r.problem();
  if (r.remaining() != 0) {
    return std::string(what) + ": " + std::to_string(r.remaining()) + " bytes after its fields";
  }
  return std::nullopt;
}

}  // namespace

namespace {
uint64_t last_seq = 0;  // The loop thread's: see NextVmEventSeq.
}  // namespace

uint64_t NextVmEventSeq() { return ++last_seq; }

uint64_t LastVmEventSeq() { return last_seq; }

void AppendEvent(std::string& out, const VmEvent& e) {
  const size_t at = BeginMessage(out, static_cast<uint8_t>(e.kind));
  PutU64(out, e.seq);
  PutU64(out, e.table);
  switch (e.kind) {
    case Kind::kOpen:
      PutString(out, e.source);
      PutU64(out, e.memory_limit);
      PutLimits(out, e.limits);
      PutU8(out, e.isolate ? 1 : 0);
      PutItems(out, e.world);
      PutItems(out, e.local);
      PutInts(out, e.players);
      break;
    case Kind::kCommand:
      PutI32(out, e.player_id);
      PutString(out, e.command);
      PutString(out, e.args);
      break;
    case Kind::kJoined:
    case Kind::kLeft:
      PutI32(out, e.player_id);
      PutInts(out, e.players);
      break;
    case Kind::kResumed:
      PutI32(out, e.player_id);
      break;
    case Kind::kTimer:
    case Kind::kForgetTimer:
      PutI32(out, e.timer_id);
      break;
    case Kind::kRestored:
    case Kind::kClose:
      break;
    case Kind::kUpgrade:
      PutString(out, e.source);
      PutU64(out, e.memory_limit);
      PutLimits(out, e.limits);
      break;
  }
  EndMessage(out, at);
}

void AppendReply(std::string& out, const VmReply& reply) {
  const size_t at = BeginMessage(out, wire::kReplyType);
  PutU64(out, reply.seq);
  PutU64(out, reply.table);
  PutString(out, reply.status.code());
  PutString(out, reply.status.message());
  PutI32(out, reply.seats);
  PutU64(out, reply.memory_used);
  PutEffects(out, reply.effects);
  EndMessage(out, at);
}

VmWireReader::VmWireReader(size_t max_message) : max_message_(max_message) {}

void VmWireReader::Feed(std::string_view bytes) {
  if (!error_.ok()) return;
  Compact();
  buffer_.append(bytes);
}

// Drops consumed bytes once they dominate the buffer, so that memory stays bounded by the
// limit without moving bytes after every message.
void VmWireReader::Compact() {
  if (consumed_ == 0 || consumed_ < buffer_.size() / 2) return;
  buffer_.erase(0, consumed_);
  consumed_ = 0;
  if (buffer_.empty()) buffer_.shrink_to_fit();
}

void VmWireReader::Fail(std::string message) {
  error_ = Status::Error(wire::kBadWire, std::move(message));
  buffer_.clear();
  buffer_.shrink_to_fit();
  consumed_ = 0;
}

std::optional<std::string_view> VmWireReader::NextMessage() {
  if (!error_.ok()) return std::nullopt;
  const std::string_view rest = std::string_view(buffer_).substr(consumed_);
  if (rest.size() < wire::kLengthSize) return std::nullopt;
  FieldReader frame(rest.substr(0, wire::kLengthSize));
  const uint32_t length = frame.U32("length");
  if (length == 0 || length > max_message_) {
    Fail("message length " + std::to_string(length) +
         (length == 0 ? " leaves no room for its type"
                      : " exceeds the limit of " + std::to_string(max_message_) + " bytes"));
    return std::nullopt;
  }
  if (rest.size() - wire::kLengthSize < length) return std::nullopt;
  consumed_ += wire::kLengthSize + length;
  return rest.substr(wire::kLengthSize, length);
}

std::optional<VmEvent> VmWireReader::NextEvent() {
  const std::optional<std::string_view> message = NextMessage();
  if (!message) return std::nullopt;
  const auto type = static_cast<uint8_t>(message->front());
  if (!IsEventKind(type)) {
    Fail("unknown event type " + std::to_string(type));
    return std::nullopt;
  }
  VmEvent e;
  e.kind = static_cast<Kind>(type);
  FieldReader r(message->substr(1));
  e.seq = r.U64("seq");
  e.table = r.U64("table");
  ReadEventFields(r, e);
  if (std::optional<std::string> problem = Problem(r, "event")) {
    Fail(std::move(*problem));
    return std::nullopt;
  }
  return e;
}

std::optional<VmReply> VmWireReader::NextReply() {
  const std::optional<std::string_view> message = NextMessage();
  if (!message) return std::nullopt;
  const auto type = static_cast<uint8_t>(message->front());
  if (type != wire::kReplyType) {
    Fail("unknown reply type " + std::to_string(type));
    return std::nullopt;
  }
  VmReply reply;
  FieldReader r(message->substr(1));
  reply.seq = r.U64("seq");
  reply.table = r.U64("table");
  std::string code = r.String("status code");
  std::string text = r.String("status message");
  if (code.empty() && !text.empty()) {
    Fail("reply: a status message without a code");
    return std::nullopt;
  }
  if (!code.empty()) reply.status = Status::Error(std::move(code), std::move(text));
  reply.seats = r.I32("seats");
  reply.memory_used = r.U64("memory used");
  ReadEffects(r, reply.effects);
  if (std::optional<std::string> problem = Problem(r, "reply")) {
    Fail(std::move(*problem));
    return std::nullopt;
  }
  return reply;
}

}  // namespace ggs
