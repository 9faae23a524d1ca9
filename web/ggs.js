// ggs.js: the browser client library of ggs, an ES module with no dependencies.
//
// It speaks the ggs protocol (docs/protocol.md) over the server's WebSocket endpoint `/ws`:
// every WebSocket message carries exactly one ggs packet, byte for byte as on TCP. The
// packet codec (encodePacket, PacketDecoder) follows the protocol's byte rules; the client
// (connect) adds hello in its four forms, define, game commands, events, seats kept in
// localStorage so that a reload resumes the same player, and reconnection with resume.
// docs/web-client.md is the reference.

// ---- The wire vocabulary (docs/protocol.md).

export const HEADER = Object.freeze({
  serverCommand: 'Server-Command',
  gameCommand: 'Game-Command',
  clientCommand: 'Client-Command',
  errorCode: 'Error-Code',
  contentLength: 'Content-Length',
  token: 'Token',
  game: 'Game',
  redirects: 'Redirects',
});

// A client follows at most this many `redirect` replies for one hello, then gives up with
// the error `too_many_redirects` (docs/protocol.md).
export const MAX_REDIRECTS = 3;

// The node a `redirect` names, `HOST:PORT` (IPv6 in brackets), as the URL of its /ws, with
// the scheme of `from` (ws: or wss:); null when the payload is not HOST:PORT.
export function redirectUrl(payload, from) {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/.exec(payload);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  const secure = /^(wss|https):/i.test(from ?? '');
  return `${secure ? 'wss' : 'ws'}://${match[1]}:${port}/ws`;
}

// The default limits of the server (--max-header, --max-payload); the decoder accepts up
// to these unless told otherwise.
export const DEFAULT_MAX_HEADER = 8 * 1024;
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;

// Error codes after which the connection is gone for good: reconnecting would only repeat
// them (or, for `resumed`, fight another tab or device over the same seat).
const FINAL_ERRORS = new Set(['resumed', 'server_full', 'too_many_connections']);

// Header names are tokens (RFC 9110): letters, digits and !#$%&'*+-.^_`|~.
const TOKEN_CHAR = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]$/;
const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function bytesOf(data) {
  if (data === undefined || data === null) return new Uint8Array(0);
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return encoder.encode(String(data));
}

// Encodes one packet. `headers` is an object or an array of [name, value] pairs, without
// Content-Length (it is added from the payload's length in bytes). `payload` is a string
// (sent as UTF-8) or bytes. Throws a TypeError for a header the server would refuse: a name
// that is not a token, or a value with a control character other than tab.
export function encodePacket(headers, payload) {
  const body = bytesOf(payload);
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  let head = '';
  for (const [name, rawValue] of pairs) {
    const value = String(rawValue);
    if (!TOKEN.test(name)) throw new TypeError(`bad header name ${JSON.stringify(name)}`);
    if (name.toLowerCase() === 'content-length') throw new TypeError('Content-Length is set from the payload');
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new TypeError(`bad value for header ${name}`);
    head += `${name}: ${value}\n`;
  }
  if (head === '') throw new TypeError('a packet needs at least one header');
  head += `${HEADER.contentLength}: ${body.length}\n\n`;
  const headBytes = encoder.encode(head);
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes, 0);
  out.set(body, headBytes.length);
  return out;
}

// A decoded packet: its headers (names lowercased), the command it carries, its payload as
// bytes and as text (UTF-8, invalid sequences replaced).
export class Packet {
  constructor(headers, body) {
    this.headers = headers;
    this.body = body;
  }
  header(name) {
    const value = this.headers.get(name.toLowerCase());
    return value === undefined ? null : value;
  }
  get command() {
    return this.header(HEADER.clientCommand) ?? this.header(HEADER.serverCommand) ?? this.header(HEADER.gameCommand);
  }
  get payload() {
    return decoder.decode(this.body);
  }
}

// A decoding error: `code` is `malformed`, `header_too_large` or `payload_too_large`, as
// the server would answer for the same bytes.
export class ProtocolError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

// The incremental packet decoder: feed it bytes in any chunks with push(); it returns the
// packets completed so far and keeps a partial one for the next push. After it has thrown
// a ProtocolError it stays broken (every later push throws the same error), as a connection
// is closed after `malformed`.
export class PacketDecoder {
  constructor({ maxHeader = DEFAULT_MAX_HEADER, maxPayload = DEFAULT_MAX_PAYLOAD } = {}) {
    this.maxHeader = maxHeader;
    this.maxPayload = maxPayload;
    this.failure = null;
    this.reset();
  }

  reset() {
    this.line = [];           // Bytes of the header line being read (with a trailing CR, if any).
    this.headerBytes = 0;     // Bytes of the header section so far.
    this.headers = new Map(); // Lowercased name -> value.
    this.sawContentLength = false;
    this.contentLength = 0;
    this.body = null;         // Set once the header section ended.
    this.bodyFilled = 0;
    this.inName = true;       // Still before the colon of the current line.
  }

  // True when no partial packet is pending.
  get idle() {
    return this.body === null && this.headerBytes === 0;
  }

  push(chunk) {
    if (this.failure) throw this.failure;
    const bytes = bytesOf(chunk);
    const packets = [];
    try {
      let i = 0;
      while (i < bytes.length) {
        if (this.body !== null) {
          const take = Math.min(this.contentLength - this.bodyFilled, bytes.length - i);
          this.body.set(bytes.subarray(i, i + take), this.bodyFilled);
          this.bodyFilled += take;
          i += take;
        } else {
          this.headerByte(bytes[i]);
          i += 1;
        }
        if (this.body !== null && this.bodyFilled === this.contentLength) {
          packets.push(new Packet(this.headers, this.body));
          this.reset();
        }
      }
    } catch (error) {
      this.failure = error;
      throw error;
    }
    return packets;
  }

  fail(code, message) {
    throw new ProtocolError(code, message);
  }

  headerByte(byte) {
    this.headerBytes += 1;
    if (this.headerBytes > this.maxHeader) this.fail('header_too_large', `header section over ${this.maxHeader} bytes`);
    const pendingCr = this.line.length > 0 && this.line[this.line.length - 1] === 0x0d;
    if (byte === 0x0a) {
      if (pendingCr) this.line.pop();
      this.endLine();
      return;
    }
    if (pendingCr) this.fail('malformed', 'CR not followed by LF in a header line');
    if (byte === 0x0d) {
      this.line.push(byte);
      return;
    }
    if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) this.fail('malformed', `control byte ${byte} in a header line`);
    if (this.inName) {
      if (byte === 0x3a) {
        if (this.line.length === 0) this.fail('malformed', 'a header line without a name');
        this.inName = false;
      } else if (byte >= 0x80 || !TOKEN_CHAR.test(String.fromCharCode(byte))) {
        this.fail('malformed', `character ${byte} in a header name`);
      }
    }
    this.line.push(byte);
  }

  endLine() {
    const text = decoder.decode(new Uint8Array(this.line));
    this.line = [];
    if (text === '') {
      if (this.headers.size === 0) this.fail('malformed', 'an empty header section');
      this.body = new Uint8Array(this.contentLength);
      this.bodyFilled = 0;
      return;
    }
    if (this.inName) this.fail('malformed', 'a header line without a colon');
    this.inName = true;
    const colon = text.indexOf(':');
    const name = text.slice(0, colon).toLowerCase();
    const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (name === 'content-length') {
      if (this.sawContentLength) this.fail('malformed', 'more than one Content-Length');
      if (!/^[0-9]+$/.test(value)) this.fail('malformed', `bad Content-Length ${JSON.stringify(value)}`);
      const length = Number(value);
      if (length > this.maxPayload) this.fail('payload_too_large', `payload of ${value} bytes is over ${this.maxPayload}`);
      this.sawContentLength = true;
      this.contentLength = length;
    }
    this.headers.set(name, value);
  }
}

// ---- Seats remembered across reloads.

// Where a seat's player token is kept: localStorage under `ggs:seat:<key>#<slot>`. Two tabs
// of one browser share localStorage but must not share a seat (the second would resume the
// first's player and throw it out), so each tab claims a slot with a Web Lock that it holds
// for its lifetime: the first tab gets slot 0, a second one slot 1. A tab remembers its slot
// in sessionStorage, which a reload keeps, and after a reload it waits (a few seconds at
// most) for the old page to let go of that slot's lock, so it gets its own seat back.
// Without Web Locks (a page not served from a secure context), the seat is kept in
// sessionStorage instead: one per tab, kept by a reload.
class SeatStore {
  constructor(key, slot, storage) {
    this.name = `ggs:seat:${key}#${slot}`;
    this.storage = storage;
  }
  load() {
    try {
      const text = this.storage?.getItem(this.name);
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }
  save(seat) {
    try {
      this.storage?.setItem(this.name, JSON.stringify(seat));
    } catch {
      // Storage full or forbidden: the seat simply is not remembered.
    }
  }
  clear() {
    try {
      this.storage?.removeItem(this.name);
    } catch {
      // As above.
    }
  }
}

const MAX_SLOTS = 32;

const RECLAIM_WAIT_MS = 3000;
const heldLocks = new Set(); // Names of the locks this page holds.

// Takes the lock `name` for the rest of the page's life. With `waitMs`, waits that long for
// it; otherwise only takes it if it is free. Resolves to whether it got it.
function holdLock(locks, name, waitMs) {
  if (heldLocks.has(name)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const options = waitMs ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    locks
      .request(name, options, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        heldLocks.add(name);
        resolve(true);
        return new Promise(() => {}); // Held until the page goes away.
      })
      .catch(() => resolve(false));
  });
}

async function claimSeatStore(key) {
  const locks = globalThis.navigator?.locks;
  const local = globalThis.localStorage;
  const session = globalThis.sessionStorage ?? null;
  if (!locks || !local) return new SeatStore(key, 'tab', session);
  const slotKey = `ggs:slot:${key}`;
  const previous = session?.getItem(slotKey);
  const claimed = async (slot) => {
    session?.setItem(slotKey, String(slot));
    return new SeatStore(key, slot, local);
  };
  if (previous !== null && previous !== undefined && (await holdLock(locks, `ggs:seat:${key}#${previous}`, RECLAIM_WAIT_MS))) {
    return claimed(previous);
  }
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    if (await holdLock(locks, `ggs:seat:${key}#${slot}`, 0)) return claimed(slot);
  }
  return new SeatStore(key, 'tab', session);
}

// ---- The client.

function defaultUrl() {
  const where = globalThis.location;
  if (!where) throw new Error('connect() needs a URL outside a browser page');
  return `${where.protocol === 'https:' ? 'wss:' : 'ws:'}//${where.host}/ws`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The error a request is rejected with: `code` is the server's Error-Code (or a code of the
// client's own: `closed`, `malformed`).
export class GgsError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'GgsError';
    this.code = code;
    this.detail = message;
  }
}

// A connection to a ggs server over WebSocket. Create it with connect(). Events (on):
//   a game's command name    (payload, packet)   every packet the game sends, e.g. 'state'
//   'hello'                  ({playerToken, tableToken, defined, resumed})
//   'defined'                ()
//   'error'                  ({code, message, request})  an error packet (request: the
//                            request it answers, hello/define/pong, or null), or bad bytes
//   'open', 'close'          ()                  the socket opened / is gone for good
//   'redirect'               ({url, redirects})  a hello was redirected; saying it again at url
//   'reconnecting'           ({attempt, delay})  the socket dropped; trying again
//   'packet'                 (packet)            every packet, before its own event
export class Client {
  constructor(url, options = {}) {
    this.url = url ?? defaultUrl();  // The entry point: every new connection starts here.
    this.WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this.reconnect = options.reconnect ?? true;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.minDelay = options.minDelay ?? 250;
    this.maxDelay = options.maxDelay ?? 5000;
    this.remember = options.remember ?? true;
    this.handlers = new Map();
    this.socket = null;
    this.decoder = null;
    this.closing = false;       // close() was called: no more reconnects.
    this.intent = null;         // The hello the user asked for, to redo after a lost seat.
    this.seat = null;           // {playerToken, tableToken} once seated.
    this.store = null;          // The SeatStore of this hello, if remembered.
    this.waiters = [];          // Pending requests: {command, resolve, reject}.
    this.opened = null;         // Promise of the current socket's open.
    this.reconnecting = false;  // reconnectLoop() is running.
  }

  // Registers fn for an event; returns a function that removes it.
  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
    return () => this.handlers.get(event)?.delete(fn);
  }

  emit(event, ...args) {
    for (const fn of [...(this.handlers.get(event) ?? [])]) {
      try {
        fn(...args);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  get playerToken() {
    return this.seat?.playerToken ?? null;
  }
  get tableToken() {
    return this.seat?.tableToken ?? null;
  }
  get connected() {
    return this.socket !== null && this.socket.readyState === 1;
  }

  // Opens the WebSocket (to `url`, by default the entry point); resolves when it is open.
  // connect() calls it.
  open(url = this.url) {
    if (this.opened) return this.opened;
    let socket;
    try {
      socket = new this.WebSocket(url);
    } catch (error) {
      return Promise.reject(new GgsError('closed', String(error.message ?? error)));
    }
    this.opened = new Promise((resolve, reject) => {
      socket.binaryType = 'arraybuffer';
      this.socket = socket;
      this.decoder = new PacketDecoder();
      let isOpen = false;
      socket.onopen = () => {
        isOpen = true;
        this.emit('open');
        resolve();
      };
      socket.onmessage = (event) => this.receive(socket, event.data);
      socket.onclose = () => {
        if (this.socket !== socket) return;
        this.socket = null;
        this.opened = null;
        if (!isOpen) reject(new GgsError('closed', `cannot connect to ${url}`));
        this.dropped();
      };
      socket.onerror = () => {}; // A close always follows.
    });
    return this.opened;
  }

  receive(socket, data) {
    if (socket !== this.socket) return;
    let packets;
    try {
      packets = this.decoder.push(data);
    } catch (error) {
      this.emit('error', { code: error.code ?? 'malformed', message: error.message, request: null });
      socket.close();
      return;
    }
    for (const packet of packets) this.dispatch(packet);
  }

  dispatch(packet) {
    this.emit('packet', packet);
    const command = packet.command;
    if (command === 'error') {
      const code = packet.header(HEADER.errorCode) ?? 'unknown';
      const message = packet.payload;
      if (FINAL_ERRORS.has(code)) this.closing = true;
      // Replies come in the order of the requests, and an error that answers a request
      // (hello, define, ping) is that request's answer; the rest concern game commands.
      const waiter = this.waiters.shift();
      this.emit('error', { code, message, request: waiter?.command ?? null });
      if (waiter) waiter.reject(new GgsError(code, message));
      return;
    }
    if (command === 'redirect') {
      // The answer to a hello: the node closes this connection, and the hello goes on to the
      // node named. Let go of the socket now, so that its close is not taken for a drop.
      const index = this.waiters.findIndex((w) => w.command === 'hello');
      if (index < 0) return;
      const [waiter] = this.waiters.splice(index, 1);
      this.detach();
      waiter.resolve(packet);
      return;
    }
    const index = this.waiters.findIndex((w) => w.command === command);
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter.resolve(packet);
    }
    if (command === 'defined') this.emit('defined');
    else if (command !== 'hello' && command !== 'pong' && command !== 'bye') this.emit(command, packet.payload, packet);
  }

  // Forgets the current socket without treating its end as a drop, and closes it.
  detach() {
    const socket = this.socket;
    this.socket = null;
    this.opened = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new GgsError('closed', 'the connection was redirected'));
    socket?.close();
  }

  dropped() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new GgsError('closed', 'the connection closed'));
    if (this.reconnecting) return; // The loop below tries again by itself.
    if (this.closing || !this.reconnect || !this.seat) {
      this.emit('close');
      return;
    }
    this.reconnectLoop();
  }

  async reconnectLoop() {
    this.reconnecting = true;
    for (let attempt = 1; attempt <= this.maxAttempts && !this.closing; attempt++) {
      const delay = Math.min(this.maxDelay, this.minDelay * 2 ** (attempt - 1));
      this.emit('reconnecting', { attempt, delay });
      await sleep(delay);
      if (this.closing) break;
      try {
        await this.open();
        await this.seatMe(this.intent);
        this.reconnecting = false;
        return;
      } catch (error) {
        // An error packet has been reported as an 'error' event already.
        if (FINAL_ERRORS.has(error.code)) break;
        this.socket?.close();
      }
    }
    this.reconnecting = false;
    this.closing = true;
    this.socket?.close();
    this.emit('close');
  }

  // Sends one packet; throws GgsError('closed') when the socket is not open.
  sendPacket(headers, payload) {
    if (!this.connected) throw new GgsError('closed', 'not connected');
    this.socket.send(encodePacket(headers, payload));
  }

  request(command, headers, payload) {
    return new Promise((resolve, reject) => {
      try {
        this.sendPacket(headers, payload);
      } catch (error) {
        reject(error);
        return;
      }
      this.waiters.push({ command, resolve, reject });
    });
  }

  // Takes a seat. `how` is one of
  //   {game: 'pong'}         a table of that registered game
  //   {table: TABLE_TOKEN}   that table
  //   {}                     a new table, which you then define()
  //   {token: PLAYER_TOKEN}  resume that player
  // With `remember` (the default), the seat's player token is kept in localStorage under
  // the game or table (or `key`, if given), and the next hello of the same kind, after a
  // reload, resumes that player first. Resolves to {playerToken, tableToken, defined, resumed}.
  async hello(how = {}) {
    this.intent = { ...how };
    const key = how.key ?? (how.game ? `game:${how.game}` : how.table ? `table:${how.table}` : null);
    if (this.remember && key && !this.store) this.store = await claimSeatStore(key);
    return this.seatMe(this.intent);
  }

  async seatMe(how) {
    const token = how.token ?? this.seat?.playerToken ?? this.store?.load()?.playerToken ?? null;
    if (token) {
      try {
        return await this.helloWith({ [HEADER.serverCommand]: 'hello', [HEADER.token]: token }, '', true);
      } catch (error) {
        // The seat is gone (its grace period ended, or another server's database): forget
        // it and take a seat the way the caller asked, unless resuming was all it asked.
        if (error.code !== 'no_such_player' || how.token) throw error;
        this.store?.clear();
        this.seat = null;
      }
    }
    const headers = { [HEADER.serverCommand]: 'hello' };
    if (how.game) headers[HEADER.game] = how.game;
    return this.helloWith(headers, how.table ?? '', false);
  }

  // Sends a hello and follows `redirect` replies: at most MAX_REDIRECTS, each to the node's
  // /ws, with the same headers and payload and `Redirects: N`.
  async helloFollowingRedirects(headers, payload) {
    for (let redirects = 0; ; redirects++) {
      const sent = redirects === 0 ? headers : { ...headers, [HEADER.redirects]: String(redirects) };
      const packet = await this.request('hello', sent, payload);
      if (packet.command !== 'redirect') return packet;
      const url = redirectUrl(packet.payload, this.url);
      const failure =
        redirects >= MAX_REDIRECTS
          ? ['too_many_redirects', `the hello was redirected more than ${MAX_REDIRECTS} times; last to ${packet.payload}`]
          : url === null
            ? ['bad_redirect', `a redirect to ${JSON.stringify(packet.payload.slice(0, 80))}, which is not HOST:PORT`]
            : null;
      if (failure) {
        this.emit('error', { code: failure[0], message: failure[1], request: 'hello' });
        if (!this.reconnecting) this.dropped();
        throw new GgsError(failure[0], failure[1]);
      }
      this.emit('redirect', { url, redirects: redirects + 1 });
      await this.open(url);
    }
  }

  async helloWith(headers, payload, resumed) {
    const packet = await this.helloFollowingRedirects(headers, payload);
    const [playerToken, defined, tableToken] = packet.payload.split(',');
    this.seat = { playerToken, tableToken };
    if (this.store) this.store.save(this.seat);
    else if (this.remember && !this.intent.token && tableToken) {
      // A new table: remember the seat under its table token, so that joining that table
      // again from this browser resumes this player.
      this.store = await claimSeatStore(`table:${tableToken}`);
      this.store.save(this.seat);
    }
    const info = { playerToken, tableToken, defined: defined === 'true', resumed };
    this.emit('hello', info);
    return info;
  }

  // Defines the game of a table you created; resolves when the server answers `defined`.
  async define(source) {
    await this.request('defined', { [HEADER.serverCommand]: 'define' }, source);
  }

  // Sends a game command with its argument (a string, or bytes). Returns false, sending
  // nothing, while there is no connection (during a reconnect, or after close), the way
  // the server drops what a game sends to a disconnected player.
  send(command, args = '') {
    if (!this.connected || !this.seat) return false;
    this.sendPacket({ [HEADER.gameCommand]: command }, args);
    return true;
  }

  // Round trip to the server; resolves to the payload echoed back.
  async ping(payload = '') {
    return (await this.request('pong', { [HEADER.serverCommand]: 'ping' }, payload)).payload;
  }

  // Leaves the table (`bye`: the game hears playerLeft at once), forgets the seat and closes.
  // With {keepSeat: true} only the socket is closed: the seat waits out the grace period
  // and a later hello from this browser resumes it.
  async close({ keepSeat = false } = {}) {
    this.closing = true;
    if (!keepSeat && this.connected && this.seat) {
      try {
        await Promise.race([this.request('bye', { [HEADER.serverCommand]: 'bye' }, ''), sleep(2000)]);
      } catch {
        // Already gone.
      }
      this.store?.clear();
      this.seat = null;
    }
    if (this.socket) this.socket.close();
    else this.emit('close');
  }
}

// Connects to the ggs server at `url` (default: `/ws` of the page's own server) and resolves
// to a Client once the socket is open. Options: reconnect (true), maxAttempts (8), minDelay
// (250 ms), maxDelay (5000 ms), remember (true), WebSocket (the class to use).
export async function connect(url, options = {}) {
  const client = new Client(url, options);
  await client.open();
  return client;
}
