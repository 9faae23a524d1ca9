// Test support for the browser side: a real `ggs serve` child process on free loopback
// ports, a TCP client speaking the protocol with web/ggs.js's codec, and a WebSocket
// stand-in that carries one packet per message over TCP (so the client library can be
// tested against a real server without a browser or the HTTP listener).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { encodePacket, PacketDecoder } from '../ggs.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The ggs binary under test: GGS_BINARY, or the repository's build/ggs.
export const GGS_BINARY = process.env.GGS_BINARY ?? path.join(REPO, 'build', 'ggs');

// True when the binary has the HTTP listener (`--http` in `ggs serve --help`).
export function hasHttp(binary = GGS_BINARY) {
  const help = spawnSync(binary, ['serve', '--help'], { encoding: 'utf8', timeout: 10000 });
  return `${help.stdout}${help.stderr}`.includes('--http');
}

const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;

// A `ggs serve` child on 127.0.0.1 with port 0 for the game port (and for the HTTP port,
// with {http: true}); the real ports are read from its log lines. The shipped games are
// registered from games/, and its database lives in a scratch directory removed by stop().
export class Server {
  static async start({ http = false, args = [] } = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ggs-web-'));
    const argv = ['serve', '--listen', '127.0.0.1:0', '--db', path.join(dir, 'ggs.db'), '--games', path.join(REPO, 'games')];
    if (http) argv.push('--http', '127.0.0.1:0', '--web', path.join(REPO, 'web'));
    else if (hasHttp()) argv.push('--http', 'off');
    argv.push(...args);
    const child = spawn(GGS_BINARY, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new Server(child, dir);
    await server.waitForPorts(http);
    return server;
  }

  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.log = '';
    this.port = 0;
    this.httpPort = 0;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      this.log += text;
    });
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async waitForPorts(http) {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let gone = false;
    this.exited.then(() => {
      gone = true;
    });
    while (Date.now() < deadline && !gone) {
      const game = /(?<!http )listening on 127\.0\.0\.1:(\d+)/.exec(this.log);
      const web = /http listening on 127\.0\.0\.1:(\d+)/.exec(this.log);
      if (game) this.port = Number(game[1]);
      if (web) this.httpPort = Number(web[1]);
      if (this.port && (!http || this.httpPort)) {
        if (!http || (await answers(this.httpUrl))) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.stop();
    throw new Error(`ggs serve (${GGS_BINARY}) did not come up${gone ? ' (it exited)' : ''}; its log:\n${this.log}`);
  }

  // SIGTERM, then SIGKILL if it has not exited within 10 s; removes the scratch directory.
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

// A protocol client over TCP: send(headers, payload), and next(command) waits for the next
// packet with that command (every packet before it is kept in `seen`).
export class TcpClient {
  static connect(port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.decoder = new PacketDecoder();
    this.seen = [];
    this.waiters = [];
    socket.on('data', (bytes) => {
      for (const packet of this.decoder.push(bytes)) {
        this.seen.push(packet);
        this.wake();
      }
    });
    socket.on('error', () => {});
  }

  send(headers, payload = '') {
    this.socket.write(encodePacket(headers, payload));
  }

  wake() {
    for (const waiter of [...this.waiters]) {
      const index = this.seen.findIndex(waiter.match);
      if (index >= 0) {
        const [packet] = this.seen.splice(0, index + 1).slice(-1);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        clearTimeout(waiter.timer);
        waiter.resolve(packet);
      }
    }
  }

  // The next packet whose command is `command` (and whose payload passes `test`, if given).
  next(command, test = () => true, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      const waiter = {
        match: (p) => p.command === command && test(p.payload),
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no ${command} packet within ${timeoutMs} ms; seen: ${this.seen.map((p) => p.command).join(' ')}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      this.wake();
    });
  }

  close() {
    this.socket.destroy();
  }
}

// A stand-in for the browser's WebSocket class that carries the protocol over TCP instead:
// send() writes the packet's bytes, and every packet the server sends arrives as one
// message whose data is an ArrayBuffer, as on the server's /ws. The URL is `tcp://HOST:PORT`.
export class TcpWebSocket {
  constructor(url) {
    const { hostname, port } = new URL(url);
    this.readyState = 0;
    this.binaryType = 'blob';
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    this.decoder = new PacketDecoder();
    this.socket = net.connect(Number(port), hostname, () => {
      this.readyState = 1;
      this.onopen?.({});
    });
    this.socket.on('data', (bytes) => {
      for (const packet of this.decoder.push(bytes)) {
        const message = encodePacket(
          [...packet.headers].filter(([name]) => name !== 'content-length'),
          packet.body,
        );
        this.onmessage?.({ data: message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) });
      }
    });
    this.socket.on('error', () => this.onerror?.({}));
    this.socket.on('close', () => {
      this.readyState = 3;
      this.onclose?.({});
    });
  }

  send(bytes) {
    if (this.readyState !== 1) throw new Error('not open');
    this.socket.write(bytes);
  }

  close() {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this.socket.end();
  }

  // Test hook: the connection drops without a close handshake.
  drop() {
    this.socket.destroy();
  }
}

// Resolves with the first `event` the client emits whose arguments pass `test`.
export function nextEvent(client, event, test = () => true, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
    const off = client.on(event, (...args) => {
      if (!test(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}
