// StepCheck: the rules a step must obey to follow a model, one small check per request.
#include "props/step_check.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace ggs::props {
namespace {

// The byte classes and the command list below restate docs/protocol.md on purpose instead
// of calling the parser's classes (core/protocol.cc) or the dispatcher's command table
// (core/dispatcher.cc): the model is an oracle independent of the code it checks, so a
// mistake there shows up as a disagreement with the server instead of being copied into
// the prediction.

bool IsValueByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

// A header value the server reads back unchanged: value bytes only, nothing to trim.
bool IsPlainValue(const std::string& v) {
  if (!std::all_of(v.begin(), v.end(), IsValueByte)) return false;
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  return v.empty() || (!blank(v.front()) && !blank(v.back()));
}

bool HasAny(const std::string& s, std::string_view bytes) {
  return s.find_first_of(bytes) != std::string::npos;
}

bool IsTokenByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x80 && std::isalnum(u)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsServerCommand(std::string_view name) {
  return name == "hello" || name == "define" || name == "ping" || name == "upload" || name == "bye";
}

// The grammar each corruption's prediction relies on (props/step.h).
bool CorruptionApplies(const Model& m, const Step& s) {
  const std::string& t = s.text;
  switch (s.corruption) {
    case Corruption::kNoColon:
      return !t.empty() && t.size() <= 200 && !HasAny(t, ":\n\r");
    case Corruption::kBadName:
      return t.size() == 1 && !IsTokenByte(t[0]) && !HasAny(t, ":\n\r");
    case Corruption::kLeadingColon:
      return t.size() <= 200 && !HasAny(t, "\n");
    case Corruption::kControlInValue:
      return t.size() == 1 && !IsValueByte(t[0]);
    case Corruption::kBadLength: {
      const std::string_view v = TrimBlanks(t);
      return t.size() <= 40 && !HasAny(t, "\n") && !(IsDigits(v) && v.size() <= 19);
    }
    case Corruption::kDuplicateLength:
    case Corruption::kMissingBlankLine:
      return true;
    case Corruption::kOversizeLength:
      return s.number >= 0 && s.number <= 1000000;
    case Corruption::kShortLength:
      return t.size() <= 100 && !s.extra.empty() && s.extra.size() <= 100 &&
             !HasAny(s.extra, ":\n\r");
    case Corruption::kTruncatedPayload:
      return t.size() <= 100 && s.number >= 1 && s.number <= 1000;
    case Corruption::kUnendedJunkLine:
      return !t.empty() && t.size() + 2 < m.config.limits.max_header && !HasAny(t, ":\n");
    case Corruption::kUnendedBadByte:
      return t.size() == 1 && !IsValueByte(t[0]) && t[0] != '\r' && t[0] != '\n';
    case Corruption::kBinaryJunk:
      return !t.empty() && t.size() + 2 < m.config.limits.max_header && !HasAny(t, ":\n");
    case Corruption::kLeadingBlankLine:
      return s.number == 0 || s.number == 1;
    case Corruption::kOversizeHeader:
      return s.number >= 1 && s.number <= 1000;
  }
  return false;
}

bool EncodingApplies(const Encoding& e) {
  return e.name_case >= 0 && e.name_case <= 3 && e.padding >= 0 && e.padding <= 2 &&
         e.length_zeros >= 0 && e.length_zeros <= 3;
}

bool HelloApplies(const Model& m, const Step& s) {
  const int tables = static_cast<int>(m.tables.size());
  const int players = static_cast<int>(m.players.size());
  switch (s.mode) {
    case HelloMode::kNew:
      return true;
    case HelloMode::kJoin:
      return s.target >= 0 && s.target < tables;
    case HelloMode::kGame:
      return IsPlainValue(s.game);
    case HelloMode::kResume:
      return s.target >= 0 && s.target < players;
    case HelloMode::kUnknownTable:
      return !s.text.empty() && s.text.size() <= 100;
    case HelloMode::kUnknownToken:
      return IsPlainValue(s.text) && s.text.size() <= 100;
    case HelloMode::kGameAndTable:
      return IsPlainValue(s.game) && s.target >= 0 && s.target < tables;
  }
  return false;
}

// A payload (props/step.h's Payload) that fits the server's --max-payload.
bool PayloadFits(const Model& m, const Step& s) {
  return s.number >= 0 && static_cast<size_t>(s.number) <= m.config.limits.max_payload &&
         s.text.size() + static_cast<size_t>(s.number) <= m.config.limits.max_payload;
}

bool UploadApplies(const Model& m, const Step& s) {
  if (!m.config.uploads) return false;
  return std::any_of(kUploadableGames.begin(), kUploadableGames.end(), [&](const auto& g) {
    return s.game == g.name && g.max_source <= m.config.limits.max_payload;
  });
}

bool GameApplies(const Model& m, const Step& s) {
  if (!IsPlainValue(s.command) || s.command.size() > 64 || !PayloadFits(m, s)) return false;
  if (s.token == TokenHeader::kPlayer)
    return s.target >= 0 && s.target < static_cast<int>(m.players.size());
  if (s.token == TokenHeader::kUnknown) return !s.extra.empty() && IsPlainValue(s.extra);
  return true;
}

bool OpApplies(const Model& m, const Step& s) {
  switch (s.op) {
    case Op::kConnect:
      return !m.clients[s.client].open;
    case Op::kRestart:
      return m.config.restarts;
    case Op::kKill:
      return m.config.restarts && m.config.kills && s.number >= 0 && s.number <= 5000;
    case Op::kDisconnect:
    case Op::kBye:
      return true;
    case Op::kPing:
      return PayloadFits(m, s);
    case Op::kUpload:
      return UploadApplies(m, s);
    case Op::kWait:
      return m.config.grace_ms > 0;
    case Op::kHello:
      return HelloApplies(m, s);
    case Op::kDefine:
      return s.seats >= 1 && s.seats <= kAdHocSeats;
    case Op::kGame:
      return GameApplies(m, s);
    case Op::kCorrupt:
      return CorruptionApplies(m, s);
    case Op::kOdd:
      return s.oddity != Oddity::kUnknownCommand ||
             (IsPlainValue(s.text) && s.text.size() <= 64 && !IsServerCommand(s.text));
  }
  return false;
}

}  // namespace

Status CheckStep(const Model& m, const Step& s) {
  auto fail = [](const char* reason) { return Status::Error("bad_step", reason); };
  if (s.client < 0 || s.client >= static_cast<int>(m.clients.size()))
    return fail("no such client slot");
  if (s.op != Op::kConnect && s.op != Op::kRestart && s.op != Op::kWait && s.op != Op::kKill &&
      !m.clients[s.client].open)
    return fail("the client is not connected");
  if (!EncodingApplies(s.encoding)) return fail("bad encoding");
  if (!OpApplies(m, s)) return fail("the step's arguments do not fit the model");
  return Status::Ok();
}

}  // namespace ggs::props
