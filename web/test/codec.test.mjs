// The packet codec of web/ggs.js against the byte rules of docs/protocol.md: encoding,
// decoding in every chunking, and every kind of malformed input. No server, no browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodePacket, PacketDecoder, ProtocolError } from '../ggs.js';

const bytes = (text) => new TextEncoder().encode(text);
const text = (data) => new TextDecoder().decode(data);

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Decodes `input` fed in the given chunk sizes (cycled); returns the packets as
// [command, payload] pairs.
function decodeChunked(input, sizes) {
  const decoder = new PacketDecoder();
  const out = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length];
    for (const p of decoder.push(input.subarray(at, at + size))) out.push([p.command, p.payload]);
    at += size;
  }
  assert.ok(decoder.idle, 'nothing left over');
  return out;
}

function decodeError(input) {
  const decoder = new PacketDecoder({ maxHeader: 64, maxPayload: 100 });
  try {
    decoder.push(bytes(input));
  } catch (error) {
    assert.ok(error instanceof ProtocolError);
    return error.code;
  }
  return null;
}

test('encodePacket writes the headers, the byte length of the payload and the payload', () => {
  const packet = encodePacket({ 'Game-Command': 'message' }, 'héllo ✓');
  assert.equal(text(packet), 'Game-Command: message\nContent-Length: 10\n\nhéllo ✓');
  assert.equal(text(encodePacket([['Server-Command', 'hello'], ['Game', 'pong']])),
    'Server-Command: hello\nGame: pong\nContent-Length: 0\n\n');
  const binary = encodePacket({ 'Game-Command': 'raw' }, new Uint8Array([0, 10, 10, 255]));
  assert.deepEqual([...binary.slice(-4)], [0, 10, 10, 255]);
});

test('encodePacket refuses what the server would refuse', () => {
  assert.throws(() => encodePacket({ 'Bad Name': 'x' }), TypeError);
  assert.throws(() => encodePacket({ '': 'x' }), TypeError);
  assert.throws(() => encodePacket({ 'Game-Command': 'a\nServer-Command: bye' }), TypeError);
  assert.throws(() => encodePacket({ 'Game-Command': 'a\rb' }), TypeError);
  assert.throws(() => encodePacket({ 'Content-Length': '3' }, 'abc'), TypeError);
  assert.throws(() => encodePacket({}), TypeError);
  assert.doesNotThrow(() => encodePacket({ 'Game-Command': 'a\tb' }));
});

// Three packets: CRLF and LF lines, a name in odd case and padded value, no Content-Length,
// and a payload holding blank lines and a multi-byte character.
const STREAM = concat([
  bytes('Client-Command: hello\r\nContent-Length: 5\r\n\r\nabc,d'),
  bytes('client-COMMAND:\t  notice  \nX-Other: 1\n\n'),
  bytes('Client-Command: message\nContent-Length: 13\n\na\n\nb: ✓ end'),
]);
const EXPECTED = [['hello', 'abc,d'], ['notice', ''], ['message', 'a\n\nb: ✓ end']];

test('PacketDecoder decodes the same packets in every chunking', () => {
  assert.deepEqual(decodeChunked(STREAM, [STREAM.length]), EXPECTED);
  for (let size = 1; size <= 7; size++) assert.deepEqual(decodeChunked(STREAM, [size]), EXPECTED, `chunks of ${size}`);
  // Every split into three pieces.
  for (let a = 0; a <= STREAM.length; a++) {
    for (let b = a; b <= STREAM.length; b += 3) {
      const decoder = new PacketDecoder();
      const got = [STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]
        .flatMap((part) => decoder.push(part))
        .map((p) => [p.command, p.payload]);
      assert.deepEqual(got, EXPECTED, `split at ${a} and ${b}`);
    }
  }
});

test('PacketDecoder keeps header values and the raw payload bytes', () => {
  const [packet] = new PacketDecoder().push(bytes('Client-Command: error\nError-Code: table_full \nContent-Length: 3\n\nno!'));
  assert.equal(packet.header('error-code'), 'table_full');
  assert.equal(packet.header('Error-Code'), 'table_full');
  assert.equal(packet.header('Missing'), null);
  assert.deepEqual([...packet.body], [110, 111, 33]);
});

test('random packets survive encoding and decoding in random chunks', () => {
  let seed = 12345;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const packets = [];
    for (let i = 0, count = 1 + random(4); i < count; i++) {
      const payload = new Uint8Array(random(40)).map(() => random(256));
      packets.push({ command: `c${random(1000)}`, payload });
    }
    const stream = concat(packets.map((p) => encodePacket({ 'Client-Command': p.command }, p.payload)));
    const decoder = new PacketDecoder();
    const got = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + random(16);
      got.push(...decoder.push(stream.subarray(at, at + size)));
      at += size;
    }
    assert.deepEqual(got.map((p) => [p.command, [...p.body]]), packets.map((p) => [p.command, [...p.payload]]));
  }
});

test('PacketDecoder answers malformed input with the code the server would use', () => {
  assert.equal(decodeError('\n'), 'malformed', 'an empty header section');
  assert.equal(decodeError('\r\n'), 'malformed', 'an empty header section (CRLF)');
  assert.equal(decodeError('Bad Name: x\n'), 'malformed', 'a space in a name');
  assert.equal(decodeError(': x\n'), 'malformed', 'no name');
  assert.equal(decodeError('NoColon\n'), 'malformed', 'no colon');
  assert.equal(decodeError('A: b\0c\n'), 'malformed', 'a NUL byte');
  assert.equal(decodeError('A: b\rc\n'), 'malformed', 'CR inside a line');
  assert.equal(decodeError('Ä: b\n'), 'malformed', 'a non-ASCII name');
  assert.equal(decodeError('Content-Length: 1\nContent-Length: 1\n\nx'), 'malformed', 'two lengths');
  assert.equal(decodeError('Content-Length: +1\n\nx'), 'malformed', 'a signed length');
  assert.equal(decodeError('Content-Length: 1x\n\nx'), 'malformed', 'a length with junk');
  assert.equal(decodeError('Content-Length:\n\n'), 'malformed', 'an empty length');
  assert.equal(decodeError('Content-Length: 101\n\n'), 'payload_too_large');
  assert.equal(decodeError(`A: ${'x'.repeat(70)}`), 'header_too_large', 'checked before the line ends');
  assert.equal(decodeError('Content-Length: 100\n\n'), null, 'a packet at the limit is fine (and pending)');
});

test('a broken PacketDecoder stays broken', () => {
  const decoder = new PacketDecoder();
  assert.throws(() => decoder.push(bytes('\n')), ProtocolError);
  assert.throws(() => decoder.push(bytes('Client-Command: ok\n\n')), ProtocolError);
});
