// Tic-tac-toe for ggs: two players, X and O, take turns marking a 3x3 board; the first to
// line up three marks wins, and a new game starts at once. Written for the GGS API
// (docs/game-api.md).
//
// All state lives in storage: each player's mark in GGS.localStorage (`mark:<id>`), the
// board and whose turn it is in GGS.world (`board`, `turn`), where every change is also
// broadcast to the players as `world_set`. With no JavaScript globals to rebuild, the game
// needs no restored() hook.

var seats = 2;

var EMPTY_BOARD = '.........';
var LINES = [
  [0, 1, 2], [3, 4, 5], [6, 7, 8],  // rows
  [0, 3, 6], [1, 4, 7], [2, 5, 8],  // columns
  [0, 4, 8], [2, 4, 6]              // diagonals
];

function markOf(id) {
  return GGS.localStorage.getItem('mark:' + id);
}

// The id of the seated player who plays `mark`, or null. Only players still at the table
// count, so a mark is free again as soon as its player has left.
function playerWith(mark) {
  var ids = GGS.players();
  for (var i = 0; i < ids.length; i++) {
    if (markOf(ids[i]) === mark) return ids[i];
  }
  return null;
}

function freeMark() {
  if (playerWith('X') === null) return 'X';
  if (playerWith('O') === null) return 'O';
  return null;
}

// A game is on exactly when both marks have a player.
function started() {
  return playerWith('X') !== null && playerWith('O') !== null;
}

function board() {
  var b = GGS.world.getItem('board');
  return b !== null && b.length === 9 ? b : EMPTY_BOARD;
}

// Returns 'X' or 'O' when that mark fills a line of `b`, else null.
function winner(b) {
  for (var i = 0; i < LINES.length; i++) {
    var first = b.charAt(LINES[i][0]);
    if (first !== '.' && first === b.charAt(LINES[i][1]) && first === b.charAt(LINES[i][2])) {
      return first;
    }
  }
  return null;
}

// A game-level rejection is an ordinary message to the one player, not a thrown error.
function invalid(id, reason) {
  GGS.sendCommand(id, 'invalid', reason);
}

function newGame() {
  GGS.sendCommandToAll('start', '');
  GGS.world.setItem('board', EMPTY_BOARD);
  GGS.world.setItem('turn', 'X');
}

// Returns why player `id` may not play cell `args`, or null when the move is legal.
function moveProblem(id, args) {
  var mark = markOf(id);
  if (mark === null) return 'you are not seated as X or O';
  if (!started()) return 'the game has not started: waiting for an opponent';
  if (!/^[0-8]$/.test(args)) return 'a move is a cell index from 0 to 8';
  if (GGS.world.getItem('turn') !== mark) return 'not your turn';
  if (board().charAt(Number(args)) !== '.') return 'cell ' + args + ' is taken';
  return null;
}

function play(mark, cell) {
  var b = board();
  b = b.substring(0, cell) + mark + b.substring(cell + 1);
  var next = mark === 'X' ? 'O' : 'X';
  GGS.world.setItem('board', b);
  GGS.world.setItem('turn', next);
  GGS.sendCommandToAll('board', b + ',' + next);
  var result = winner(b);
  if (result === null && b.indexOf('.') < 0) result = 'draw';
  if (result === null) return;
  GGS.sendCommandToAll('gameover', result);
  newGame();
}

function playerCommand(id, command, args) {
  if (command !== 'move') {
    invalid(id, 'unknown command ' + command);
    return;
  }
  var problem = moveProblem(id, args);
  if (problem !== null) {
    invalid(id, problem);
    return;
  }
  play(markOf(id), Number(args));
}

function playerJoined(id) {
  var mark = freeMark();
  if (mark === null) {
    invalid(id, 'both marks are taken');
    return;
  }
  GGS.localStorage.setItem('mark:' + id, mark);
  GGS.sendCommand(id, 'mark', mark);
  if (started()) newGame();
}

// A player back on a new connection missed what happened meanwhile: send it its mark and
// the board.
function playerResumed(id) {
  var mark = markOf(id);
  if (mark === null) return;
  GGS.sendCommand(id, 'mark', mark);
  if (started()) GGS.sendCommand(id, 'board', board() + ',' + GGS.world.getItem('turn'));
}

function playerLeft(id) {
  var mark = markOf(id);
  GGS.localStorage.removeItem('mark:' + id);
  if (mark !== null) GGS.sendCommandToAll('waiting', '');
}
