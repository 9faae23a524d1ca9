// The client library of web/ggs.js against a real `ggs serve`, without a browser: the
// library's WebSocket is replaced by TcpWebSocket, which carries one packet per message over
// the game port, so hello in its four forms, define, commands, error events, remembered
// seats and reconnection are tested here whatever the HTTP listener does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect, GgsError, HEADER } from '../ggs.js';
import { nextEvent, Server, TcpClient, TcpWebSocket } from './support.mjs';

let server;
before(async () => {
  server = await Server.start({ args: ['--reconnect-grace', '30'] });
});
after(async () => {
  await server?.stop();
});

const open = (options = {}) => connect(`tcp://127.0.0.1:${server.port}`, { WebSocket: TcpWebSocket, remember: false, ...options });

test('hello by game name seats the client; game messages arrive as events', { timeout: 60000 }, async () => {
  const client = await open();
  const notice = nextEvent(client, 'notice');
  const seat = await client.hello({ game: 'chat' });
  assert.match(seat.playerToken, /^[0-9a-f-]{36}$/);
  assert.match(seat.tableToken, /^[0-9a-f-]{36}$/);
  assert.equal(seat.defined, true);
  assert.equal(seat.resumed, false);
  assert.match((await notice)[0], /^guest\d+ joined$/);

  const tcp = await TcpClient.connect(server.port);
  tcp.send({ [HEADER.serverCommand]: 'hello' }, seat.tableToken);
  await tcp.next('hello');
  const heard = nextEvent(client, 'message', (payload) => payload.endsWith(': grüße aus tcp'));
  tcp.send({ [HEADER.gameCommand]: 'message' }, 'grüße aus tcp');
  await heard;

  assert.equal(client.send('message', 'und zurück ✓'), true);
  await tcp.next('message', (payload) => payload.endsWith(': und zurück ✓'));
  assert.equal(await client.ping('echo'), 'echo');
  tcp.close();
  await client.close();
  assert.equal(client.send('message', 'too late'), false);
});

test('a new table is defined by its creator; errors are events and rejections', { timeout: 60000 }, async () => {
  const client = await open();
  const seat = await client.hello();
  assert.equal(seat.defined, false);
  const errors = [];
  client.on('error', (error) => errors.push(error));
  const notDefined = nextEvent(client, 'error', (e) => e.code === 'not_defined');
  client.send('say', 'early');
  await notDefined;
  const defined = nextEvent(client, 'defined');
  await client.define(
    "function playerCommand(id, command, args) { GGS.sendCommandToAll('said', id + ':' + args); }",
  );
  await defined;
  await assert.rejects(client.define('function playerCommand() {}'), (e) => e instanceof GgsError && e.code === 'already_defined');
  const said = nextEvent(client, 'said');
  client.send('say', 'hi');
  assert.equal((await said)[0], '1:hi');
  assert.deepEqual(errors.map((e) => [e.code, e.request]), [['not_defined', null], ['already_defined', 'defined']]);

  const other = await open();
  await assert.rejects(other.hello({ game: 'no-such-game' }), (e) => e.code === 'no_such_game');
  await assert.rejects(other.hello({ table: '00000000-0000-4000-8000-000000000000' }), (e) => e.code === 'no_such_table');
  await other.close();
  await client.close();
});

test('a dropped connection reconnects and resumes the same player', { timeout: 60000 }, async () => {
  const client = await open({ minDelay: 50 });
  const sideGiven = nextEvent(client, 'side'); // Before hello: `side` follows its reply at once.
  const first = await client.hello({ game: 'pong' });
  const side = (await sideGiven)[0];
  const reconnecting = nextEvent(client, 'reconnecting');
  const resumed = nextEvent(client, 'hello', (info) => info.resumed);
  const sideAgain = nextEvent(client, 'side');
  client.socket.drop();
  await reconnecting;
  const [info] = await resumed;
  assert.equal(info.playerToken, first.playerToken);
  assert.equal(info.tableToken, first.tableToken);
  assert.equal((await sideAgain)[0], side);
  await client.close();
});

test('a player resumed elsewhere is told so and does not fight back', { timeout: 60000 }, async () => {
  const client = await open({ minDelay: 50 });
  const seat = await client.hello({ game: 'chat' });
  const closed = nextEvent(client, 'close');
  const told = nextEvent(client, 'error', (e) => e.code === 'resumed');
  const thief = await open();
  const again = await thief.hello({ token: seat.playerToken });
  assert.equal(again.resumed, true);
  assert.equal(again.playerToken, seat.playerToken);
  await told;
  await closed;
  assert.equal(thief.connected, true);
  await thief.close();
});

// A Web Storage stand-in: what a page's sessionStorage does, in memory.
class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

test('a remembered seat is resumed by the next hello of the same game, and forgotten by bye', { timeout: 60000 }, async () => {
  globalThis.sessionStorage = new MemoryStorage();
  try {
    const first = await open({ remember: true });
    const seat = await first.hello({ game: 'tictactoe' });
    await first.close({ keepSeat: true });

    const reloaded = await open({ remember: true });
    const again = await reloaded.hello({ game: 'tictactoe' });
    assert.equal(again.resumed, true);
    assert.equal(again.playerToken, seat.playerToken);
    await reloaded.close(); // bye: the seat is given up and forgotten.

    const fresh = await open({ remember: true });
    const other = await fresh.hello({ game: 'tictactoe' });
    assert.equal(other.resumed, false);
    assert.notEqual(other.playerToken, seat.playerToken);
    await fresh.close();
  } finally {
    delete globalThis.sessionStorage;
  }
});

test('a connection that cannot open rejects; reconnection gives up after maxAttempts', { timeout: 60000 }, async () => {
  const own = await Server.start();
  const port = own.port;
  const client = await connect(`tcp://127.0.0.1:${port}`, { WebSocket: TcpWebSocket, remember: false, minDelay: 20, maxAttempts: 3 });
  await client.hello({ game: 'chat' });
  const attempts = [];
  client.on('reconnecting', ({ attempt }) => attempts.push(attempt));
  const closed = nextEvent(client, 'close');
  await own.stop();
  await closed;
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(client.send('message', 'nobody hears this'), false);
  await assert.rejects(
    connect(`tcp://127.0.0.1:${port}`, { WebSocket: TcpWebSocket }),
    (e) => e instanceof GgsError && e.code === 'closed',
  );
});
