// Keystroke to echo through the real window (issue 17): single keys typed into VMDeck's terminal on a local
// sshd, each timed in the page from xterm.js's input event to the answer's arrival and to its drawing (the
// console's latency figure, data-echo-ms / data-drawn-ms). `.ci/bench-echo` prints the engine's own echo
// (ssh2 beside OpenSSH's `ssh`, benches/ssh_stream.rs) in the same run, for what the window adds, and the wait
// for the window's next frame, measured in the same page, for what the display's frame clock adds. Each key's
// own first frame after its answer arrived is noted too (data-frame-ms): arrival plus what xterm.js took beyond
// that frame is the window's share of that key without the frame clock's luck, key by key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addLocalLunanodeVm, connectSshWithPassword, terminalText } from '../flows.mjs';
import { useApp, useFakeCloud, useSshd } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const sshd = useSshd();
const KEYS = Number(process.env.VMDECK_BENCH_KEYS ?? 100);

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

test('keystroke to echo drawn, in the window', async () => {
  const browser = app.browser;
  await addLocalLunanodeVm(browser, fakes);
  await connectSshWithPassword(browser, sshd);
  await (await browser.$('[data-testid="trust-save"]')).click();
  const rows = () => terminalText(browser);
  await browser.waitUntil(async () => (await rows()).includes('$'), { timeout: 20_000, timeoutMsg: 'no shell prompt' });

  const textarea = await browser.$('.xterm-helper-textarea');
  const latency = await browser.$('[data-testid="console-latency"]');
  const arrived = [];
  const drawn = [];
  // Per key: its arrival plus what xterm.js took beyond the first frame after that arrival (data-frame-ms).
  const beyondFrame = [];
  // Each key is an "x" on the prompt line; the figures are read once it shows (the page's timer has 1 ms steps,
  // so two keys can have the same figure).
  const shownXs = async () => (await rows()).split('$').pop().split('x').length - 1;
  const start = await shownXs();
  for (let i = 0; i < KEYS + 5; i++) {
    await textarea.addValue('x');
    // Nothing else runs in the page meanwhile: polling it over WebDriver while the echo is on its way
    // would delay the echo's handling (a user only types).
    await browser.pause(50);
    await browser.waitUntil(async () => (await shownXs()) === start + i + 1, { timeout: 5_000, timeoutMsg: `key ${i} was not echoed` });
    const last = await latency.getAttribute('data-drawn-ms');
    // The first keys warm up the JIT and the session's buffers.
    if (i >= 5) {
      const arrivedMs = Number(await latency.getAttribute('data-echo-ms'));
      const frameMs = Number(await latency.getAttribute('data-frame-ms'));
      arrived.push(arrivedMs);
      drawn.push(Number(last));
      beyondFrame.push(arrivedMs + Number(last) - frameMs);
    }
  }
  assert.equal(drawn.length, KEYS);

  // The reference: how long any page in this window waits for its next frame, from moments as random as an
  // answer's arrival. xterm.js draws in that frame; nothing drawn in a web page (or a native GTK window, which
  // follows the same frame clock) can show sooner.
  const frameWaits = await browser.executeAsync((samples, done) => {
    const waits = [];
    const once = () => {
      const at = performance.now();
      requestAnimationFrame(() => {
        waits.push(performance.now() - at);
        if (waits.length === samples) done(waits);
        else setTimeout(once, Math.random() * 40);
      });
    };
    once();
  }, KEYS);
  assert.equal(frameWaits.length, KEYS);
  // The page's timer has 1 ms steps: the mean of many keys says more than their p50 alone.
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const line = (name, values) => `  ${name}: p50 ${percentile(values, 50).toFixed(2)} ms, mean ${mean(values).toFixed(2)} ms, p95 ${percentile(values, 95).toFixed(2)} ms`;
  console.log(`\nkeystroke echo through the window, ${KEYS} keys (local sshd, release build):`);
  console.log(line('answer arrived in the page', arrived));
  console.log(line('answer drawn by xterm.js ', drawn));
  console.log(line('the next frame, any page', frameWaits));
  console.log(line('arrival + drawn beyond its own next frame', beyondFrame));
  console.log(
    `window-echo-p50 arrived=${percentile(arrived, 50).toFixed(3)} drawn=${percentile(drawn, 50).toFixed(3)} frame=${percentile(frameWaits, 50).toFixed(3)} beyond=${percentile(beyondFrame, 50).toFixed(3)}`,
  );
});
