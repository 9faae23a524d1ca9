// The Pong page: seats the player at a pong table (games/pong/README.md), draws the `state`
// the server sends every tick, shows the score from `world_set`, and turns keys, the mouse
// and touches into `move` commands. What it knows is in window.ggsPong, for tests and for
// the curious.
import { connect } from '/ggs.js';

const FIELD = 100;              // The field is 100 × 100 units (games/pong/README.md).
const PADDLE_X = { left: 2, right: 98 };
const PADDLE_HALF = 10;
const PADDLE_MIN = 10;
const PADDLE_MAX = 90;
const SEND_EVERY_MS = 50;       // At most 20 moves a second: the server ticks at 30 Hz.

const canvas = document.getElementById('field');
const context = canvas.getContext('2d');
const statusLine = document.getElementById('status');
const sideLabel = document.getElementById('side');
const scoreLabel = document.getElementById('score');
const gamesLabel = document.getElementById('games');

const pong = {
  status: 'connecting', // connecting, waiting, playing, reconnecting, closed
  side: null,           // 'left' or 'right'
  state: null,          // {tick, ballX, ballY, leftY, rightY}
  states: 0,            // `state` packets received
  score: { left: 0, right: 0 },
  games: 0,
  lastPoint: null,      // {side, at}
  lastGameOver: null,   // {side, at}
  playerToken: null,
  tableToken: null,
  target: null,         // Where this player wants its paddle.
  sent: 0,              // `move` commands sent
  client: null,
};
window.ggsPong = pong;

function setStatus(status, text, warn = false) {
  pong.status = status;
  statusLine.textContent = text;
  statusLine.classList.toggle('warn', warn);
}

function explainPlaying() {
  setStatus('playing', `You play ${pong.side}. ↑/↓, W/S, the mouse or a finger move your paddle.`);
}

// ---- The score, kept per table in sessionStorage so that a reload shows it at once
// (the server sends world_set only when the score changes).

function scoreKey() {
  return `ggs:pong:score:${pong.tableToken}`;
}

function showScore() {
  scoreLabel.textContent = `${pong.score.left} : ${pong.score.right}`;
  gamesLabel.textContent = pong.games ? `games played: ${pong.games}` : '';
  try {
    if (pong.tableToken) sessionStorage.setItem(scoreKey(), JSON.stringify({ score: pong.score, games: pong.games }));
  } catch {
    // Not remembered; it comes back with the next point.
  }
}

function loadScore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(scoreKey()) ?? 'null');
    if (saved) Object.assign(pong, { score: saved.score, games: saved.games });
  } catch {
    // Nothing saved.
  }
  showScore();
}

// ---- Drawing: one frame per animation frame, of the latest state.

function draw() {
  const sx = canvas.width / FIELD;
  const sy = canvas.height / FIELD;
  context.fillStyle = '#05070a';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.strokeStyle = '#2a3342';
  context.setLineDash([sy * 2, sy * 2]);
  context.lineWidth = 2;
  context.beginPath();
  context.moveTo(canvas.width / 2, 0);
  context.lineTo(canvas.width / 2, canvas.height);
  context.stroke();
  context.setLineDash([]);

  const state = pong.state ?? { ballX: 50, ballY: 50, leftY: 50, rightY: 50 };
  for (const side of ['left', 'right']) {
    const y = side === 'left' ? state.leftY : state.rightY;
    context.fillStyle = side === pong.side ? '#6cc4ff' : '#e6e9ef';
    const x = side === 'left' ? PADDLE_X.left - 1.5 : PADDLE_X.right;
    context.fillRect(x * sx, (y - PADDLE_HALF) * sy, 1.5 * sx, 2 * PADDLE_HALF * sy);
  }
  if (pong.status === 'playing' || pong.status === 'reconnecting') {
    context.fillStyle = '#ffffff';
    // The ball has radius 1; it is drawn square, as wide as it is high on the screen.
    const size = 2 * Math.min(sx, sy);
    context.fillRect(state.ballX * sx - size / 2, state.ballY * sy - size / 2, size, size);
  }
  const banner = bannerText();
  if (banner) {
    context.fillStyle = 'rgba(230, 233, 239, 0.9)';
    context.font = `${Math.round(canvas.height / 14)}px system-ui, sans-serif`;
    context.textAlign = 'center';
    context.fillText(banner, canvas.width / 2, canvas.height / 3);
  }
  requestAnimationFrame(draw);
}

function bannerText() {
  const now = Date.now();
  if (pong.status === 'waiting') return 'Waiting for an opponent…';
  if (pong.status === 'connecting') return 'Connecting…';
  if (pong.status === 'reconnecting') return 'Reconnecting…';
  if (pong.status === 'closed') return 'Disconnected';
  if (pong.lastGameOver && now - pong.lastGameOver.at < 2500) {
    return pong.lastGameOver.side === pong.side ? 'You win the game!' : `${pong.lastGameOver.side} wins the game`;
  }
  if (pong.lastPoint && now - pong.lastPoint.at < 1000) return `Point for ${pong.lastPoint.side}`;
  return '';
}

// ---- Input: a target y for this player's paddle, sent at most every SEND_EVERY_MS.

let lastSentTarget = null;
const keysHeld = new Set();

function ownPaddleY() {
  if (!pong.state || !pong.side) return 50;
  return pong.side === 'left' ? pong.state.leftY : pong.state.rightY;
}

function aimWithKeys() {
  const up = keysHeld.has('up');
  const down = keysHeld.has('down');
  if (up === down) pong.target = ownPaddleY(); // Neither, or both: stay.
  else pong.target = up ? PADDLE_MIN : PADDLE_MAX;
}

const KEYS = { ArrowUp: 'up', KeyW: 'up', ArrowDown: 'down', KeyS: 'down' };

window.addEventListener('keydown', (event) => {
  const key = KEYS[event.code];
  if (!key) return;
  event.preventDefault();
  keysHeld.add(key);
  aimWithKeys();
});
window.addEventListener('keyup', (event) => {
  const key = KEYS[event.code];
  if (!key) return;
  keysHeld.delete(key);
  aimWithKeys();
});
window.addEventListener('blur', () => {
  if (keysHeld.size === 0) return;
  keysHeld.clear();
  aimWithKeys();
});

function aimAtPointer(event) {
  const box = canvas.getBoundingClientRect();
  if (box.height === 0) return;
  const y = ((event.clientY - box.top) / box.height) * FIELD;
  pong.target = Math.round(Math.max(PADDLE_MIN, Math.min(PADDLE_MAX, y)) * 10) / 10;
}
canvas.addEventListener('pointermove', aimAtPointer);
canvas.addEventListener('pointerdown', (event) => {
  canvas.focus();
  aimAtPointer(event);
});

setInterval(() => {
  if (pong.target === null || pong.target === lastSentTarget || !pong.side) return;
  if (pong.client?.send('move', String(pong.target))) {
    lastSentTarget = pong.target;
    pong.sent += 1;
  }
}, SEND_EVERY_MS);

// ---- The game's messages.

function parseState(payload) {
  const [tick, ballX, ballY, leftY, rightY] = payload.split(',').map(Number);
  return { tick, ballX, ballY, leftY, rightY };
}

function wire(client) {
  client.on('hello', (seat) => {
    pong.playerToken = seat.playerToken;
    pong.tableToken = seat.tableToken;
    loadScore();
  });
  client.on('side', (side) => {
    pong.side = side;
    sideLabel.textContent = `you: ${side}`;
    lastSentTarget = null;
    if (pong.status !== 'playing') setStatus('waiting', 'Waiting for an opponent… open this page in another window to play yourself.');
  });
  client.on('start', explainPlaying);
  client.on('state', (payload) => {
    pong.state = parseState(payload);
    pong.states += 1;
    if (pong.status !== 'playing') explainPlaying();
  });
  client.on('waiting', () => {
    setStatus('waiting', 'Your opponent left. Waiting for an opponent…');
  });
  client.on('point', (side) => {
    pong.lastPoint = { side, at: Date.now() };
  });
  client.on('gameover', (side) => {
    pong.lastGameOver = { side, at: Date.now() };
  });
  client.on('world_set', (payload) => {
    const at = payload.indexOf('=');
    const key = payload.slice(0, at);
    const value = Number(payload.slice(at + 1));
    if (key === 'score_left') pong.score.left = value;
    else if (key === 'score_right') pong.score.right = value;
    else if (key === 'games') pong.games = value;
    showScore();
  });
  client.on('invalid', (reason) => {
    setStatus(pong.status, `The server refused a move: ${reason}`, true);
  });
  client.on('error', ({ code, message }) => {
    if (code === 'resumed') setStatus('closed', 'This seat is now played in another window.', true);
    else setStatus(pong.status, `Error ${code}: ${message}`, true);
  });
  client.on('reconnecting', ({ attempt }) => {
    setStatus('reconnecting', `Connection lost; reconnecting (attempt ${attempt})…`, true);
  });
  client.on('close', () => {
    if (pong.status !== 'closed') setStatus('closed', 'Disconnected. Reload the page to play again.', true);
  });
}

document.getElementById('leave').addEventListener('click', async () => {
  await pong.client?.close();
  pong.side = null;
  sideLabel.textContent = '';
  setStatus('closed', 'You left the table. Reload the page to play again.');
});

async function main() {
  requestAnimationFrame(draw);
  try {
    pong.client = await connect();
    wire(pong.client);
    await pong.client.hello({ game: 'pong' });
  } catch (error) {
    setStatus('closed', `Cannot play: ${error.message}`, true);
  }
}

main();
