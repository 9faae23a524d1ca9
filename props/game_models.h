// GameModels: what the shipped chat, pong and tictactoe games, and the fuzzer's echo and
// hostile scripts, send in answer to each event — the deterministic part of each game,
// written from its rules (games/*/README.md) rather than from its code.
//
// Pong's ball and paddles run on a 30 Hz clock, so the model keeps only what does not
// depend on timing: which side each player gets, `start` when both sides are taken,
// `waiting` when one leaves, and `invalid` for bad commands. The clock's own packets
// (`state`, `point`, `gameover`, `world_set`) are noise the runner drains (IsPongNoise).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ggs::props {

enum class GameKind { kNone, kChat, kEcho, kPong, kHostile, kTicTacToe };

// The state of one table's game that the model tracks.
struct GameState {
  std::map<int, std::string> nicks;  // Chat: player id -> nick, when not the default.
  std::map<int, std::string> sides;  // Pong: player id -> "left" or "right".
  bool clock = false;                // Pong: the 30 Hz clock runs.
  std::map<int, std::string> marks;  // Tictactoe: player id -> "X" or "O".
  std::string board = ".........";   // Tictactoe: GGS.world's board, cells 0-8.
  std::string turn;                  // Tictactoe: GGS.world's turn ("" before the first game).

  bool operator==(const GameState&) const = default;
};

// One packet a game sends: to player `to`, or to every seated player when `to` is 0.
struct GameSend {
  int to = 0;
  std::string command;
  std::string args;
};

// What one event does: the packets sent, or a script error (nothing sent).
struct GameResult {
  bool script_error = false;
  std::vector<GameSend> sends;
};

// `seated` lists the ids at the table in seat order when the hook runs: with the joining
// player for Joined, without the leaving one for Left.
GameResult Joined(GameKind game, GameState& state, const std::vector<int>& seated, int id);
GameResult Left(GameKind game, GameState& state, const std::vector<int>& seated, int id);
GameResult Command(GameKind game, GameState& state, const std::vector<int>& seated, int id,
                   std::string_view command, std::string_view args);
// Player `id` came back with its token (its `playerResumed` hook).
GameResult Resumed(GameKind game, const GameState& state, const std::vector<int>& seated, int id);
// The table was rebuilt from storage (its `restored` hook): after a server restart, when
// nobody is connected yet, or on a live upload, when its players get what it sends.
GameResult Restored(GameKind game, GameState& state, const std::vector<int>& seated);

// Tictactoe's winner of `board`: "X", "O", "draw" for a full board, or "".
std::string TicTacToeResult(std::string_view board);

// True for the packets a running pong table sends on its own clock.
bool IsPongNoise(std::string_view command);

// The hostile game's command name: its payload with each `%XX` (two hex digits) replaced by
// the character XX, as the script decodes it (props/render.cc); nullopt for any other '%',
// on which the script throws. A character over 0x7e is a byte the server refuses either way.
std::optional<std::string> PercentDecoded(std::string_view text);
// docs/game-api.md's rule for a command name a game sends.
bool SendableName(std::string_view name);

// Chat's rules, exposed for the generators: a nick's problem ("" when `id` may take it).
std::string NickProblem(const GameState& state, const std::vector<int>& seated, int id,
                        std::string_view nick);
std::string NickOf(const GameState& state, int id);
// The number of characters (code points) of UTF-8 `text`, as the game's strings count them.
size_t CodePoints(std::string_view text);

}  // namespace ggs::props
