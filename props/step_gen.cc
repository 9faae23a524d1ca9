// StepGen: one generator per kind of step, chosen by weights that depend on the model.
#include "props/step_gen.h"

#include <algorithm>
#include <string>
#include <vector>

namespace ggs::props {
namespace {

using rc::Gen;
namespace gen = rc::gen;

// Printable ASCII that shrinks toward 'a'.
Gen<char> Printable() {
  static const std::string alphabet =
      "abcdefghijklmnopqrstuvwxyz0123456789 "
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  return gen::map(gen::inRange<size_t>(0, alphabet.size()), [](size_t i) { return alphabet[i]; });
}

Gen<char> AnyByte() {
  return gen::weightedOneOf<char>({{6, Printable()}, {4, gen::map(gen::inRange(0, 256), [](int b) {
                                                        return static_cast<char>(b);
                                                      })}});
}

// `chars` with the bytes of `banned` replaced by 'x'.
Gen<char> Without(Gen<char> chars, std::string banned) {
  return gen::map(std::move(chars),
                  [banned](char c) { return banned.find(c) == std::string::npos ? c : 'x'; });
}

Gen<std::string> Bytes(int min, int max, Gen<char> chars) {
  return gen::mapcat(gen::inRange(min, max + 1), [chars](int n) {
    return gen::container<std::string>(static_cast<size_t>(n), chars);
  });
}

Gen<std::string> Words(int min, int max) { return Bytes(min, max, Without(Printable(), " :")); }

std::vector<int> OpenClients(const Model& m, int with_player) {
  std::vector<int> out;
  for (int c = 0; c < static_cast<int>(m.clients.size()); ++c) {
    const ClientModel& client = m.clients[c];
    if (!client.open) continue;
    if (with_player < 0 || (client.player >= 0) == (with_player == 1)) out.push_back(c);
  }
  return out;
}

// An element of `preferred` most of the time (when there is one), else of `all`.
Gen<int> Prefer(const std::vector<int>& preferred, const std::vector<int>& all) {
  if (preferred.empty()) return gen::elementOf(all);
  return gen::weightedOneOf<int>({{4, gen::elementOf(preferred)}, {1, gen::elementOf(all)}});
}

std::vector<int> Indexes(size_t n) {
  std::vector<int> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int>(i);
  return out;
}

std::vector<int> LiveTables(const Model& m) {
  std::vector<int> out;
  for (size_t i = 0; i < m.tables.size(); ++i) {
    if (!m.tables[i].ended) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::vector<int> ResumablePlayers(const Model& m) {
  std::vector<int> out;
  for (size_t i = 0; i < m.players.size(); ++i) {
    if (!m.players[i].gone && m.players[i].client < 0) out.push_back(static_cast<int>(i));
  }
  return out;
}

// Cuts and pauses: most writes go out whole.
void AddWriteShape(Step& s) {
  s.splits = *gen::weightedOneOf<std::vector<int>>(
      {{6, gen::just(std::vector<int>())}, {4, gen::mapcat(gen::inRange(0, 5), [](int n) {
                                              return gen::container<std::vector<int>>(
                                                  static_cast<size_t>(n), gen::inRange(1, 1000));
                                            })}});
  s.pause = !s.splits.empty() && *gen::weightedElement<bool>({{4, false}, {1, true}});
}

Step Base(Op op, int client) {
  Step s;
  s.op = op;
  s.client = client;
  return s;
}

Gen<Step> GenConnect(const Model& m) {
  std::vector<int> closed;
  for (int c = 0; c < static_cast<int>(m.clients.size()); ++c) {
    if (!m.clients[c].open) closed.push_back(c);
  }
  return gen::map(gen::elementOf(closed), [](int c) { return Base(Op::kConnect, c); });
}

// Filler bytes after a payload's `text` of `used` bytes (Payload() in props/step.h): mostly
// none; else sizes around one read of the server (64 KiB), up to --max-payload exactly.
Gen<int> GenFiller(const Model& m, size_t used) {
  const int room = static_cast<int>(std::min<size_t>(m.config.limits.max_payload - used, 1 << 24));
  if (room <= 0) return gen::just(0);
  auto fit = [room](int n) { return std::clamp(n, 0, room); };
  return gen::weightedOneOf<int>({{24, gen::just(0)},
                                  {1, gen::map(gen::element(65535, 65536, 65537, 1 << 17), fit)},
                                  {1, gen::just(room)},
                                  {1, gen::inRange(1, room + 1)}});
}

Gen<Step> GenSimple(const Model& m, Op op) {
  return gen::exec([m, op] {
    Step s = Base(op, *gen::elementOf(OpenClients(m, -1)));
    if (op != Op::kDisconnect) {
      s.encoding = *GenEncoding();
      AddWriteShape(s);
    }
    if (op == Op::kPing) {
      s.text = *Bytes(0, 24, AnyByte());
      s.number = *GenFiller(m, s.text.size());
    }
    return s;
  });
}

Gen<std::string> GenGameName() {
  return gen::weightedOneOf<std::string>(
      {{3, gen::just<std::string>("chat")},
       {5, gen::just<std::string>("pong")},
       {4, gen::just<std::string>("tictactoe")},
       {1, gen::element<std::string>("nosuchgame", "CHAT", "", "pong2")}});
}

Gen<Step> GenHello(const Model& m) {
  return gen::exec([m] {
    Step s = Base(Op::kHello, *Prefer(OpenClients(m, 0), OpenClients(m, -1)));
    const std::vector<int> live = LiveTables(m), resumable = ResumablePlayers(m);
    const size_t tables = m.tables.empty() ? 0 : 1, players = m.players.empty() ? 0 : 1;
    s.mode = *gen::weightedElement<HelloMode>({{3, HelloMode::kNew},
                                               {3 * tables, HelloMode::kJoin},
                                               {8, HelloMode::kGame},
                                               {5 * players, HelloMode::kResume},
                                               {1, HelloMode::kUnknownTable},
                                               {1, HelloMode::kUnknownToken},
                                               {tables, HelloMode::kGameAndTable}});
    if (s.mode == HelloMode::kJoin || s.mode == HelloMode::kGameAndTable)
      s.target = *Prefer(live, Indexes(m.tables.size()));
    if (s.mode == HelloMode::kResume) s.target = *Prefer(resumable, Indexes(m.players.size()));
    if (s.mode == HelloMode::kGame || s.mode == HelloMode::kGameAndTable) s.game = *GenGameName();
    if (s.mode == HelloMode::kUnknownTable) {
      s.text = *gen::weightedOneOf<std::string>(
          {{1, gen::just<std::string>("00000000-0000-4000-8000-000000000000")}, {2, Words(1, 40)}});
    }
    if (s.mode == HelloMode::kUnknownToken) {
      s.text =
          *gen::element<std::string>("00000000-0000-4000-8000-000000000000", "", "not-a-token");
    }
    s.encoding = *GenEncoding();
    AddWriteShape(s);
    return s;
  });
}

// Clients whose player created an ad hoc table that still awaits its game.
std::vector<int> Definers(const Model& m) {
  std::vector<int> out;
  for (const int c : OpenClients(m, 1)) {
    const int p = m.clients[c].player;
    const TableModel& t = m.tables[m.players[p].table];
    if (t.game == GameKind::kNone && t.creator == p) out.push_back(c);
  }
  return out;
}

Gen<Step> GenDefine(const Model& m) {
  return gen::exec([m] {
    Step s = Base(Op::kDefine, *Prefer(Definers(m), OpenClients(m, -1)));
    s.script = *gen::weightedElement<Script>({{5, Script::kChat},
                                              {3, Script::kEcho},
                                              {2, Script::kHostile},
                                              {1, Script::kSyntaxError},
                                              {1, Script::kNoPlayerCommand},
                                              {1, Script::kThrowsOnLoad},
                                              {1, Script::kEmpty}});
    s.seats = *gen::weightedElement<int>({{3, 64}, {1, 1}, {2, 2}, {2, 3}});
    s.encoding = *GenEncoding();
    AddWriteShape(s);
    return s;
  });
}

// ---- Game commands, by the game at the client's table.

GameKind GameAt(const Model& m, int client) {
  const int p = m.clients[client].player;
  return p < 0 ? GameKind::kNone : m.tables[m.players[p].table].game;
}

// Nicks another seated player at the client's table goes by.
std::vector<std::string> NicksAround(const Model& m, int client) {
  std::vector<std::string> out;
  const int p = m.clients[client].player;
  if (p < 0) return out;
  const TableModel& t = m.tables[m.players[p].table];
  for (const int other : t.seated) out.push_back(NickOf(t.state, m.players[other].id));
  return out;
}

Gen<std::string> GenNick(const Model& m, int client) {
  const std::vector<std::string> around = NicksAround(m, client);
  const int p = m.clients[client].player;
  const std::string own = "guest" + std::to_string(p >= 0 ? m.players[p].id : 1);
  return gen::weightedOneOf<std::string>(
      {{6, Words(1, 24)},
       {around.empty() ? 0u : 3u,
        gen::elementOf(around.empty() ? std::vector<std::string>{""} : around)},
       {1, gen::just(own)},
       {1, gen::element<std::string>("guest1", "guest2", "guest77", "guest", "Guest3")},
       {1, gen::element<std::string>("", std::string(25, 'n'), std::string(24, 'n'))},
       {1, gen::element<std::string>("tab\there", "bell\x07", "del\x7f", "nel\xc2\x85")},
       {1, gen::element<std::string>("caf\xc3\xa9", "\xe5\x90\x8d\xe5\x89\x8d",
                                     "\xf0\x9f\x8e\xb2 dice")}});
}

Gen<std::string> GenMessage() {
  return gen::weightedOneOf<std::string>(
      {{8, Bytes(1, 40, Printable())},
       {1, gen::element<std::string>("", std::string(4096, 'm'), std::string(4097, 'm'))},
       {1, gen::element<std::string>("caf\xc3\xa9 \xe2\x98\x95", "line\nbreak", "tab\tand\rcr")}});
}

Gen<std::pair<std::string, std::string>> GenChatCommand(const Model& m, int client) {
  using Pair = std::pair<std::string, std::string>;
  return gen::weightedOneOf<Pair>(
      {{4, gen::map(GenNick(m, client), [](std::string n) { return Pair("nick", n); })},
       {5, gen::map(GenMessage(), [](std::string t) { return Pair("message", t); })},
       {1, gen::map(gen::element<std::string>("dance", "Nick", "toString", "constructor", ""),
                    [](std::string c) { return Pair(c, "x"); })}});
}

Gen<std::pair<std::string, std::string>> GenPongCommand() {
  using Pair = std::pair<std::string, std::string>;
  return gen::weightedOneOf<Pair>(
      {{5, gen::map(gen::element<std::string>("50", "-3", "17.5", ".5", "5.", " 42 ", "0", "1000",
                                              "abc", "", "1e3", "--1", "NaN", "4 2", "0x10"),
                    [](std::string y) { return Pair("move", y); })},
       {1, gen::map(gen::element<std::string>("serve", "Move", "start"),
                    [](std::string c) { return Pair(c, ""); })}});
}

// Mostly moves to free cells of the client's board (legal when it is the mover's turn).
Gen<std::pair<std::string, std::string>> GenTicTacToeCommand(const Model& m, int client) {
  using Pair = std::pair<std::string, std::string>;
  std::vector<std::string> free;
  const int p = m.clients[client].player;
  const std::string& board = m.tables[m.players[p].table].state.board;
  for (size_t i = 0; i < board.size(); ++i) {
    if (board[i] == '.') free.push_back(std::to_string(i));
  }
  if (free.empty()) free.push_back("4");
  return gen::weightedOneOf<Pair>(
      {{8, gen::map(gen::elementOf(free), [](std::string cell) { return Pair("move", cell); })},
       {2, gen::map(gen::element<std::string>("0", "4", "8", "9", "", "a", "10", " 4", "4\n", "-1"),
                    [](std::string cell) { return Pair("move", cell); })},
       {1, gen::map(gen::element<std::string>("Move", "mark", "start"),
                    [](std::string c) { return Pair(c, "4"); })}});
}

Gen<std::pair<std::string, std::string>> GenEchoCommand() {
  return gen::apply([](std::string c, std::string a) { return std::make_pair(c, a); },
                    gen::weightedElement<std::string>({{4, "echo"}, {2, "say"}, {1, "boom"}}),
                    Bytes(0, 32, AnyByte()));
}

// `name` with every byte written as %XX, or only the bytes a URL would escape.
std::string PercentEncoded(const std::string& name, bool all) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!all && u > ' ' && u < 0x7f && c != '%') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// Names a game might send: fine ones, and every way to break out of a header line.
Gen<std::string> GenHostileName() {
  return gen::weightedOneOf<std::string>(
      {{3, Words(1, 64)},
       {1, gen::just(std::string(64, 'n'))},
       {6, gen::element<std::string>("x\r\nClient-Command: error\r\nError-Code: resumed", "a\nb",
                                     "a\rb", std::string("a\0b", 3), std::string(1, '\0'), "a:b",
                                     "Error-Code:", "a b", " a", "a\t", "", std::string(65, 'n'),
                                     std::string(200, 'n'), "caf\xc3\xa9", "\x7f",
                                     "ok\n\nClient-Command: hello\nContent-Length: 3\n\nabc")}});
}

Gen<std::pair<std::string, std::string>> GenHostileCommand() {
  return gen::apply(
      [](std::string command, std::string name, bool all, int malformed) {
        std::string args = PercentEncoded(name, all);
        // A '%' without two hex digits after it: the script throws before it sends.
        if (malformed == 1) args += "%G0";
        if (malformed == 2) args += "%4";
        return std::make_pair(command, args);
      },
      gen::element<std::string>("to", "all", "both"), GenHostileName(), gen::arbitrary<bool>(),
      gen::weightedElement<int>({{8, 0}, {1, 1}, {1, 2}}));
}

Gen<std::pair<std::string, std::string>> GenAnyCommand() {
  return gen::apply([](std::string c, std::string a) { return std::make_pair(c, a); },
                    gen::element<std::string>("nick", "message", "move", "echo"), Words(0, 12));
}

Gen<Step> GenGame(const Model& m) {
  return gen::exec([m] {
    Step s = Base(Op::kGame, *Prefer(OpenClients(m, 1), OpenClients(m, -1)));
    std::pair<std::string, std::string> command;
    switch (GameAt(m, s.client)) {
      case GameKind::kChat:
        command = *GenChatCommand(m, s.client);
        break;
      case GameKind::kPong:
        command = *GenPongCommand();
        break;
      case GameKind::kEcho:
        command = *GenEchoCommand();
        break;
      case GameKind::kHostile:
        command = *GenHostileCommand();
        break;
      case GameKind::kTicTacToe:
        command = *GenTicTacToeCommand(m, s.client);
        break;
      case GameKind::kNone:
        command = *GenAnyCommand();
        break;
    }
    s.command = command.first;
    s.text = command.second;
    s.number = *GenFiller(m, s.text.size());
    const size_t players = m.players.empty() ? 0 : 1;
    s.token = *gen::weightedElement<TokenHeader>({{20, TokenHeader::kNone},
                                                  {2, TokenHeader::kOwn},
                                                  {players, TokenHeader::kPlayer},
                                                  {1, TokenHeader::kUnknown}});
    if (s.token == TokenHeader::kPlayer) s.target = *gen::elementOf(Indexes(m.players.size()));
    if (s.token == TokenHeader::kUnknown) s.extra = "ffffffff-ffff-4fff-bfff-ffffffffffff";
    s.encoding = *GenEncoding();
    AddWriteShape(s);
    return s;
  });
}

// ---- Corruptions.

void GenCorruptionParameters(Step& s, const Model& m) {
  switch (s.corruption) {
    case Corruption::kNoColon:
      s.text = *Bytes(1, 60, Without(AnyByte(), ":\n\r"));
      break;
    case Corruption::kBadName:
      s.text =
          *gen::element<std::string>(" ", "(", "@", ",", ";", "\"", "/", "[", "?", "=", "{", "\t",
                                     "\x01", "\x7f", "\x80", "\xff", std::string(1, '\0'));
      break;
    case Corruption::kLeadingColon:
      s.text = *Bytes(0, 30, Printable());
      break;
    case Corruption::kControlInValue:
      s.text = *gen::element<std::string>(std::string(1, '\0'), "\x01", "\x08", "\x0b", "\x0c",
                                          "\r", "\x1b", "\x1f", "\x7f");
      break;
    case Corruption::kBadLength:
      s.text = *gen::element<std::string>("abc", "12abc", "", "+5", "0x10", "1 2", "5.0", "-5",
                                          "-0", "99999999999999999999", "\xd9\xa1", " ", "1_000");
      break;
    case Corruption::kOversizeLength:
      s.number = *gen::inRange(0, 100000);
      break;
    case Corruption::kShortLength:
      s.text = *Bytes(0, 24, AnyByte());
      s.extra = *Bytes(1, 24, Without(AnyByte(), ":\n\r"));
      break;
    case Corruption::kTruncatedPayload: {
      s.text = *Bytes(0, 24, AnyByte());
      // The declared length stays within --max-payload: past it the header alone is refused
      // (payload_too_large), which is kOversizeLength's case, not a truncation.
      const size_t room = m.config.limits.max_payload - s.text.size();
      s.number = *gen::inRange(1, static_cast<int>(std::min<size_t>(100, room)) + 1);
      break;
    }
    case Corruption::kUnendedBadByte:
      s.text = *gen::element<std::string>(std::string(1, '\0'), "\x01", "\x08", "\x0b", "\x1b",
                                          "\x1f", "\x7f");
      break;
    case Corruption::kUnendedJunkLine:
    case Corruption::kBinaryJunk: {
      const int most = static_cast<int>(std::min<size_t>(120, m.config.limits.max_header - 3));
      s.text = *Bytes(1, most, Without(AnyByte(), ":\n"));
      break;
    }
    case Corruption::kLeadingBlankLine:
      s.number = *gen::inRange(0, 2);
      break;
    case Corruption::kOversizeHeader:
      s.number = *gen::inRange(1, 200);
      break;
    case Corruption::kDuplicateLength:
    case Corruption::kMissingBlankLine:
      break;
  }
}

Gen<Step> GenOdd(const Model& m) {
  return gen::exec([m] {
    Step s = Base(Op::kOdd, *gen::elementOf(OpenClients(m, -1)));
    s.oddity = *gen::element(Oddity::kUnknownCommand, Oddity::kBothCommands, Oddity::kNoCommand,
                             Oddity::kUpload);
    if (s.oddity == Oddity::kUnknownCommand) {
      s.text = *gen::element<std::string>("dance", "PING", "Hello", "", "hello2", "defined");
    }
    if (s.oddity == Oddity::kUpload) s.number = *gen::inRange(0, 2);
    s.encoding = *GenEncoding();
    AddWriteShape(s);
    return s;
  });
}

// Games whose shipped source fits the server's --max-payload.
std::vector<std::string> Uploadable(const Model& m) {
  std::vector<std::string> out;
  for (const UploadableGame& g : kUploadableGames) {
    if (g.max_source <= m.config.limits.max_payload) out.push_back(g.name);
  }
  return out;
}

Gen<Step> GenUpload(const Model& m) {
  return gen::exec([m] {
    Step s = Base(Op::kUpload, *gen::elementOf(OpenClients(m, -1)));
    s.game = *gen::elementOf(Uploadable(m));
    s.live = *gen::arbitrary<bool>();
    s.encoding = *GenEncoding();
    AddWriteShape(s);
    return s;
  });
}

size_t If(bool condition, size_t weight) { return condition ? weight : 0; }

}  // namespace

Gen<Encoding> GenEncoding() {
  return gen::weightedOneOf<Encoding>(
      {{3, gen::just(Encoding())}, {2, gen::exec([] {
                                      Encoding e;
                                      e.crlf = *gen::arbitrary<bool>();
                                      e.name_case = *gen::inRange(0, 4);
                                      e.padding = *gen::inRange(0, 3);
                                      e.extra_header = *gen::arbitrary<bool>();
                                      e.length_first = *gen::arbitrary<bool>();
                                      e.length_zeros = *gen::inRange(0, 4);
                                      e.omit_empty_length = *gen::arbitrary<bool>();
                                      return e;
                                    })}});
}

Gen<Step> GenCorruptStep(const Model& m, int client) {
  return gen::exec([m, client] {
    Step s = Base(Op::kCorrupt, client);
    s.corruption = static_cast<Corruption>(
        *gen::inRange(0, static_cast<int>(Corruption::kUnendedBadByte) + 1));
    GenCorruptionParameters(s, m);
    AddWriteShape(s);
    return s;
  });
}

// True when a pong table's clock runs, so that time scores points.
bool AnyClock(const Model& m) {
  return std::any_of(m.tables.begin(), m.tables.end(), [](const TableModel& t) {
    return !t.ended && t.game == GameKind::kPong && t.state.clock;
  });
}

Gen<Step> GenStep(const Model& m) {
  const std::vector<int> open = OpenClients(m, -1);
  const bool any_open = !open.empty();
  const bool any_closed = open.size() < m.clients.size();
  const bool unseated = !OpenClients(m, 0).empty();
  const bool seated = !OpenClients(m, 1).empty();
  return gen::weightedOneOf<Step>(
      {{If(any_closed, open.size() < 3 ? 8 : 3), GenConnect(m)},
       {If(any_open, 2), GenSimple(m, Op::kDisconnect)},
       {If(any_open, unseated ? 10 : 2), GenHello(m)},
       {If(any_open, Definers(m).empty() ? 1 : 6), GenDefine(m)},
       {If(any_open, seated ? 16 : 1), GenGame(m)},
       {If(any_open, 1), GenSimple(m, Op::kPing)},
       {If(any_open, seated ? 4 : 1), GenSimple(m, Op::kBye)},
       {If(any_open, 2), gen::mapcat(gen::elementOf(any_open ? open : std::vector<int>{0}),
                                     [m](int c) { return GenCorruptStep(m, c); })},
       {If(any_open, 1), GenOdd(m)},
       {If(any_open && m.config.uploads && !Uploadable(m).empty(), 2), GenUpload(m)},
       // A wait is slow too, and tells something only when a player's grace runs out.
       {If(m.config.grace_ms > 0 && !ResumablePlayers(m).empty(), 2),
        gen::just(Base(Op::kWait, 0))},
       // A restart is slow and tells something only when there is state to restore.
       {If(m.config.restarts && !m.players.empty(), 2), gen::just(Base(Op::kRestart, 0))},
       // A kill right after a step may lose it; one after a pause keeps everything, and
       // one after a longer pause lets a running pong clock score.
       {If(m.config.kills && m.config.restarts && !m.players.empty(), 2),
        gen::map(gen::weightedElement<int>(
                     {{4, 0}, {2, 5}, {2, 40}, {1, 400}, {If(AnyClock(m), 1), 1500}}),
                 [](int ms) {
                   Step s = Base(Op::kKill, 0);
                   s.number = ms;
                   return s;
                 })}});
}

}  // namespace ggs::props
