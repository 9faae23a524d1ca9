// Pong for ggs: two players, server-authoritative physics at 30 ticks a second. The server
// moves the ball and the paddles; clients only send where they want their paddle to go and
// draw the `state` the server broadcasts every tick. Written for the GGS API
// (docs/game-api.md).
//
// What lives where, and why:
//  * GGS.localStorage holds who plays which side (`side:<id>`), the interval id (`timer`)
//    and, now and then, the tick counter (`tick`).
//  * GGS.world holds the score (`score_left`, `score_right`) and the number of finished
//    games (`games`); every change reaches the players as `world_set`.
//  * The ball, the paddles, the targets and the tick live in one global object, `rally`:
//    they change 30 times a second, and losing them costs only the rally in progress.
//    restored() serves a new ball instead.
//  * The two hot paths (onTick, 30 times a second, and the `move` command, 20 times a
//    second per player) are written for MuJS as docs/game-performance.md explains.

var seats = 2;

// The field is FIELD x FIELD units; y grows downwards, x from the left paddle to the right.
var FIELD = 100;
// The paddles stand at x = 2 (left) and x = 98 (right).
var PADDLE_HALF = 10;      // Paddles are 20 high; a paddle's y is its centre,
var PADDLE_MIN = 10;       // so it stays within [PADDLE_MIN, PADDLE_MAX].
var PADDLE_MAX = 90;
var PADDLE_STEP = 3;       // Most a paddle moves in one tick.
var BALL_RADIUS = 1;
var SERVE_SPEED = 1.2;     // Units per tick.
var MAX_SPEED = 3;         // Small against a paddle, so judging a hit by the end-of-tick y is fair.
var SPEEDUP = 1.05;        // Per paddle hit.
var MAX_SERVE_ANGLE = Math.PI / 4;
// A hit at a paddle's very end turns the ball by SPIN radians; the result is kept within
// MAX_BOUNCE_ANGLE of horizontal, so a rally never turns into a vertical bounce.
var SPIN = 0.5;
var MAX_BOUNCE_ANGLE = Math.PI / 3;
var TICK_MS = 33;
var WINNING_SCORE = 5;
// The tick counter is written to storage this often (and on every point), to keep storage
// writes rare; restored() skips this far ahead so ticks never repeat.
var TICK_SAVE_EVERY = 30;

// The rally: the ball, the paddles, their targets and the tick counter, in one object.
// They change 30 times a second, and losing them costs only the rally in progress, so they
// are not stored; restored() serves a new ball instead. The hot code (onTick, the move
// command) reaches all of it through one local, `s = rally`: see docs/game-performance.md
// for why one global object beats a dozen globals in MuJS.
var rally = {
  tick: 0,
  x: 50, y: 50, vx: 0, vy: 0,   // The ball's centre and its velocity per tick.
  left: 50, right: 50,          // The paddles' centres.
  targetLeft: 50, targetRight: 50
};
var sides = {};     // Player id -> 'left' or 'right': localStorage's side:<id>, cached.
var clock = null;   // The id of the running interval, or null.
var serveTo = 1;    // The x direction of the next serve: 1 right, -1 left; it alternates.

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

// A plain decimal such as "42", "-3" or "17.5", with blanks around it allowed. Compiled
// once: a literal inside the move handler would be compiled again on every move.
var DECIMAL = /^\s*-?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$/;

function storedNumber(storage, key) {
  var value = Number(storage.getItem(key));
  return isFinite(value) ? value : 0;
}

// The side of a seated player, or null. The cache is filled from localStorage (the truth)
// on first use, so a rebuilt VM needs no warm-up.
function sideOf(id) {
  var side = sides[id];
  if (side === undefined) {
    side = GGS.localStorage.getItem('side:' + id);
    sides[id] = side;
  }
  return side;
}

function setSide(id, side) {
  if (side === null) {
    GGS.localStorage.removeItem('side:' + id);
  } else {
    GGS.localStorage.setItem('side:' + id, side);
  }
  sides[id] = side;
}

// The id of the seated player on `side`, or null. Only players still at the table count.
function playerOn(side) {
  var ids = GGS.players();
  for (var i = 0; i < ids.length; i++) {
    if (sideOf(ids[i]) === side) return ids[i];
  }
  return null;
}

function freeSide() {
  if (playerOn('left') === null) return 'left';
  if (playerOn('right') === null) return 'right';
  return null;
}

function bothSeated() {
  return playerOn('left') !== null && playerOn('right') !== null;
}

// A game-level rejection is an ordinary message to the one player, not a thrown error.
function invalid(id, reason) {
  GGS.sendCommand(id, 'invalid', reason);
}

// ---- The clock.

function startClock() {
  if (clock !== null) return;
  clock = GGS.setInterval(onTick, TICK_MS);
  GGS.localStorage.setItem('timer', String(clock));
}

function stopClock() {
  if (clock !== null) GGS.clearInterval(clock);
  clock = null;
  GGS.localStorage.removeItem('timer');
}

function saveTick() {
  GGS.localStorage.setItem('tick', String(rally.tick));
}

// ---- Physics.

function serve() {
  var angle = (Math.random() * 2 - 1) * MAX_SERVE_ANGLE;
  rally.x = FIELD / 2;
  rally.y = FIELD / 2;
  rally.vx = serveTo * SERVE_SPEED * Math.cos(angle);
  rally.vy = SERVE_SPEED * Math.sin(angle);
  serveTo = -serveTo;
}

function centrePaddles() {
  rally.left = rally.targetLeft = FIELD / 2;
  rally.right = rally.targetRight = FIELD / 2;
}

// Turns the ball `s` off `side`'s paddle if it is within the paddle's height; the ball's
// centre has just crossed the paddle's face (x = `face`). The further from the centre it
// hits, the more it turns; each hit makes it 5% faster, up to MAX_SPEED. Runs only on the
// ticks where the ball reaches a paddle, so it may use the named constants.
function bounceOffPaddle(s, side, face) {
  var away = side === 'left' ? 1 : -1;  // The x direction the ball leaves in.
  var offset = s.y - s[side];
  if (Math.abs(offset) > PADDLE_HALF + BALL_RADIUS) return;
  var speed = Math.min(Math.sqrt(s.vx * s.vx + s.vy * s.vy) * SPEEDUP, MAX_SPEED);
  var angle = Math.atan2(s.vy, Math.abs(s.vx)) + SPIN * offset / (PADDLE_HALF + BALL_RADIUS);
  angle = clamp(angle, -MAX_BOUNCE_ANGLE, MAX_BOUNCE_ANGLE);
  s.vx = away * speed * Math.cos(angle);
  s.vy = speed * Math.sin(angle);
  s.x = 2 * face - s.x;
}

// ---- Scoring.

function endGame(winner) {
  GGS.sendCommandToAll('gameover', winner);
  GGS.world.setItem('games', String(storedNumber(GGS.world, 'games') + 1));
  GGS.world.setItem('score_left', '0');
  GGS.world.setItem('score_right', '0');
}

// The score is read from and written to the world, the truth, rather than a global.
function scorePoint(side) {
  var score = storedNumber(GGS.world, 'score_' + side) + 1;
  GGS.world.setItem('score_' + side, String(score));
  GGS.sendCommandToAll('point', side);
  if (score >= WINNING_SCORE) endGame(side);
  saveTick();
  serve();
}

// One tick, 30 times a second at every table: the hot path. makeTicker returns it as a
// closure over the two things a tick needs, the rally and GGS.sendCommandToAll: MuJS looks
// every global name up by string in a tree of ~100 names, but finds these two in a scope
// of two. Inside, the constants are written as numbers (each named in a comment), since a
// literal costs nothing and a global costs a lookup. Positions go out with at most two
// decimals, rounded without a call to Math.round.
function makeTicker(s, sendToAll) {
  return function () {
    var t = s.tick + 1, d, p, x, y;
    s.tick = t;
    // The paddles move toward their targets by at most PADDLE_STEP (3).
    p = s.left;
    d = s.targetLeft - p;
    s.left = p + (d > 3 ? 3 : d < -3 ? -3 : d);
    p = s.right;
    d = s.targetRight - p;
    s.right = p + (d > 3 ? 3 : d < -3 ? -3 : d);
    // The ball moves, bounces off the walls (radius 1 inside a field 100 high) and off a
    // paddle whose face (x = 3 left, 97 right) its centre crossed this tick.
    p = s.x;
    s.x = x = p + s.vx;
    y = s.y + s.vy;
    if (y < 1) {
      y = 2 - y;
      s.vy = -s.vy;
    } else if (y > 99) {
      y = 198 - y;
      s.vy = -s.vy;
    }
    s.y = y;
    if (p >= 3 && x < 3) {
      bounceOffPaddle(s, 'left', 3);
    } else if (p <= 97 && x > 97) {
      bounceOffPaddle(s, 'right', 97);
    }
    x = s.x;
    if (x < 0) {
      scorePoint('right');
    } else if (x > 100) {
      scorePoint('left');
    } else if (t % 30 === 0) {  // TICK_SAVE_EVERY
      saveTick();
    }
    // Every position is within [0, 100] here (a ball past a goal line was served again),
    // so adding 0.5 and truncating with `| 0` rounds it.
    sendToAll('state', t + ',' + ((s.x * 100 + 0.5) | 0) / 100 + ',' +
                           ((s.y * 100 + 0.5) | 0) / 100 + ',' +
                           ((s.left * 100 + 0.5) | 0) / 100 + ',' +
                           ((s.right * 100 + 0.5) | 0) / 100);
  };
}
var onTick = makeTicker(rally, GGS.sendCommandToAll);

// ---- Seats.

function startGame() {
  GGS.sendCommandToAll('start', '');
  centrePaddles();
  serve();
  startClock();
}

function takeSide(id) {
  var side = freeSide();
  if (side === null) {
    invalid(id, 'both paddles are taken');
    return;
  }
  setSide(id, side);
  GGS.sendCommand(id, 'side', side);
}

// Drops the sides of players who are no longer at the table (they left while the table was
// being restored). Keys are collected first, since removing one renumbers the rest.
function forgetAbsentSides() {
  var present = {};
  var ids = GGS.players();
  for (var i = 0; i < ids.length; i++) present['side:' + ids[i]] = true;
  var stale = [];
  for (var n = 0; n < GGS.localStorage.length; n++) {
    var key = GGS.localStorage.key(n);
    if (key.indexOf('side:') === 0 && !present[key]) stale.push(key);
  }
  for (var s = 0; s < stale.length; s++) GGS.localStorage.removeItem(stale[s]);
  for (var id in sides) delete sides[id];
}

// ---- Hooks.

// The other hot path: every player sends about 20 moves a second. Built like the tick, as
// a closure over what it needs; the common case reads only the cached side and the number.
// The pattern is only tested (exec would build an array of matches on every move), and
// since MuJS 1.3.2 reads a signed integer string ("-3") as NaN, such a number is read again
// without its sign.
function makeCommandHandler(s, sides, decimal) {
  return function (id, command, args) {
    if (command !== 'move') {
      invalid(id, 'unknown command ' + command);
      return;
    }
    var side = sides[id];
    if (side === undefined) side = sideOf(id);
    if (side === null) {
      invalid(id, 'you have no paddle');
      return;
    }
    var y = decimal.test(args) ? Number(args) : NaN;
    if (y !== y && decimal.test(args)) y = -Number(args.replace('-', ''));
    if (y !== y) {
      invalid(id, 'move needs a target y, a number');
      return;
    }
    y = y < 10 ? 10 : y > 90 ? 90 : y;  // Within [PADDLE_MIN, PADDLE_MAX].
    if (side === 'left') {
      s.targetLeft = y;
    } else {
      s.targetRight = y;
    }
  };
}
var playerCommand = makeCommandHandler(rally, sides, DECIMAL);

function playerJoined(id) {
  takeSide(id);
  if (bothSeated()) startGame();
}

// A player back on a new connection is told its side again; the states resume by themselves.
function playerResumed(id) {
  var side = sideOf(id);
  if (side !== null) GGS.sendCommand(id, 'side', side);
}

function playerLeft(id) {
  var side = sideOf(id);
  setSide(id, null);
  if (side === null) return;
  stopClock();
  GGS.sendCommandToAll('waiting', '');
}

// The VM was rebuilt: its globals and timers are gone. Resume the tick count past any tick
// already sent, serve a fresh ball and restart the clock if both sides are still seated.
function restored() {
  clock = null;
  rally.tick = storedNumber(GGS.localStorage, 'tick') + TICK_SAVE_EVERY;
  saveTick();
  forgetAbsentSides();
  var ids = GGS.players();
  for (var i = 0; i < ids.length; i++) {
    if (sideOf(ids[i]) === null) takeSide(ids[i]);
  }
  centrePaddles();
  serve();
  if (bothSeated()) {
    startClock();
  } else {
    GGS.localStorage.removeItem('timer');
  }
}
