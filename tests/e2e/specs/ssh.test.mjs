// One click from a VM to a shell: a fake-cloud VM whose address is a real sshd on 127.0.0.1; the host
// key is shown and trusted, the prompt appears, a command round-trips, and the terminal closes cleanly.
import assert from 'node:assert/strict';
import { addLocalLunanodeVm, connectSshWithPassword, openPage, removeAllAccounts, terminalText } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud, useSshd } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const sshd = useSshd();

e2e(app, 'opens a terminal on a VM with one click and runs a command', async (browser) => {
  // The documented Lunanode VM answers at the local sshd.
  await addLocalLunanodeVm(browser, fakes);
  await connectSshWithPassword(browser, sshd);
  const fingerprint = await browser.$('[data-testid="host-fingerprint"]');
  await fingerprint.waitForDisplayed({ timeout: 15_000 });
  assert.match(await fingerprint.getText(), /^SHA256:[A-Za-z0-9+/]{43}$/);
  await (await browser.$('[data-testid="trust-save"]')).click();

  await browser.waitUntil(async () => (await (await browser.$('main h1')).getText()) === 'Consoles', {
    timeout: 20_000,
    timeoutMsg: 'the terminal did not open',
  });
  await browser.waitUntil(async () => (await terminalText(browser)).includes('$'), {
    timeout: 15_000,
    timeoutMsg: 'no shell prompt',
  });
  await (await browser.$('.xterm-helper-textarea')).addValue('echo hello-$((6*7))\n');
  await browser.waitUntil(async () => (await terminalText(browser)).includes('hello-42'), { timeout: 15_000, timeoutMsg: 'the command did not round-trip' });
  assert.match(await (await browser.$('[data-testid="console-status"]')).getText(), /connected/);
  // The echo time shown is until xterm.js drew the answer, which comes after its arrival.
  const latency = await browser.$('[data-testid="console-latency"]');
  await browser.waitUntil(async () => (await latency.getAttribute('data-drawn-ms')) !== null, { timeout: 5_000, timeoutMsg: 'no drawn echo time' });
  const [arrived, drawn] = [Number(await latency.getAttribute('data-echo-ms')), Number(await latency.getAttribute('data-drawn-ms'))];
  assert.ok(arrived >= 0 && drawn >= arrived && drawn < 5_000, `arrived after ${arrived} ms, drawn after ${drawn} ms`);
  assert.match(await latency.getText(), new RegExp(`echo ${Math.round(drawn)} ms`));

  // Resizing: larger text means fewer columns, and the PTY follows (stty reads the PTY's size).
  const size = async (tag) => {
    await (await browser.$('.xterm-helper-textarea')).addValue(`echo ${tag}-$(stty size | tr ' ' x)\n`);
    let match;
    await browser.waitUntil(async () => (match = (await terminalText(browser)).match(new RegExp(`${tag}-(\\d+)x(\\d+)`))), { timeout: 10_000 });
    return { rows: Number(match[1]), cols: Number(match[2]) };
  };
  const before = await size('S1');
  for (let i = 0; i < 4; i++) await (await browser.$('button[aria-label="A+ larger text"]')).click();
  await browser.pause(600);
  const after = await size('S2');
  assert.ok(after.cols < before.cols && after.rows < before.rows, `${JSON.stringify(before)} → ${JSON.stringify(after)}`);
  // Every line typed is shown whole, across font changes (issue 17: one line in ten lost a letter of its
  // echo, because each keystroke's write flushed the SSH channel, which in libssh2 discards unread output).
  const shownWhole = async (line) => (await terminalText(browser)).replace(/\s+/g, ' ').includes(`$ ${line}`);
  assert.ok(await shownWhole("echo S2-$(stty size | tr ' ' x)"), await terminalText(browser));
  for (let i = 0; i < 12; i++) {
    await (await browser.$(`button[aria-label="${i % 2 ? 'A− smaller' : 'A+ larger'} text"]`)).click();
    await size(`W${i}`);
    assert.ok(await shownWhole(`echo W${i}-$(stty size | tr ' ' x)`), `line ${i} not shown whole:\n${await terminalText(browser)}`);
  }
  await snapshot(browser, 'ssh-terminal');

  // Find in the output: a line that is there is found, one that is not says so.
  const find = await browser.$('[data-testid="console-find"]');
  await find.setValue('hello-42');
  await browser.keys('Enter');
  await browser.pause(300);
  assert.equal(await (await browser.$('span=not found')).isExisting(), false);
  await find.setValue('no-such-output-zz');
  await browser.keys('Enter');
  await (await browser.$('span=not found')).waitForDisplayed({ timeout: 5_000 });

  await (await browser.$('[data-testid="console-close"]')).click();
  await (await browser.$('section[aria-label="No open consoles"]')).waitForDisplayed({ timeout: 10_000 });
});

e2e(app, 'cleans up its account', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
