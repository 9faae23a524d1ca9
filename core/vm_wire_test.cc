// Tests of the worker wire codec: every stream is also fed one byte at a time and in random
// chunks, and must read as the same messages with the same verdict.
#include "core/vm_wire.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/protocol.h"
#include "core/vm_wire_test_support.h"
#include "testing/chunked_parse.h"

namespace ggs {
namespace {

using testing_support::Describe;
using Kind = VmEvent::Kind;

// Strings that trip up careless codecs: empty, NUL, newlines, 0xff, a length-like prefix.
const std::string kNul("a\0b", 3);
const std::string kAwkward = std::string("\n\r\n\0\xff\xfe", 6) + "Content-Length: 3\n\n";
const std::string kLong = [] {
  std::string s(300000, 'x');
  for (size_t i = 0; i < s.size(); i += 7) s[i] = static_cast<char>(i % 256);
  return s;
}();

struct Outcome {
  std::vector<std::string> messages;  // Described, in order.
  std::string error_code;
  size_t buffered = 0;
};

enum class Side { kEvents, kReplies };

// Feeds `bytes` in the pieces SplitAt cuts, draining messages after every feed.
Outcome ReadChunked(std::string_view bytes, const std::vector<size_t>& cuts, Side side,
                    size_t limit) {
  VmWireReader reader(limit);
  Outcome o;
  const auto drain = [&] {
    if (side == Side::kEvents) {
      while (std::optional<VmEvent> e = reader.NextEvent()) o.messages.push_back(Describe(*e));
    } else {
      while (std::optional<VmReply> r = reader.NextReply()) o.messages.push_back(Describe(*r));
    }
  };
  for (const std::string_view piece : SplitAt(bytes, cuts)) {
    reader.Feed(piece);
    drain();
  }
  o.error_code = reader.error().code();
  o.buffered = reader.buffered();
  return o;
}

// Reads `bytes` whole, one byte at a time and in 30 random chunkings; all must agree.
Outcome ReadEveryWay(std::string_view bytes, Side side, size_t limit = wire::kDefaultMaxMessage) {
  const Outcome whole = ReadChunked(bytes, {}, side, limit);
  std::vector<size_t> every;
  if (bytes.size() < 20000) {
    for (size_t i = 1; i < bytes.size(); ++i) every.push_back(i);
  }
  const Outcome bytewise = ReadChunked(bytes, every, side, limit);
  EXPECT_EQ(whole.messages, bytewise.messages);
  EXPECT_EQ(whole.error_code, bytewise.error_code);
  std::mt19937 rng(static_cast<unsigned>(bytes.size()));
  for (int round = 0; round < 30 && bytes.size() > 1; ++round) {
    std::vector<size_t> cuts;
    const size_t gap = 1 + rng() % 64;
    for (size_t i = 1; i < bytes.size(); ++i) {
      if (rng() % gap == 0) cuts.push_back(i);
    }
    const Outcome chunked = ReadChunked(bytes, cuts, side, limit);
    EXPECT_EQ(whole.messages, chunked.messages);
    EXPECT_EQ(whole.error_code, chunked.error_code);
  }
  return whole;
}

VmEvent Event(Kind kind, uint64_t seq, uint64_t table) {
  return testing_support::MakeEvent(kind, seq, table);
}

// One event of every kind, with awkward bytes wherever a kind has a string.
std::vector<VmEvent> EveryKind() {
  std::vector<VmEvent> events;
  VmEvent open = Event(Kind::kOpen, 1, 0xfedcba9876543210ull);
  open.source = "var seats = 2;\nfunction playerCommand(p, c, a) {}\n" + kNul + kAwkward;
  open.memory_limit = 32ull << 20;
  open.limits = {1, 2, 0xffffffffffull, 0xffffffffu, 5, 6};
  open.isolate = true;
  open.world = {{"", ""}, {kNul, kAwkward}, {"big", kLong}};
  open.local = {{"\xff", "\n"}};
  open.players = {1, 2, 0x7fffffff, -1};
  events.push_back(open);
  VmEvent command = Event(Kind::kCommand, 2, 7);
  command.player_id = 2;
  command.command = kAwkward;
  command.args = kNul;
  events.push_back(command);
  VmEvent empty_command = Event(Kind::kCommand, 3, 7);
  events.push_back(empty_command);
  VmEvent joined = Event(Kind::kJoined, 4, 7);
  joined.player_id = 3;
  joined.players = {1, 2, 3};
  events.push_back(joined);
  VmEvent left = Event(Kind::kLeft, 5, 7);
  left.player_id = 1;
  left.players = {};
  events.push_back(left);
  VmEvent resumed = Event(Kind::kResumed, 6, 7);
  resumed.player_id = 2;
  events.push_back(resumed);
  events.push_back(Event(Kind::kRestored, 7, 7));
  VmEvent timer = Event(Kind::kTimer, 8, 7);
  timer.timer_id = 42;
  events.push_back(timer);
  VmEvent forget = Event(Kind::kForgetTimer, 9, 7);
  forget.timer_id = -5;
  events.push_back(forget);
  VmEvent upgrade = Event(Kind::kUpgrade, 10, 7);
  upgrade.source = kAwkward + kNul;
  upgrade.memory_limit = 1;
  upgrade.limits.keys = 0;
  events.push_back(upgrade);
  events.push_back(Event(Kind::kClose, std::numeric_limits<uint64_t>::max(), 0));
  return events;
}

std::vector<VmReply> SomeReplies() {
  VmReply opened;
  opened.seq = 1;
  opened.table = 0xfedcba9876543210ull;
  opened.seats = 2;
  opened.memory_used = 123456;
  VmReply busy;
  busy.seq = 2;
  busy.table = 7;
  busy.memory_used = 1ull << 40;
  busy.effects.sends = {{0, "state", kAwkward}, {2, "", ""}, {-1, kNul, kLong}};
  busy.effects.writes = {{Namespace::kWorld, KvWrite::Op::kSet, kNul, kAwkward},
                         {Namespace::kLocal, KvWrite::Op::kRemove, "gone", ""},
                         {Namespace::kLocal, KvWrite::Op::kClear, "", ""}};
  busy.effects.timers = {
      {VmEffects::Timer::Op::kSet, 1, 0.5, true},
      {VmEffects::Timer::Op::kClear, 1, 0, false},
      {VmEffects::Timer::Op::kSet, 2, std::nan(""), false},
      {VmEffects::Timer::Op::kSet, 3, -0.0, false},
      {VmEffects::Timer::Op::kSet, 4, std::numeric_limits<double>::infinity(), true}};
  busy.effects.logs = {"", kAwkward, "\xff"};
  VmReply failed;
  failed.seq = 3;
  failed.table = 7;
  failed.status = Status::Error(error::kScriptError, "TypeError: " + kAwkward);
  failed.effects.logs = {"before the throw"};
  return {opened, busy, failed};
}

std::string EncodeEvents(const std::vector<VmEvent>& events) {
  std::string out;
  for (const VmEvent& e : events) AppendEvent(out, e);
  return out;
}

std::string EncodeReplies(const std::vector<VmReply>& replies) {
  std::string out;
  for (const VmReply& r : replies) AppendReply(out, r);
  return out;
}

std::vector<std::string> Described(const auto& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(Describe(m));
  return out;
}

// The little-endian bytes of a u32, for hand-built frames.
std::string U32(uint32_t v) {
  std::string out;
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(v >> shift));
  return out;
}

std::string U64(uint64_t v) {
  return U32(static_cast<uint32_t>(v)) + U32(static_cast<uint32_t>(v >> 32));
}

// A frame around `body` (the type byte and the fields), with a correct length.
std::string Frame(std::string_view body) {
  return U32(static_cast<uint32_t>(body.size())) + std::string(body);
}

TEST(VmWireTest, EveryEventKindRoundTrips) {
  const std::vector<VmEvent> events = EveryKind();
  const std::string bytes = EncodeEvents(events);
  VmWireReader reader;
  reader.Feed(bytes);
  for (const VmEvent& e : events) {
    std::optional<VmEvent> read = reader.NextEvent();
    ASSERT_TRUE(read.has_value()) << reader.error().ToString();
    EXPECT_TRUE(*read == e) << Describe(*read) << "\n" << Describe(e);
  }
  EXPECT_FALSE(reader.NextEvent().has_value());
  EXPECT_TRUE(reader.error().ok());
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(VmWireTest, RepliesRoundTripWithEveryEffect) {
  const std::vector<VmReply> replies = SomeReplies();
  const Outcome o = ReadEveryWay(EncodeReplies(replies), Side::kReplies);
  EXPECT_EQ(o.error_code, "");
  EXPECT_EQ(o.messages, Described(replies));
}

TEST(VmWireTest, ReplyStatusIsOkExactlyWhenItsCodeIsEmpty) {
  VmWireReader reader;
  reader.Feed(EncodeReplies(SomeReplies()));
  EXPECT_TRUE(reader.NextReply()->status.ok());
  EXPECT_TRUE(reader.NextReply()->status.ok());
  const std::optional<VmReply> failed = reader.NextReply();
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->status.code(), error::kScriptError);
  EXPECT_EQ(failed->status.message(), "TypeError: " + kAwkward);
}

TEST(VmWireTest, AnyChunkingReadsTheSameEvents) {
  std::vector<VmEvent> events = EveryKind();
  events.front().world.pop_back();  // Keep the stream small enough to feed byte by byte.
  const Outcome o = ReadEveryWay(EncodeEvents(events), Side::kEvents);
  EXPECT_EQ(o.error_code, "");
  EXPECT_EQ(o.messages, Described(events));
  EXPECT_EQ(o.buffered, 0u);
}

TEST(VmWireTest, LongMessagesInRandomChunks) {
  const Outcome o = ReadEveryWay(EncodeEvents(EveryKind()), Side::kEvents);
  EXPECT_EQ(o.error_code, "");
  EXPECT_EQ(o.messages, Described(EveryKind()));
}

TEST(VmWireTest, AnIncompleteMessageWaitsForMoreBytes) {
  const std::string bytes = EncodeEvents(EveryKind());
  VmWireReader reader;
  reader.Feed(std::string_view(bytes).substr(0, bytes.size() - 1));
  size_t read = 0;
  while (reader.NextEvent()) ++read;
  EXPECT_EQ(read, EveryKind().size() - 1);
  EXPECT_TRUE(reader.error().ok());
  EXPECT_GT(reader.buffered(), 0u);
  reader.Feed(std::string_view(bytes).substr(bytes.size() - 1));
  EXPECT_TRUE(reader.NextEvent().has_value());
  EXPECT_EQ(reader.buffered(), 0u);
}

// Each malformed stream, after one good event, must read as that event and then bad_wire.
TEST(VmWireTest, MalformedEventsFailAsBadWire) {
  const std::string seq_table = U64(1) + U64(2);
  const char command = static_cast<char>(Kind::kCommand);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"zero length", U32(0)},
      {"unknown type 0", Frame(std::string(1, '\0') + seq_table)},
      {"unknown type 11", Frame("\x0b" + seq_table)},
      {"a reply where an event belongs", Frame("\x80" + seq_table)},
      {"truncated seq", Frame(std::string(1, command) + "\x01\x02\x03")},
      {"truncated player id", Frame(command + seq_table + "\x01")},
      {"string overruns its message", Frame(command + seq_table + U32(1) + U32(5) + "abc")},
      {"huge string length", Frame(command + seq_table + U32(1) + U32(0xffffffff))},
      {"bytes after the fields", Frame(command + seq_table + U32(1) + U32(0) + U32(0) + "!")},
      {"list count overruns", Frame("\x03" + seq_table + U32(1) + U32(0x40000000))},
      {"kv list overruns", Frame("\x01" + seq_table + U32(0) + U64(0) + U32(3) + U32(0))},
  };
  VmEvent good = Event(Kind::kRestored, 9, 9);
  for (const auto& [name, bad] : cases) {
    SCOPED_TRACE(name);
    const Outcome o =
        ReadEveryWay(EncodeEvents({good}) + bad + EncodeEvents({good}), Side::kEvents);
    EXPECT_EQ(o.messages, Described(std::vector<VmEvent>{good}));
    EXPECT_EQ(o.error_code, wire::kBadWire);
    EXPECT_EQ(o.buffered, 0u);
  }
}

TEST(VmWireTest, MalformedRepliesFailAsBadWire) {
  const std::string head = "\x80" + U64(1) + U64(2);
  const std::string ok_status = U32(0) + U32(0) + U32(0) + U64(0);
  const std::string no_effects = U32(0) + U32(0) + U32(0) + U32(0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"an event where a reply belongs", Frame("\x02" + U64(1) + U64(2))},
      {"truncated effects", Frame(head + ok_status + U32(0))},
      {"bad namespace", Frame(head + ok_status + U32(0) + U32(1) + std::string("\x02\x00", 2) +
                              U32(0) + U32(0) + U32(0) + U32(0))},
      {"bad write op", Frame(head + ok_status + U32(0) + U32(1) + std::string("\x00\x03", 2) +
                             U32(0) + U32(0) + U32(0) + U32(0))},
      {"bad timer op", Frame(head + ok_status + U32(0) + U32(0) + U32(1) + "\x02" + U32(1) +
                             U64(0) + std::string(1, '\0') + U32(0))},
      {"bad repeat flag", Frame(head + ok_status + U32(0) + U32(0) + U32(1) + std::string(1, '\0') +
                                U32(1) + U64(0) + "\x02" + U32(0))},
      {"a status message without a code",
       Frame("\x80" + U64(1) + U64(2) + U32(0) + U32(1) + "m" + U32(0) + U64(0) + no_effects)},
      {"timer count overruns", Frame(head + ok_status + U32(0) + U32(0) + U32(2) + U32(0))},
  };
  VmReply good;
  good.seq = 5;
  // The hand-built frame with no effects is itself well formed: the cases differ from it.
  const Outcome sane = ReadEveryWay(Frame(head + ok_status + no_effects), Side::kReplies);
  EXPECT_EQ(sane.error_code, "");
  EXPECT_EQ(sane.messages.size(), 1u);
  for (const auto& [name, bad] : cases) {
    SCOPED_TRACE(name);
    const Outcome o =
        ReadEveryWay(EncodeReplies({good}) + bad + EncodeReplies({good}), Side::kReplies);
    EXPECT_EQ(o.messages, Described(std::vector<VmReply>{good}));
    EXPECT_EQ(o.error_code, wire::kBadWire);
  }
}

TEST(VmWireTest, TheErrorIsStickyAndSaysWhatBroke) {
  VmWireReader reader;
  reader.Feed(Frame("\x0b" + U64(1) + U64(2)));
  EXPECT_FALSE(reader.NextEvent().has_value());
  EXPECT_EQ(reader.error().code(), wire::kBadWire);
  EXPECT_NE(reader.error().message().find("unknown event type 11"), std::string::npos)
      << reader.error().message();
  reader.Feed(EncodeEvents(EveryKind()));
  EXPECT_FALSE(reader.NextEvent().has_value());
  EXPECT_FALSE(reader.NextReply().has_value());
  EXPECT_EQ(reader.buffered(), 0u);
  EXPECT_EQ(reader.error().code(), wire::kBadWire);
}

TEST(VmWireTest, TheLimitBoundsOneMessage) {
  VmEvent e = Event(Kind::kCommand, 1, 1);
  e.args = std::string(1000, 'a');
  std::string one;
  AppendEvent(one, e);
  const size_t length = one.size() - wire::kLengthSize;
  EXPECT_EQ(ReadEveryWay(one + one, Side::kEvents, length).messages.size(), 2u);
  const Outcome over = ReadEveryWay(one, Side::kEvents, length - 1);
  EXPECT_EQ(over.error_code, wire::kBadWire);
  EXPECT_TRUE(over.messages.empty());
}

TEST(VmWireTest, AnOverLimitLengthFailsBeforeItsBytesArrive) {
  VmWireReader reader(1024);
  reader.Feed(U32(1025));
  EXPECT_FALSE(reader.NextEvent().has_value());
  EXPECT_EQ(reader.error().code(), wire::kBadWire);
  EXPECT_NE(reader.error().message().find("limit"), std::string::npos);
}

// What a reader accepts from `bytes`, encoded again; the error code of the reader after.
std::pair<std::string, std::string> ReEncode(std::string_view bytes, Side side) {
  VmWireReader reader(1 << 20);
  reader.Feed(bytes);
  std::string again;
  if (side == Side::kEvents) {
    while (std::optional<VmEvent> e = reader.NextEvent()) AppendEvent(again, *e);
  } else {
    while (std::optional<VmReply> r = reader.NextReply()) AppendReply(again, *r);
  }
  return {again, reader.error().code()};
}

// Damaged streams never crash the reader, and whatever it accepts is exactly a prefix of the
// input: the encoding is canonical.
TEST(VmWireTest, DamagedStreamsReadAsACanonicalPrefix) {
  std::mt19937 rng(7);
  const std::string events = EncodeEvents(EveryKind()).substr(0, 2000);
  std::vector<VmReply> replies = SomeReplies();
  replies[1].effects.sends.pop_back();
  const std::string reply_bytes = EncodeReplies(replies);
  for (int round = 0; round < 4000; ++round) {
    const Side side = round % 2 == 0 ? Side::kEvents : Side::kReplies;
    const std::string& clean = side == Side::kEvents ? events : reply_bytes;
    std::string bytes = clean.substr(0, rng() % (clean.size() + 1));
    for (int flips = rng() % 4; flips > 0 && !bytes.empty(); --flips) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    const auto [again, code] = ReEncode(bytes, side);
    ASSERT_TRUE(bytes.starts_with(again)) << "round " << round;
    ASSERT_TRUE(code.empty() || code == wire::kBadWire) << code;
  }
}

}  // namespace
}  // namespace ggs
