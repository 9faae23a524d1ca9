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
//  * The ball, the paddles and the targets are globals: they change 30 times a second, and
//    losing them costs only the rally in progress. restored() serves a new ball instead.

var seats = 2;

// The field is FIELD x FIELD units; y grows downwards, x from the left paddle to the right.
var FIELD = 100;
var PADDLE_X = { left: 2, right: 98 };
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

var ball = { x: 50, y: 50, vx: 0, vy: 0 };
var paddles = { left: 50, right: 50 };
var targets = { left: 50, right: 50 };
var tick = 0;
var clock = null;  // The id of the running interval, or null.
var serveTo = 1;   // The x direction of the next serve: 1 right, -1 left; it alternates.

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

// Parses a plain decimal such as "42", "-3" or "17.5"; returns null for anything else.
// The sign is handled here because MuJS 1.3.2 turns a signed integer string ("-3") into NaN.
// The pattern is compiled once: a regular expression literal inside the function would be
// compiled again on every move, 20 times a second per player.
var DECIMAL = /^\s*(-?)([0-9]+\.?[0-9]*|\.[0-9]+)\s*$/;
function parseDecimal(text) {
  var m = DECIMAL.exec(text);
  if (m === null) return null;
  var magnitude = Number(m[2]);
  return m[1] === '-' ? -magnitude : magnitude;
}

function storedNumber(storage, key) {
  var value = Number(storage.getItem(key));
  return isFinite(value) ? value : 0;
}

function sideOf(id) {
  return GGS.localStorage.getItem('side:' + id);
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
  GGS.localStorage.setItem('tick', String(tick));
}

// ---- Physics.

function serve() {
  var angle = (Math.random() * 2 - 1) * MAX_SERVE_ANGLE;
  ball.x = FIELD / 2;
  ball.y = FIELD / 2;
  ball.vx = serveTo * SERVE_SPEED * Math.cos(angle);
  ball.vy = SERVE_SPEED * Math.sin(angle);
  serveTo = -serveTo;
}

function centrePaddles() {
  paddles.left = targets.left = FIELD / 2;
  paddles.right = targets.right = FIELD / 2;
}

// The tick's functions read each global they need into a local once: MuJS looks a global
// name up by string on every use, and at thousands of tables that lookup is most of the cost.

function movePaddles() {
  var p = paddles, t = targets, step = PADDLE_STEP;
  p.left += Math.max(-step, Math.min(step, t.left - p.left));
  p.right += Math.max(-step, Math.min(step, t.right - p.right));
}

function bounceOffWalls(b) {
  var r = BALL_RADIUS, field = FIELD;
  if (b.y < r) {
    b.y = 2 * r - b.y;
    b.vy = -b.vy;
  } else if (b.y > field - r) {
    b.y = 2 * (field - r) - b.y;
    b.vy = -b.vy;
  }
}

// Bounces the ball off `side`'s paddle if it crossed the paddle's face this tick (from
// `previousX`) within the paddle's height. The further from the centre it hits, the more
// it turns; each hit makes it 5% faster, up to MAX_SPEED.
function bounceOffPaddle(ball, side, previousX) {
  var away = side === 'left' ? 1 : -1;  // The x direction the ball leaves in.
  var face = PADDLE_X[side] + away * BALL_RADIUS;
  var crossed = away * (previousX - face) >= 0 && away * (ball.x - face) < 0;
  if (!crossed) return;
  var offset = ball.y - paddles[side];
  if (Math.abs(offset) > PADDLE_HALF + BALL_RADIUS) return;
  var speed = Math.min(Math.sqrt(ball.vx * ball.vx + ball.vy * ball.vy) * SPEEDUP, MAX_SPEED);
  var angle = Math.atan2(ball.vy, Math.abs(ball.vx)) + SPIN * offset / (PADDLE_HALF + BALL_RADIUS);
  angle = clamp(angle, -MAX_BOUNCE_ANGLE, MAX_BOUNCE_ANGLE);
  ball.vx = away * speed * Math.cos(angle);
  ball.vy = speed * Math.sin(angle);
  ball.x = 2 * face - ball.x;
}

function moveBall() {
  var b = ball;
  var previousX = b.x;
  b.x += b.vx;
  b.y += b.vy;
  bounceOffWalls(b);
  bounceOffPaddle(b, b.vx < 0 ? 'left' : 'right', previousX);
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

// Positions go out with at most two decimals, so that a `state` packet stays short. This
// runs every tick: it reads each global once (MuJS looks every global name up by string).
function broadcastState() {
  var round = Math.round, b = ball, p = paddles;
  GGS.sendCommandToAll('state', tick + ',' + round(b.x * 100) / 100 + ',' + round(b.y * 100) / 100 +
                                    ',' + round(p.left * 100) / 100 + ',' + round(p.right * 100) / 100);
}

function onTick() {
  var t = tick + 1, x;
  tick = t;
  movePaddles();
  moveBall();
  x = ball.x;
  if (x < 0) {
    scorePoint('right');
  } else if (x > FIELD) {
    scorePoint('left');
  } else if (t % TICK_SAVE_EVERY === 0) {
    saveTick();
  }
  broadcastState();
}

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
  GGS.localStorage.setItem('side:' + id, side);
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
}

// ---- Hooks.

function onMove(id, args) {
  var side = sideOf(id);
  if (side === null) {
    invalid(id, 'you have no paddle');
    return;
  }
  var y = parseDecimal(args);
  if (y === null) {
    invalid(id, 'move needs a target y, a number');
    return;
  }
  targets[side] = clamp(y, PADDLE_MIN, PADDLE_MAX);
}

function playerCommand(id, command, args) {
  if (command === 'move') {
    onMove(id, args);
  } else {
    invalid(id, 'unknown command ' + command);
  }
}

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
  GGS.localStorage.removeItem('side:' + id);
  if (side === null) return;
  stopClock();
  GGS.sendCommandToAll('waiting', '');
}

// The VM was rebuilt: its globals and timers are gone. Resume the tick count past any tick
// already sent, serve a fresh ball and restart the clock if both sides are still seated.
function restored() {
  clock = null;
  tick = storedNumber(GGS.localStorage, 'tick') + TICK_SAVE_EVERY;
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
