// End to end in a real browser: Debian's chromium, driven headless by playwright-core,
// against a real `ggs serve` with its HTTP listener (static pages and /ws). Two windows
// play Pong at one table, a reload resumes the seat, and the chat page talks with a TCP
// client. A screenshot of the running game is written to GGS_WEB_ARTIFACTS (default
// build/web-artifacts/pong.png).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { HEADER } from '../ggs.js';
import { GGS_BINARY, hasHttp, REPO, Server, TcpClient } from './support.mjs';

const CHROMIUM = process.env.GGS_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.GGS_WEB_ARTIFACTS ?? path.join(REPO, 'build', 'web-artifacts');
const STEP_MS = 15000; // The longest wait for any one thing to show on a page.

let server;
let browser;

before(async () => {
  if (!hasHttp()) throw new Error(`${GGS_BINARY} has no --http: this ggs cannot serve the browser pages`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed: run `npm ci` at the repository root (make test does)');
  }
  server = await Server.start({ http: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    // The machine has no network beyond loopback: no background fetches, no updates.
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps'],
  });
}, { timeout: 60000 });

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Opens the Pong page and waits until the page has been given a side.
async function openPong(context) {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${server.httpUrl}/pong/`);
  await page.waitForFunction(() => window.ggsPong?.side && window.ggsPong.playerToken, null, { timeout: STEP_MS });
  return page;
}

const pongOf = (page) => page.evaluate(() => {
  const { side, status, state, states, playerToken, tableToken, score, sent } = window.ggsPong;
  return { side, status, state, states, playerToken, tableToken, score, sent };
});

// Waits until `page` sees the paddle of `side` near the top (`top`: y <= 20) or the bottom
// (`bottom`: y >= 80) of the field. Paddles start at 50 and move at most 3 a tick.
function paddleSeen(page, side, where) {
  return page.waitForFunction(
    ([paddle, check]) => {
      const state = window.ggsPong.state;
      if (!state) return false;
      const y = state[paddle];
      return check === 'top' ? y <= 20 : y >= 80;
    },
    [side === 'left' ? 'leftY' : 'rightY', where],
    { timeout: STEP_MS },
  );
}

test('two windows play Pong at one table; keys and the mouse move paddles; a reload resumes the seat', { timeout: 60000 }, async () => {
  // Two windows of one browser: they share localStorage, yet each gets a seat of its own.
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  try {
    const first = await openPong(context);
    const second = await openPong(context);
    const a = await pongOf(first);
    const b = await pongOf(second);
    assert.notEqual(a.playerToken, b.playerToken);
    assert.equal(a.tableToken, b.tableToken, 'both windows sit at the same table');
    assert.deepEqual([a.side, b.side].sort(), ['left', 'right']);

    // The ball moves, as the second window sees it.
    await second.waitForFunction(() => window.ggsPong.status === 'playing' && window.ggsPong.states > 3, null, { timeout: STEP_MS });
    const before = (await pongOf(second)).state;
    await second.waitForFunction(
      ([tick, x, y]) => {
        const s = window.ggsPong.state;
        return s.tick >= tick + 10 && (s.ballX !== x || s.ballY !== y);
      },
      [before.tick, before.ballX, before.ballY],
      { timeout: STEP_MS },
    );

    // The first window holds ↑, then S: the second sees that paddle go up, then down.
    await first.locator('#field').focus();
    await first.keyboard.down('ArrowUp');
    await paddleSeen(second, a.side, 'top');
    await first.keyboard.up('ArrowUp');
    await first.keyboard.down('s');
    await paddleSeen(second, a.side, 'bottom');
    await first.keyboard.up('s');

    // The second window moves its paddle with the mouse: the first sees it at the top.
    const field = await second.locator('#field').boundingBox();
    await second.mouse.move(field.x + field.width - 20, field.y + 10);
    await second.mouse.move(field.x + field.width - 20, field.y + 12);
    await paddleSeen(first, b.side, 'top');

    mkdirSync(ARTIFACTS, { recursive: true });
    await first.screenshot({ path: path.join(ARTIFACTS, 'pong.png') });

    // A reload resumes the same player: same token, same side, same table, and play goes on.
    await first.reload();
    await first.waitForFunction(() => window.ggsPong?.side && window.ggsPong.playerToken, null, { timeout: STEP_MS });
    const again = await pongOf(first);
    assert.equal(again.playerToken, a.playerToken);
    assert.equal(again.side, a.side);
    assert.equal(again.tableToken, a.tableToken);
    await first.waitForFunction(() => window.ggsPong.states > 5 && window.ggsPong.status === 'playing', null, { timeout: STEP_MS });
    assert.equal((await pongOf(second)).status, 'playing', 'the other window never saw its opponent leave');
  } finally {
    await context.close();
  }
});

test('the chat page exchanges messages with a TCP client', { timeout: 60000 }, async () => {
  const tcp = await TcpClient.connect(server.port);
  const context = await browser.newContext();
  try {
    tcp.send({ [HEADER.serverCommand]: 'hello', [HEADER.game]: 'chat' });
    const seat = (await tcp.next('hello')).payload.split(',');
    const tcpNick = (await tcp.next('notice', (text) => text.endsWith(' joined'))).payload.split(' ')[0];

    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${server.httpUrl}/chat/`);
    await page.waitForFunction(() => window.ggsChat?.tableToken, null, { timeout: STEP_MS });
    assert.equal(await page.evaluate(() => window.ggsChat.tableToken), seat[2], 'the page sits at the TCP client\'s table');
    const joined = await tcp.next('notice', (text) => text.endsWith(' joined'));
    const pageNick = joined.payload.split(' ')[0];

    tcp.send({ [HEADER.gameCommand]: 'message' }, 'hello from TCP <b>not bold</b>');
    await page.locator('#log li', { hasText: `${tcpNick}: hello from TCP <b>not bold</b>` }).waitFor({ timeout: STEP_MS });

    await page.fill('#nick', 'browser');
    await page.press('#nick', 'Enter');
    await tcp.next('notice', (text) => text === `${pageNick} is now browser`);
    await page.locator('#me', { hasText: 'you are browser' }).waitFor({ timeout: STEP_MS });
    await page.fill('#text', 'hi from the browser ✓');
    await page.press('#text', 'Enter');
    await tcp.next('message', (text) => text === 'browser: hi from the browser ✓');
    await page.locator('#log li', { hasText: 'browser: hi from the browser ✓' }).waitFor({ timeout: STEP_MS });
  } finally {
    tcp.close();
    await context.close();
  }
});
