// GameModels: chat, pong, tictactoe, echo and the hostile script as the fuzzer expects them
// to behave.
#include "props/game_models.h"

#include <algorithm>
#include <regex>

namespace ggs::props {
namespace {

constexpr size_t kMaxNick = 24;
constexpr size_t kMaxMessage = 4096;

// Decodes UTF-8 into code points; a byte that starts no valid sequence counts as itself.
std::vector<char32_t> Decode(std::string_view text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80    ? 1
                          : lead >= 0xf0 ? 4
                          : lead >= 0xe0 ? 3
                          : lead >= 0xc0 ? 2
                                         : 1;
    char32_t c = length == 1 ? lead : lead & (0x3f >> (length - 1));
    size_t n = 1;
    while (n < length && i + n < text.size() &&
           (static_cast<unsigned char>(text[i + n]) & 0xc0) == 0x80) {
      c = (c << 6) | (static_cast<unsigned char>(text[i + n]) & 0x3f);
      ++n;
    }
    out.push_back(n == length ? c : lead);
    i += n == length ? length : 1;
  }
  return out;
}

bool IsControl(char32_t c) { return c <= 0x1f || (c >= 0x7f && c <= 0x9f); }

bool IsGuestNick(std::string_view nick) {
  static const std::regex guest("^guest[0-9]+$");
  return std::regex_match(nick.begin(), nick.end(), guest);
}

GameResult Invalid(int id, std::string reason) {
  return {false, {{id, "invalid", std::move(reason)}}};
}

GameResult ChatCommand(GameState& state, const std::vector<int>& seated, int id,
                       std::string_view command, std::string_view args) {
  if (command == "nick") {
    const std::string problem = NickProblem(state, seated, id, args);
    if (!problem.empty()) return Invalid(id, problem);
    const std::string old = NickOf(state, id);
    state.nicks[id] = std::string(args);
    return {false, {{0, "notice", old + " is now " + std::string(args)}}};
  }
  if (command == "message") {
    const size_t length = CodePoints(args);
    if (length < 1 || length > kMaxMessage) return Invalid(id, "a message is 1 to 4096 characters");
    return {false, {{0, "message", NickOf(state, id) + ": " + std::string(args)}}};
  }
  return Invalid(id, "unknown command " + std::string(command));
}

// Pong's move argument: a plain decimal such as "42", "-3", "17.5" or ".5".
bool IsDecimal(std::string_view text) {
  static const std::regex decimal(R"(^\s*(-?)([0-9]+\.?[0-9]*|\.[0-9]+)\s*$)");
  return std::regex_match(text.begin(), text.end(), decimal);
}

bool SideTaken(const GameState& state, const std::vector<int>& seated, const std::string& side) {
  return std::any_of(seated.begin(), seated.end(), [&](int id) {
    const auto it = state.sides.find(id);
    return it != state.sides.end() && it->second == side;
  });
}

// Gives `id` the free side, or returns false when both are taken.
bool TakeSide(GameState& state, const std::vector<int>& seated, int id) {
  for (const char* side : {"left", "right"}) {
    if (!SideTaken(state, seated, side)) {
      state.sides[id] = side;
      return true;
    }
  }
  return false;
}

bool BothSeated(const GameState& state, const std::vector<int>& seated) {
  return SideTaken(state, seated, "left") && SideTaken(state, seated, "right");
}

GameResult PongJoined(GameState& state, const std::vector<int>& seated, int id) {
  GameResult result;
  if (TakeSide(state, seated, id)) {
    result.sends.push_back({id, "side", state.sides[id]});
  } else {
    result.sends.push_back({id, "invalid", "both paddles are taken"});
  }
  if (BothSeated(state, seated)) {
    result.sends.push_back({0, "start", ""});
    state.clock = true;
  }
  return result;
}

GameResult PongLeft(GameState& state, int id) {
  const auto it = state.sides.find(id);
  if (it == state.sides.end()) return {};
  state.sides.erase(it);
  state.clock = false;
  return {false, {{0, "waiting", ""}}};
}

GameResult PongCommand(GameState& state, int id, std::string_view command, std::string_view args) {
  if (command != "move") return Invalid(id, "unknown command " + std::string(command));
  if (!state.sides.contains(id)) return Invalid(id, "you have no paddle");
  if (!IsDecimal(args)) return Invalid(id, "move needs a target y, a number");
  return {};
}

// ---- Tictactoe (games/tictactoe/README.md): marks, turns, the board in GGS.world.

constexpr char kEmptyBoard[] = ".........";

std::string PlayerWith(const GameState& state, const std::vector<int>& seated,
                       const std::string& mark) {
  for (const int id : seated) {
    const auto it = state.marks.find(id);
    if (it != state.marks.end() && it->second == mark) return std::to_string(id);
  }
  return "";
}

bool GameOn(const GameState& state, const std::vector<int>& seated) {
  return !PlayerWith(state, seated, "X").empty() && !PlayerWith(state, seated, "O").empty();
}

// `start`, then the empty board and X to move, as world_set to everyone.
void NewGame(GameState& state, GameResult& result) {
  state.board = kEmptyBoard;
  state.turn = "X";
  result.sends.push_back({0, "start", ""});
  result.sends.push_back({0, "world_set", "board=" + state.board});
  result.sends.push_back({0, "world_set", "turn=" + state.turn});
}

GameResult TicTacToeJoined(GameState& state, const std::vector<int>& seated, int id) {
  std::string mark;
  for (const char* m : {"X", "O"}) {
    if (mark.empty() && PlayerWith(state, seated, m).empty()) mark = m;
  }
  if (mark.empty()) return Invalid(id, "both marks are taken");
  state.marks[id] = mark;
  GameResult result{false, {{id, "mark", mark}}};
  if (GameOn(state, seated)) NewGame(state, result);
  return result;
}

GameResult TicTacToeLeft(GameState& state, int id) {
  if (state.marks.erase(id) == 0) return {};
  return {false, {{0, "waiting", ""}}};
}

std::string MoveProblem(const GameState& state, const std::vector<int>& seated, int id,
                        std::string_view args) {
  const auto mark = state.marks.find(id);
  if (mark == state.marks.end()) return "you are not seated as X or O";
  if (!GameOn(state, seated)) return "the game has not started: waiting for an opponent";
  if (args.size() != 1 || args[0] < '0' || args[0] > '8')
    return "a move is a cell index from 0 to 8";
  if (state.turn != mark->second) return "not your turn";
  if (state.board[args[0] - '0'] != '.') return "cell " + std::string(args) + " is taken";
  return "";
}

GameResult TicTacToeCommand(GameState& state, const std::vector<int>& seated, int id,
                            std::string_view command, std::string_view args) {
  if (command != "move") return Invalid(id, "unknown command " + std::string(command));
  if (const std::string problem = MoveProblem(state, seated, id, args); !problem.empty())
    return Invalid(id, problem);
  const std::string mark = state.marks[id];
  state.board[args[0] - '0'] = mark[0];
  state.turn = mark == "X" ? "O" : "X";
  GameResult result{false,
                    {{0, "world_set", "board=" + state.board},
                     {0, "world_set", "turn=" + state.turn},
                     {0, "board", state.board + "," + state.turn}}};
  if (const std::string over = TicTacToeResult(state.board); !over.empty()) {
    result.sends.push_back({0, "gameover", over});
    NewGame(state, result);
  }
  return result;
}

}  // namespace

std::string TicTacToeResult(std::string_view b) {
  static constexpr int kLines[8][3] = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6},
                                       {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}};
  for (const auto& line : kLines) {
    const char first = b[line[0]];
    if (first != '.' && first == b[line[1]] && first == b[line[2]]) return std::string(1, first);
  }
  return b.find('.') == std::string_view::npos ? "draw" : "";
}

size_t CodePoints(std::string_view text) { return Decode(text).size(); }

std::string NickOf(const GameState& state, int id) {
  const auto it = state.nicks.find(id);
  return it == state.nicks.end() ? "guest" + std::to_string(id) : it->second;
}

std::string NickProblem(const GameState& state, const std::vector<int>& seated, int id,
                        std::string_view nick) {
  const std::vector<char32_t> chars = Decode(nick);
  if (chars.empty() || chars.size() > kMaxNick) return "a nick is 1 to 24 characters";
  if (std::any_of(chars.begin(), chars.end(), IsControl))
    return "a nick cannot contain control characters";
  if (IsGuestNick(nick) && nick != "guest" + std::to_string(id))
    return "guest<number> nicks are reserved for new players";
  for (const int other : seated) {
    if (other != id && NickOf(state, other) == nick) return "the nick is taken";
  }
  return "";
}

GameResult Joined(GameKind game, GameState& state, const std::vector<int>& seated, int id) {
  if (game == GameKind::kChat)
    return {false, {{0, "notice", "guest" + std::to_string(id) + " joined"}}};
  if (game == GameKind::kPong) return PongJoined(state, seated, id);
  if (game == GameKind::kTicTacToe) return TicTacToeJoined(state, seated, id);
  return {};
}

GameResult Left(GameKind game, GameState& state, const std::vector<int>&, int id) {
  if (game == GameKind::kChat) {
    GameResult result{false, {{0, "notice", NickOf(state, id) + " left"}}};
    state.nicks.erase(id);
    return result;
  }
  if (game == GameKind::kPong) return PongLeft(state, id);
  if (game == GameKind::kTicTacToe) return TicTacToeLeft(state, id);
  return {};
}

// docs/game-api.md's rule, restated here on purpose (the model does not call the code it
// checks): 1 to 64 bytes of visible ASCII other than ':'.
bool SendableName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    if (c <= ' ' || c >= 0x7f || c == ':') return false;
  }
  return true;
}

std::optional<std::string> PercentDecoded(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;  // An escape cut short.
    const int high = hex(text[i + 1]), low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

namespace {

GameResult HostileCommand(int id, std::string_view command, std::string_view args) {
  const std::optional<std::string> name = PercentDecoded(args);
  if (!name || !SendableName(*name)) return {true, {}};
  GameResult result;
  if (command == "both") result.sends.push_back({0, "ok", ""});
  result.sends.push_back({command == "all" ? 0 : id, *name, std::string(args)});
  return result;
}

}  // namespace

GameResult Command(GameKind game, GameState& state, const std::vector<int>& seated, int id,
                   std::string_view command, std::string_view args) {
  switch (game) {
    case GameKind::kChat:
      return ChatCommand(state, seated, id, command, args);
    case GameKind::kPong:
      return PongCommand(state, id, command, args);
    case GameKind::kEcho:
      // Echoing a name the server would refuse throws, as `boom` does.
      if (command == "boom" || !SendableName(command)) return {true, {}};
      return {false, {{id, std::string(command), std::string(args)}}};
    case GameKind::kHostile:
      return HostileCommand(id, command, args);
    case GameKind::kTicTacToe:
      return TicTacToeCommand(state, seated, id, command, args);
    case GameKind::kNone:
      break;
  }
  return {};
}

GameResult Resumed(GameKind game, const GameState& state, const std::vector<int>& seated, int id) {
  // Tictactoe tells a returning player its mark, and the board while a game is on.
  if (game == GameKind::kTicTacToe) {
    const auto mark = state.marks.find(id);
    if (mark == state.marks.end()) return {};
    GameResult result{false, {{id, "mark", mark->second}}};
    if (GameOn(state, seated))
      result.sends.push_back({id, "board", state.board + "," + state.turn});
    return result;
  }
  // Pong tells a returning player its side again; chat and echo have no such hook.
  if (game != GameKind::kPong) return {};
  const auto it = state.sides.find(id);
  if (it == state.sides.end()) return {};
  return {false, {{id, "side", it->second}}};
}

GameResult Restored(GameKind game, GameState& state, const std::vector<int>& seated) {
  // Only pong has the hook: it forgets the sides of players who are gone, gives a side to
  // each seated player without one (and tells it), and runs its clock when both are taken.
  GameResult result;
  if (game != GameKind::kPong) return result;
  std::erase_if(state.sides, [&](const auto& entry) {
    return std::find(seated.begin(), seated.end(), entry.first) == seated.end();
  });
  for (const int id : seated) {
    if (!state.sides.contains(id) && TakeSide(state, seated, id))
      result.sends.push_back({id, "side", state.sides[id]});
  }
  state.clock = BothSeated(state, seated);
  return result;
}

bool IsPongNoise(std::string_view command) {
  return command == "state" || command == "point" || command == "gameover" ||
         command == "world_set";
}

}  // namespace ggs::props
