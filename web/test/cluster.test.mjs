// web/ggs.js against a real cluster: two `ggs serve --cluster` nodes with their HTTP
// listeners on one real redis-server. A browser client that joins, through one node, a
// table the other node owns is redirected to the owner's HTTP address and seated there;
// when the owner is stopped, the client resumes its seat on the other node. Needs the
// WebSocket class of Node (>= 22, or 20 with --experimental-websocket).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { connect } from '../ggs.js';
import { nextEvent, RedisServer, Server } from './support.mjs';

let redis;
const nodes = [];
before(async () => {
  assert.equal(typeof globalThis.WebSocket, 'function', 'run Node >= 22, or Node 20 with --experimental-websocket');
  redis = await RedisServer.start();
  for (let i = 0; i < 2; i++) {
    nodes.push(await Server.start({ http: true, cluster: redis.url, args: ['--lease-ms', '600', '--reconnect-grace', '30', '--flush-ms', '20'] }));
  }
});
after(async () => {
  for (const node of nodes) await node.stop();
  await redis?.stop();
});

// Patient reconnects: while the stopped owner drains and releases its lease (slower on a busy
// machine), the survivor still redirects to it.
const open = (node) => connect(`ws://127.0.0.1:${node.httpPort}/ws`, { remember: false, minDelay: 50, maxDelay: 500, maxAttempts: 60 });

test('a client joining through one node a table the other owns is redirected there, and resumes on the survivor', { timeout: 60000 }, async () => {
  const owner = await open(nodes[0]);
  const first = await owner.hello({ game: 'chat' });
  await new Promise((resolve) => setTimeout(resolve, 100)); // Past a flush: the table is in Redis.

  const joiner = await open(nodes[1]);
  const redirects = [];
  joiner.on('redirect', (r) => redirects.push(r));
  const seat = await joiner.hello({ table: first.tableToken });
  assert.equal(seat.tableToken, first.tableToken);
  assert.deepEqual(redirects, [{ url: `ws://127.0.0.1:${nodes[0].httpPort}/ws`, redirects: 1 }]);
  assert.equal(await joiner.ping('on the owner'), 'on the owner');

  // The owner goes away (cleanly: its lease is released after its last flush). The client
  // reconnects at its entry point, node 1, which takes the table over and seats it again.
  const resumed = nextEvent(joiner, 'hello', (info) => info.resumed, 30000);
  await nodes[0].stop();
  const [info] = await resumed;
  assert.equal(info.playerToken, seat.playerToken);
  assert.equal(info.tableToken, first.tableToken);
  assert.equal(await joiner.ping('on the survivor'), 'on the survivor');
  await joiner.close();
  await owner.close();
});
