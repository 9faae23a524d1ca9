// Step: the text form of a step, field by field.
#include "props/step.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

#include "base/escape.h"

namespace ggs::props {
namespace {

constexpr std::array<std::string_view, 13> kOpNames = {
    "connect", "disconnect", "hello",   "define", "game", "ping", "bye",
    "corrupt", "odd",        "restart", "upload", "wait", "kill"};
constexpr std::array<std::string_view, 7> kModeNames = {
    "new", "join", "game", "resume", "unknown_table", "unknown_token", "game_and_table"};
constexpr std::array<std::string_view, 7> kScriptNames = {
    "chat", "echo", "syntax_error", "no_player_command", "throws_on_load", "empty", "hostile"};
constexpr std::array<std::string_view, 4> kTokenNames = {"none", "own", "player", "unknown"};
constexpr std::array<std::string_view, 15> kCorruptionNames = {
    "no_colon",          "bad_name",          "leading_colon",      "control_in_value",
    "bad_length",        "duplicate_length",  "oversize_length",    "short_length",
    "truncated_payload", "binary_junk",       "leading_blank_line", "missing_blank_line",
    "oversize_header",   "unended_junk_line", "unended_bad_byte"};
constexpr std::array<std::string_view, 4> kOddityNames = {"unknown_command", "both_commands",
                                                          "no_command", "upload"};

template <typename E, size_t N>
std::string_view NameIn(const std::array<std::string_view, N>& names, E value) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : "?";
}

template <typename E, size_t N>
std::optional<E> ParseEnum(const std::array<std::string_view, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Encoding flags, joined by '+': crlf lower|upper|alt spaces|tabs extra lenfirst zerosN omit.
std::string EncodingText(const Encoding& e) {
  std::string out;
  auto add = [&out](std::string_view flag) {
    if (!out.empty()) out += '+';
    out += flag;
  };
  if (e.crlf) add("crlf");
  if (e.name_case > 0 && e.name_case <= 3)
    add(std::array{"", "lower", "upper", "alt"}[e.name_case]);
  if (e.padding > 0 && e.padding <= 2) add(std::array{"", "spaces", "tabs"}[e.padding]);
  if (e.extra_header) add("extra");
  if (e.length_first) add("lenfirst");
  if (e.length_zeros > 0) add("zeros" + std::to_string(e.length_zeros));
  if (e.omit_empty_length) add("omit");
  return out;
}

// Adds one flag of EncodingText's to `e`; false for an unknown flag.
bool AddEncodingFlag(std::string_view flag, Encoding& e) {
  static const std::array<std::string_view, 4> cases = {"", "lower", "upper", "alt"};
  static const std::array<std::string_view, 3> paddings = {"", "spaces", "tabs"};
  if (flag == "crlf")
    e.crlf = true;
  else if (flag == "extra")
    e.extra_header = true;
  else if (flag == "lenfirst")
    e.length_first = true;
  else if (flag == "omit")
    e.omit_empty_length = true;
  else if (auto c = ParseEnum<int>(cases, flag); c && *c > 0)
    e.name_case = *c;
  else if (auto pad = ParseEnum<int>(paddings, flag); pad && *pad > 0)
    e.padding = *pad;
  else if (auto zeros = flag.starts_with("zeros") ? ParseInt(flag.substr(5)) : std::nullopt) {
    e.length_zeros = *zeros;
  } else {
    return false;
  }
  return true;
}

std::optional<Encoding> ParseEncoding(std::string_view text) {
  Encoding e;
  while (!text.empty()) {
    const size_t plus = text.find('+');
    if (!AddEncodingFlag(text.substr(0, plus), e)) return std::nullopt;
    text.remove_prefix(plus == std::string_view::npos ? text.size() : plus + 1);
  }
  return e;
}

std::string SplitsText(const std::vector<int>& splits) {
  std::string out;
  for (const int s : splits) out += (out.empty() ? "" : ",") + std::to_string(s);
  return out;
}

std::optional<std::vector<int>> ParseSplits(std::string_view text) {
  std::vector<int> splits;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::optional<int> value = ParseInt(text.substr(0, comma));
    if (!value) return std::nullopt;
    splits.push_back(*value);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
  }
  return splits;
}

std::optional<bool> ParseFlag(std::string_view text) {
  if (text == "0" || text == "1") return text == "1";
  return std::nullopt;
}

// Stores a parsed value in its field; false when the text did not parse.
template <typename T>
bool Store(std::optional<T> value, T& field) {
  if (value) field = std::move(*value);
  return value.has_value();
}

// One field of the text form: how to write it and how to read it back.
struct Field {
  std::string_view name;
  std::function<std::string(const Step&)> write;
  std::function<bool(std::string_view, Step&)> read;
};

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      {"op", [](const Step& s) { return std::string(Name(s.op)); },
       [](std::string_view v, Step& s) { return Store(ParseEnum<Op>(kOpNames, v), s.op); }},
      {"client", [](const Step& s) { return std::to_string(s.client); },
       [](std::string_view v, Step& s) { return Store(ParseInt(v), s.client); }},
      {"mode", [](const Step& s) { return std::string(Name(s.mode)); },
       [](std::string_view v, Step& s) {
         return Store(ParseEnum<HelloMode>(kModeNames, v), s.mode);
       }},
      {"target", [](const Step& s) { return std::to_string(s.target); },
       [](std::string_view v, Step& s) { return Store(ParseInt(v), s.target); }},
      {"game", [](const Step& s) { return EscapeBytes(s.game); },
       [](std::string_view v, Step& s) { return Store(UnescapeBytes(v), s.game); }},
      {"script", [](const Step& s) { return std::string(Name(s.script)); },
       [](std::string_view v, Step& s) {
         return Store(ParseEnum<Script>(kScriptNames, v), s.script);
       }},
      {"seats", [](const Step& s) { return std::to_string(s.seats); },
       [](std::string_view v, Step& s) { return Store(ParseInt(v), s.seats); }},
      {"token", [](const Step& s) { return std::string(Name(s.token)); },
       [](std::string_view v, Step& s) {
         return Store(ParseEnum<TokenHeader>(kTokenNames, v), s.token);
       }},
      {"command", [](const Step& s) { return EscapeBytes(s.command); },
       [](std::string_view v, Step& s) { return Store(UnescapeBytes(v), s.command); }},
      {"text", [](const Step& s) { return EscapeBytes(s.text); },
       [](std::string_view v, Step& s) { return Store(UnescapeBytes(v), s.text); }},
      {"extra", [](const Step& s) { return EscapeBytes(s.extra); },
       [](std::string_view v, Step& s) { return Store(UnescapeBytes(v), s.extra); }},
      {"corruption", [](const Step& s) { return std::string(Name(s.corruption)); },
       [](std::string_view v, Step& s) {
         return Store(ParseEnum<Corruption>(kCorruptionNames, v), s.corruption);
       }},
      {"oddity", [](const Step& s) { return std::string(Name(s.oddity)); },
       [](std::string_view v, Step& s) {
         return Store(ParseEnum<Oddity>(kOddityNames, v), s.oddity);
       }},
      {"number", [](const Step& s) { return std::to_string(s.number); },
       [](std::string_view v, Step& s) { return Store(ParseInt(v), s.number); }},
      {"live", [](const Step& s) { return std::string(s.live ? "1" : "0"); },
       [](std::string_view v, Step& s) { return Store(ParseFlag(v), s.live); }},
      {"enc", [](const Step& s) { return EncodingText(s.encoding); },
       [](std::string_view v, Step& s) { return Store(ParseEncoding(v), s.encoding); }},
      {"split", [](const Step& s) { return SplitsText(s.splits); },
       [](std::string_view v, Step& s) { return Store(ParseSplits(v), s.splits); }},
      {"pause", [](const Step& s) { return std::string(s.pause ? "1" : "0"); },
       [](std::string_view v, Step& s) { return Store(ParseFlag(v), s.pause); }},
  };
  return fields;
}

const Field* FindField(std::string_view name) {
  for (const Field& f : Fields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace

std::string_view Name(Op op) { return NameIn(kOpNames, op); }
std::string_view Name(HelloMode mode) { return NameIn(kModeNames, mode); }
std::string_view Name(Script script) { return NameIn(kScriptNames, script); }
std::string_view Name(TokenHeader token) { return NameIn(kTokenNames, token); }
std::string_view Name(Corruption corruption) { return NameIn(kCorruptionNames, corruption); }
std::string_view Name(Oddity oddity) { return NameIn(kOddityNames, oddity); }

Step MakeStep(Op op, int client) {
  Step s;
  s.op = op;
  s.client = client;
  return s;
}

std::string Payload(const Step& step) {
  static constexpr std::string_view kFiller = "0123456789abcdefghijklmnopqrstuvwxyz-";
  std::string payload = step.text;
  payload.reserve(step.text.size() + static_cast<size_t>(std::max(0, step.number)));
  for (int i = 0; i < step.number; ++i) payload += kFiller[static_cast<size_t>(i) % kFiller.size()];
  return payload;
}

std::string ToLine(const Step& step) {
  static const Step defaults;
  std::string line;
  for (const Field& field : Fields()) {
    const std::string value = field.write(step);
    const bool always = field.name == "op" || field.name == "client";
    if (!always && value == field.write(defaults)) continue;
    if (!line.empty()) line += ' ';
    line.append(field.name).append("=").append(value);
  }
  return line;
}

Result<Step> ParseStep(std::string_view line) {
  Step step;
  while (!line.empty()) {
    const size_t space = line.find(' ');
    const std::string_view item = line.substr(0, space);
    line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const Field* field = eq == std::string_view::npos ? nullptr : FindField(item.substr(0, eq));
    if (field == nullptr || !field->read(item.substr(eq + 1), step)) {
      return Status::Error("bad_step", "bad field '" + std::string(item) + "'");
    }
  }
  return step;
}

std::string Describe(const Step& s) {
  if (s.op == Op::kKill) return "kill -9 after " + std::to_string(s.number) + " ms";
  if (s.op == Op::kRestart || s.op == Op::kWait) return std::string(Name(s.op));
  std::string out = "c" + std::to_string(s.client) + " " + std::string(Name(s.op));
  switch (s.op) {
    case Op::kHello:
      out += " " + std::string(Name(s.mode));
      if (s.mode == HelloMode::kJoin || s.mode == HelloMode::kGameAndTable)
        out += " table#" + std::to_string(s.target);
      if (s.mode == HelloMode::kResume) out += " player#" + std::to_string(s.target);
      if (s.mode == HelloMode::kGame || s.mode == HelloMode::kGameAndTable) out += " " + s.game;
      return out;
    case Op::kDefine:
      return out + " " + std::string(Name(s.script)) + " seats=" + std::to_string(s.seats);
    case Op::kGame:
      return out + " " + ReadableBytes(s.command) + " \"" + ReadableBytes(s.text.substr(0, 60)) +
             (s.text.size() > 60 ? "...\"" : "\"") +
             (s.number > 0 ? " + " + std::to_string(s.number) + " bytes" : "");
    case Op::kPing:
      return s.number > 0 ? out + " of " + std::to_string(Payload(s).size()) + " bytes" : out;
    case Op::kUpload:
      return out + " " + s.game + (s.live ? " live" : "");
    case Op::kCorrupt:
      return out + " " + std::string(Name(s.corruption));
    case Op::kOdd:
      return out + " " + std::string(Name(s.oddity));
    default:
      return out;
  }
}

}  // namespace ggs::props
