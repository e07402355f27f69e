// Pointer to frame through the real window (issue 17): a pointer move on the VNC console's canvas until the
// frame that shows it is drawn, in VMDeck's console (its bridge and noVNC) beside the same noVNC in a plain page
// through websockify, on the same x11vnc in the same run. x11vnc draws the cursor into the framebuffer
// (-nocursorshape), so each move costs a round trip: move sent, screen changed, update sent, canvas drawn.
// Timed in the page from dispatching the move until the canvas's pixels there changed.
//
//   .ci/bench-pointer   (needs websockify: WEBSOCKIFY, installed from PyPI by the script)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addLocalLunanodeVm, loginToVnc, openConsoleDialog } from '../flows.mjs';
import { repo, useApp, useFakeCloud, useVncServer } from '../harness.mjs';

const MOVES = Number(process.env.VMDECK_BENCH_MOVES ?? 60);
const vnc = useVncServer({ x11vncArgs: ['-nonap', '-defer', '0', '-wait', '5', '-nocursorshape', '-cursor', 'arrow'] });
const figures = {};

/** Moves the pointer over the canvas MOVES times and times each until the pixels under it changed. */
async function measure(browser, selector) {
  return browser.executeAsync((selector, moves, done) => {
    const canvas = document.querySelector(selector);
    const ctx = canvas.getContext('2d');
    const tick = new MessageChannel();
    const times = [];
    let i = 0;
    const spot = (x, y) => {
      const rect = canvas.getBoundingClientRect();
      const [sx, sy] = [canvas.width / rect.width, canvas.height / rect.height];
      return { client: [rect.left + x / sx, rect.top + y / sy], pixels: () => ctx.getImageData(x - 2, y - 2, 20, 24).data.join() };
    };
    const next = () => {
      if (i === moves + 5) return done(times);
      // Framebuffer coordinates, alternating far apart so each move draws the cursor somewhere new.
      const { client, pixels } = spot(120 + (i % 2) * 400, 150 + (i % 7) * 40);
      const before = pixels();
      const t0 = performance.now();
      canvas.dispatchEvent(new MouseEvent('mousemove', { clientX: client[0], clientY: client[1], bubbles: true }));
      tick.port1.onmessage = () => {
        const elapsed = performance.now() - t0;
        if (pixels() !== before || elapsed > 3000) {
          // The first moves warm up the connection and the JIT.
          if (i >= 5) times.push(elapsed > 3000 ? null : elapsed);
          i++;
          setTimeout(next, 100);
        } else tick.port2.postMessage(0);
      };
      tick.port2.postMessage(0);
    };
    next();
  }, selector, MOVES);
}

function report(name, times) {
  const drawn = times.filter((t) => t !== null).sort((a, b) => a - b);
  assert.ok(drawn.length >= times.length * 0.9, `${name}: ${times.length - drawn.length} of ${times.length} moves never showed`);
  const p = (q) => drawn[Math.min(drawn.length - 1, Math.floor((drawn.length * q) / 100))];
  figures[name] = { p50: p(50), p95: p(95), n: drawn.length };
}

describe('VMDeck console', () => {
  const app = useApp();
  const fakes = useFakeCloud();
  test('pointer to frame', async () => {
    const browser = app.browser;
    await addLocalLunanodeVm(browser, fakes);
    await openConsoleDialog(browser);
    await loginToVnc(browser, vnc);
    await browser.pause(1000);
    report('VMDeck (bridge + noVNC in the app)', await measure(browser, '[data-testid="vnc-screen"] canvas'));
  });
});

describe('websockify + noVNC in a plain page', () => {
  const web = mkdtempSync(path.join(os.tmpdir(), 'vmdeck-plain-novnc-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  let websockify;
  before(async () => {
    cpSync(path.join(repo, 'tests/e2e/bench/plain-novnc/index.html'), path.join(web, 'index.html'));
    symlinkSync(path.join(repo, 'ui/node_modules/@novnc/novnc'), path.join(web, 'novnc'));
    const binary = process.env.WEBSOCKIFY;
    assert.ok(binary, 'WEBSOCKIFY (set by .ci/bench-pointer)');
    websockify = spawn(binary, ['--web', web, `127.0.0.1:${port}`, `127.0.0.1:${vnc.port}`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
  });
  after(() => websockify?.kill());
  // The same WebKitGTK as the app, in its MiniBrowser, driven through the same WebDriver.
  const browserApp = useApp({ binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', args: ['--automation'] });
  test('pointer to frame', async () => {
    const browser = browserApp.browser;
    await browser.url(`http://127.0.0.1:${port}/index.html?password=${vnc.password}`);
    await browser.waitUntil(() => browser.execute(() => window.vncConnected === true), { timeout: 15_000, timeoutMsg: 'the plain page never connected' });
    await browser.pause(1000);
    report('websockify + noVNC (plain page)', await measure(browser, '#screen canvas'));
  });
});

after(() => {
  if (!figures['VMDeck (bridge + noVNC in the app)'] || !figures['websockify + noVNC (plain page)']) return;
  console.log(`\npointer move to the frame showing it, ${MOVES} moves each, same x11vnc (cursor drawn by the server):`);
  for (const [name, f] of Object.entries(figures)) console.log(`  ${name.padEnd(36)} p50 ${f.p50.toFixed(2)} ms   p95 ${f.p95.toFixed(2)} ms`);
  const ours = figures['VMDeck (bridge + noVNC in the app)'].p50;
  const theirs = figures['websockify + noVNC (plain page)'].p50;
  console.log(`  VMDeck / plain page at p50: ${(ours / theirs).toFixed(2)}× (${(ours - theirs).toFixed(2)} ms)`);
});
