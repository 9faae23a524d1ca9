// web/ggs.js following `redirect` replies to hello (docs/protocol.md), over real WebSockets:
// fake cluster nodes (a node:http upgrade handshake, one message in, one redirect out) in
// front of a real `ggs serve --http`. Needs the WebSocket class of Node (>= 22, or 20 with
// --experimental-websocket, as the project's test commands run it).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { connect, encodePacket, HEADER, MAX_REDIRECTS, PacketDecoder, redirectUrl } from '../ggs.js';
import { nextEvent, Server } from './support.mjs';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

// One unmasked server frame (FIN set) with `opcode` and `payload` bytes.
function frame(opcode, payload) {
  const length = payload.length;
  const head = length < 126 ? Buffer.from([0x80 | opcode, length]) : Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]);
  return Buffer.concat([head, Buffer.from(payload)]);
}

// The payload of the first complete masked client frame in `bytes`, or null.
function firstFrame(bytes) {
  if (bytes.length < 2) return null;
  let length = bytes[1] & 0x7f;
  let at = 2;
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = bytes.readUInt16BE(2);
    at = 4;
  }
  if (bytes.length < at + 4 + length) return null;
  const mask = bytes.subarray(at, at + 4);
  const payload = Buffer.from(bytes.subarray(at + 4, at + 4 + length));
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return payload;
}

// A fake cluster node: it accepts the WebSocket handshake on any path, reads one message
// (a packet, kept in `hellos`), answers `redirect` with `target`, and closes.
class Redirector {
  static async start(target) {
    const redirector = new Redirector(target);
    await new Promise((resolve) => redirector.server.listen(0, '127.0.0.1', resolve));
    return redirector;
  }

  constructor(target) {
    this.target = target;
    this.hellos = [];
    this.server = http.createServer((request, response) => response.writeHead(404).end());
    this.server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  get address() {
    return `127.0.0.1:${this.server.address().port}`;
  }

  upgrade(request, socket, head) {
    const accept = createHash('sha1').update(request.headers['sec-websocket-key'] + WEBSOCKET_GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    let bytes = Buffer.from(head);
    let answered = false;
    const onData = (chunk) => {
      bytes = Buffer.concat([bytes, chunk]);
      const message = firstFrame(bytes);
      if (message === null || answered) return;
      answered = true;
      this.hellos.push(...new PacketDecoder().push(message));
      socket.write(frame(0x2, encodePacket({ [HEADER.clientCommand]: 'redirect' }, this.target)));
      socket.end(frame(0x8, Buffer.from([0x03, 0xe8]))); // Close, 1000.
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    onData(Buffer.alloc(0));
  }

  close() {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

let server;
const redirectors = [];
before(async () => {
  assert.equal(typeof globalThis.WebSocket, 'function', 'run Node >= 22, or Node 20 with --experimental-websocket');
  server = await Server.start({ http: true, args: ['--reconnect-grace', '30'] });
});
after(async () => {
  for (const r of redirectors) await r.close();
  await server?.stop();
});

async function redirector(target) {
  const r = await Redirector.start(target);
  redirectors.push(r);
  return r;
}

const open = (address, options = {}) => connect(`ws://${address}/ws`, { remember: false, minDelay: 50, ...options });

test('redirectUrl accepts HOST:PORT only', () => {
  assert.equal(redirectUrl('10.0.0.2:8080', 'ws://a/ws'), 'ws://10.0.0.2:8080/ws');
  assert.equal(redirectUrl('node-2.example:443', 'wss://a/ws'), 'wss://node-2.example:443/ws');
  assert.equal(redirectUrl('[::1]:8080', 'ws://a/ws'), 'ws://[::1]:8080/ws');
  for (const bad of ['', 'host', 'host:', ':80', 'host:0', 'host:65536', 'a b:80', 'host:80/x', 'ws://host:80']) {
    assert.equal(redirectUrl(bad, 'ws://a/ws'), null, bad);
  }
});

test('a hello follows redirects to the real server with the same headers and Redirects: N', { timeout: 60000 }, async () => {
  const second = await redirector(`127.0.0.1:${server.httpPort}`);
  const first = await redirector(second.address);
  const client = await open(first.address);
  const redirects = [];
  client.on('redirect', (r) => redirects.push(r));
  const notice = nextEvent(client, 'notice');
  const seat = await client.hello({ game: 'chat' });
  assert.match(seat.playerToken, /^[0-9a-f-]{36}$/);
  assert.match((await notice)[0], /^guest\d+ joined$/);
  assert.deepEqual(redirects, [
    { url: `ws://${second.address}/ws`, redirects: 1 },
    { url: `ws://127.0.0.1:${server.httpPort}/ws`, redirects: 2 },
  ]);
  assert.equal(first.hellos.length, 1);
  assert.equal(first.hellos[0].header(HEADER.game), 'chat');
  assert.equal(first.hellos[0].header(HEADER.redirects), null);
  assert.equal(second.hellos.length, 1);
  assert.equal(second.hellos[0].header(HEADER.game), 'chat');
  assert.equal(second.hellos[0].header(HEADER.redirects), '1');
  assert.equal(await client.ping('at the real server'), 'at the real server');

  // A dropped connection reconnects at the entry point, is redirected again, and resumes.
  const resumed = nextEvent(client, 'hello', (info) => info.resumed);
  client.socket.close();
  const [info] = await resumed;
  assert.equal(info.playerToken, seat.playerToken);
  assert.equal(info.tableToken, seat.tableToken);
  assert.equal(second.hellos.length, 2);
  assert.equal(second.hellos[1].header(HEADER.token), seat.playerToken);
  assert.equal(second.hellos[1].header(HEADER.redirects), '1');
  await client.close();
});

test(`a hello redirected more than ${MAX_REDIRECTS} times is an error`, { timeout: 60000 }, async () => {
  const loop = await redirector('');
  loop.target = loop.address;
  const client = await open(loop.address);
  const error = nextEvent(client, 'error');
  const closed = nextEvent(client, 'close');
  await assert.rejects(client.hello({ game: 'chat' }), (e) => e.code === 'too_many_redirects');
  assert.equal((await error)[0].request, 'hello');
  await closed;
  assert.deepEqual(
    loop.hellos.map((p) => p.header(HEADER.redirects)),
    [null, '1', '2', '3'],
  );
  assert.ok(loop.hellos.every((p) => p.header(HEADER.game) === 'chat'));
});

test('a redirect that is not HOST:PORT is an error, not a crash', { timeout: 60000 }, async () => {
  for (const junk of ['nowhere', '127.0.0.1:0', 'x'.repeat(5000)]) {
    const bad = await redirector(junk);
    const client = await open(bad.address);
    const error = nextEvent(client, 'error');
    await assert.rejects(client.hello({}), (e) => e.code === 'bad_redirect');
    assert.equal((await error)[0].code, 'bad_redirect');
    assert.equal(client.connected, false);
  }
});
