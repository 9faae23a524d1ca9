// Render: requests, their spellings, the corruption grammar, and cut points.
#include "props/render.h"

#include <algorithm>
#include <cctype>

namespace ggs::props {
namespace {

constexpr char kPing[] = "Server-Command: ping\n";

constexpr char kEchoScript[] = R"JS(
function playerCommand(id, command, args) {
  if (command === 'boom') throw new Error('boom: ' + args);
  GGS.sendCommand(id, command, args);
}
)JS";

// The hostile game: every command name its payload spells is sent, whatever its bytes, so
// the server's check of a game's command names is all that stands between it and the
// players' streams. `%XX` is the character with hex code XX; any other '%' throws.
constexpr char kHostileScript[] = R"JS(
var seats = 64;
function nameOf(args) {
  // Only the match itself is read: MuJS passes no argument for a group that did not take part.
  return args.replace(/%[0-9a-fA-F]{2}|%/g, function (escape) {
    if (escape.length !== 3) throw new URIError('a % without two hex digits');
    return String.fromCharCode(parseInt(escape.substring(1), 16));
  });
}
function playerCommand(id, command, args) {
  var name = nameOf(args);
  if (command === 'both') GGS.sendCommandToAll('ok', '');
  if (command === 'all') {
    GGS.sendCommandToAll(name, args);
  } else {
    GGS.sendCommand(id, name, args);
  }
}
)JS";

// Replaces the number in the source's `var seats = N;` line.
std::string WithSeats(std::string source, int seats) {
  const std::string declaration = "var seats = ";
  const size_t at = source.find(declaration);
  if (at == std::string::npos) return "var seats = " + std::to_string(seats) + ";\n" + source;
  const size_t number = at + declaration.size();
  const size_t end = source.find(';', number);
  return source.replace(number, end - number, std::to_string(seats));
}

std::string Cased(std::string name, int name_case) {
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool upper = name_case == 2 || (name_case == 3 && i % 2 == 1);
    if (name_case == 1 || name_case == 3) name[i] = static_cast<char>(std::tolower(c));
    if (upper) name[i] = static_cast<char>(std::toupper(c));
  }
  return name;
}

std::string Padded(const std::string& value, int padding) {
  if (padding == 1) return "  " + value + "  ";
  if (padding == 2) return "\t" + value + "\t";
  return " " + value;
}

Request HelloRequest(const Step& s, const RenderContext& c) {
  Request r{{{header::kServerCommand, command::kHello}}, ""};
  if (s.mode == HelloMode::kGame || s.mode == HelloMode::kGameAndTable)
    r.headers.emplace_back(header::kGame, s.game);
  if (s.mode == HelloMode::kResume)
    r.headers.emplace_back(header::kToken, c.player_token(s.target));
  if (s.mode == HelloMode::kUnknownToken) r.headers.emplace_back(header::kToken, s.text);
  if (s.mode == HelloMode::kJoin || s.mode == HelloMode::kGameAndTable)
    r.payload = c.table_token(s.target);
  if (s.mode == HelloMode::kUnknownTable) r.payload = s.text;
  return r;
}

Request GameRequest(const Step& s, const RenderContext& c) {
  Request r{{{header::kGameCommand, s.command}}, Payload(s)};
  if (s.token == TokenHeader::kOwn)
    r.headers.emplace_back(header::kToken, c.client_token(s.client));
  if (s.token == TokenHeader::kPlayer)
    r.headers.emplace_back(header::kToken, c.player_token(s.target));
  if (s.token == TokenHeader::kUnknown) r.headers.emplace_back(header::kToken, s.extra);
  return r;
}

Request UploadRequest(const Step& s, const RenderContext& c) {
  const auto source = c.game_sources.find(s.game);
  Request r{{{header::kServerCommand, command::kUpload},
             {header::kGame, s.game},
             {header::kAdminToken, c.admin_token}},
            source == c.game_sources.end() ? "" : source->second};
  if (s.live) r.headers.emplace_back(header::kLive, "true");
  return r;
}

Request OddRequest(const Step& s) {
  switch (s.oddity) {
    case Oddity::kUnknownCommand:
      return {{{header::kServerCommand, s.text}}, ""};
    case Oddity::kBothCommands:
      return {{{header::kServerCommand, command::kPing}, {header::kGameCommand, "move"}}, ""};
    case Oddity::kNoCommand:
      return {{{"X-Fuzz-Only", "1"}}, s.text};
    case Oddity::kUpload: {
      Request r{{{header::kServerCommand, command::kUpload}}, kEchoScript};
      if (s.number != 0) r.headers.emplace_back(header::kGame, "fuzz_upload");
      r.headers.emplace_back(header::kAdminToken, "not-the-admin-token");
      return r;
    }
  }
  return {};
}

std::string CorruptBytes(const Step& s, const RenderContext& c) {
  const std::string ping = kPing;
  switch (s.corruption) {
    case Corruption::kNoColon:
      return ping + s.text + "\n\n";
    case Corruption::kBadName:
      return "Server" + s.text + "Command: ping\n\n";
    case Corruption::kLeadingColon:
      return ping + ":" + s.text + "\n\n";
    case Corruption::kControlInValue:
      return "Server-Command: pi" + s.text + "ng\n\n";
    case Corruption::kBadLength:
      return ping + "Content-Length: " + s.text + "\n\n";
    case Corruption::kDuplicateLength:
      return ping + "Content-Length: 0\nContent-Length: 0\n\n";
    case Corruption::kOversizeLength: {
      const std::string length =
          s.number <= 0 ? "9999999999999999999" : std::to_string(c.limits.max_payload + s.number);
      return ping + "Content-Length: " + length + "\n\n";
    }
    case Corruption::kShortLength:
      return ping + "Content-Length: " + std::to_string(s.text.size()) + "\n\n" + s.text + s.extra +
             "\n\n";
    case Corruption::kTruncatedPayload:
      return ping + "Content-Length: " + std::to_string(s.text.size() + s.number) + "\n\n" + s.text;
    case Corruption::kBinaryJunk:
      return s.text + "\n\n";
    case Corruption::kLeadingBlankLine:
      return (s.number == 1 ? "\r\n" : "\n") + ping + "Content-Length: 0\n\n";
    case Corruption::kMissingBlankLine:
      return ping + "Content-Length: 3\n" + ping + "Content-Length: 3\n\nabc";
    case Corruption::kOversizeHeader:
      return ping + "X-Pad: " + std::string(c.limits.max_header + s.number, 'a') + "\n\n";
    case Corruption::kUnendedJunkLine:
      return s.text + "\n";
    case Corruption::kUnendedBadByte:
      return "Server-Command: pi" + s.text;
  }
  return "";
}

}  // namespace

std::string ScriptSource(Script script, int seats, const std::string& chat_source) {
  switch (script) {
    case Script::kChat:
      return WithSeats(chat_source, seats);
    case Script::kEcho:
      return WithSeats(kEchoScript, seats);
    case Script::kSyntaxError:
      return "function playerCommand(id, command, args) {\n";
    case Script::kNoPlayerCommand:
      return "var seats = 2;\nfunction playerJoined(id) {}\n";
    case Script::kThrowsOnLoad:
      return "function playerCommand() {}\nthrow new Error('load failed');\n";
    case Script::kEmpty:
      return "";
    case Script::kHostile:
      return WithSeats(kHostileScript, seats);
  }
  return "";
}

std::string EncodeRequest(const Request& request, const Encoding& e) {
  std::vector<std::pair<std::string, std::string>> lines = request.headers;
  if (e.extra_header) lines.emplace_back("X-Fuzz", "ignored");
  if (!e.omit_empty_length || !request.payload.empty()) {
    std::pair<std::string, std::string> length{
        header::kContentLength, std::string(static_cast<size_t>(std::max(0, e.length_zeros)), '0') +
                                    std::to_string(request.payload.size())};
    lines.insert(e.length_first ? lines.begin() : lines.end(), std::move(length));
  }
  const std::string eol = e.crlf ? "\r\n" : "\n";
  std::string out;
  for (const auto& [name, value] : lines) {
    out += Cased(name, e.name_case) + ":" + Padded(value, e.padding) + eol;
  }
  return out + eol + request.payload;
}

std::string Render(const Step& s, const RenderContext& c) {
  switch (s.op) {
    case Op::kConnect:
    case Op::kDisconnect:
    case Op::kRestart:
    case Op::kWait:
    case Op::kKill:
      return "";
    case Op::kHello:
      return EncodeRequest(HelloRequest(s, c), s.encoding);
    case Op::kDefine:
      return EncodeRequest({{{header::kServerCommand, command::kDefine}},
                            ScriptSource(s.script, s.seats, c.chat_source)},
                           s.encoding);
    case Op::kGame:
      return EncodeRequest(GameRequest(s, c), s.encoding);
    case Op::kPing:
      return EncodeRequest({{{header::kServerCommand, command::kPing}}, Payload(s)}, s.encoding);
    case Op::kUpload:
      return EncodeRequest(UploadRequest(s, c), s.encoding);
    case Op::kBye:
      return EncodeRequest({{{header::kServerCommand, command::kBye}}, ""}, s.encoding);
    case Op::kOdd:
      return EncodeRequest(OddRequest(s), s.encoding);
    case Op::kCorrupt:
      return CorruptBytes(s, c);
  }
  return "";
}

std::vector<std::string> Cut(const std::string& bytes, const std::vector<int>& splits) {
  std::vector<size_t> cuts;
  for (const int s : splits) {
    const size_t at = bytes.size() * static_cast<size_t>(std::clamp(s, 0, 1000)) / 1000;
    if (at > 0 && at < bytes.size()) cuts.push_back(at);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<std::string> pieces;
  size_t from = 0;
  for (const size_t at : cuts) {
    pieces.push_back(bytes.substr(from, at - from));
    from = at;
  }
  pieces.push_back(bytes.substr(from));
  return pieces;
}

}  // namespace ggs::props
