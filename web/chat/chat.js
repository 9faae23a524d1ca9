// The chat page: seats the player at the chat table (games/chat/README.md), shows every
// `message` and `notice`, and sends what is typed. What it shows is in window.ggsChat too.
import { connect } from '/ggs.js';

const log = document.getElementById('log');
const statusLine = document.getElementById('status');
const me = document.getElementById('me');

const chat = { lines: [], client: null, playerToken: null, tableToken: null, nick: null, status: 'connecting' };
window.ggsChat = chat;

function setStatus(status, text) {
  chat.status = status;
  statusLine.textContent = text;
}

// Appends a line; text only (textContent), so nothing a player sends is read as HTML.
function addLine(kind, text) {
  chat.lines.push({ kind, text });
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.append(item);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

// This player's nickname: the first `guest<id> joined` after a new seat's hello is its own
// (the game greets a player right after the hello reply), and renames follow it. It is
// kept per table in sessionStorage, so that a reload, which resumes the seat, still knows it.
let ownJoinExpected = false;

function setNick(nick) {
  chat.nick = nick;
  me.textContent = nick ? `you are ${nick}` : '';
  try {
    if (nick) sessionStorage.setItem(`ggs:chat:nick:${chat.tableToken}`, nick);
  } catch {
    // Not remembered.
  }
}

function savedNick(tableToken) {
  try {
    return sessionStorage.getItem(`ggs:chat:nick:${tableToken}`);
  } catch {
    return null;
  }
}

function onNotice(text) {
  addLine('notice', text);
  const joined = /^(guest\d+) joined$/.exec(text);
  if (joined && ownJoinExpected) {
    ownJoinExpected = false;
    setNick(joined[1]);
  }
  if (chat.nick && text.startsWith(`${chat.nick} is now `)) setNick(text.slice(chat.nick.length + ' is now '.length));
}

function wire(client) {
  client.on('hello', (seat) => {
    chat.playerToken = seat.playerToken;
    chat.tableToken = seat.tableToken;
    ownJoinExpected = !seat.resumed;
    if (seat.resumed) setNick(savedNick(seat.tableToken));
    setStatus('chatting', seat.resumed ? 'Back in the room.' : 'In the room.');
  });
  client.on('message', (text) => addLine('message', text));
  client.on('notice', onNotice);
  client.on('invalid', (reason) => addLine('invalid', `refused: ${reason}`));
  client.on('error', ({ code, message }) => addLine('error', `error ${code}: ${message}`));
  client.on('reconnecting', ({ attempt }) => setStatus('reconnecting', `Connection lost; reconnecting (attempt ${attempt})…`));
  client.on('close', () => setStatus('closed', 'Disconnected. Reload the page to come back.'));
}

document.getElementById('say-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('text');
  if (input.value === '') return;
  if (chat.client?.send('message', input.value)) input.value = '';
});

document.getElementById('nick-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const nick = document.getElementById('nick').value.trim();
  if (nick === '') return;
  chat.client?.send('nick', nick);
});

async function main() {
  try {
    chat.client = await connect();
    wire(chat.client);
    await chat.client.hello({ game: 'chat' });
  } catch (error) {
    setStatus('closed', `Cannot chat: ${error.message}`);
  }
}

main();
