// Every screen in the real window (issue 19): axe-core checks each page and dialog for serious or critical
// accessibility problems in light and dark, and the gallery in docs/screens/ is written from the same run
// (1200×780 and 1600×1000, light and dark). Fake cloud accounts, a real sshd for the terminal and x11vnc
// for the console.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { $, addAccount, addLocalLunanodeVm, connectSshWithPassword, currentStep, fakeAccounts, fakeControl, loginToVnc, nextStep, openConsoleDialog, openPage, pickRadio, removeAllAccounts, terminalText, windowByTitle } from '../flows.mjs';
import { e2e, repo, useApp, useFakeCloud, useSshd, useVncServer } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const sshd = useSshd();
const vnc = useVncServer();

const gallery = path.join(repo, 'docs', 'screens');
const SIZES = [[1200, 780], [1600, 1000]];
const THEMES = ['light', 'dark'];
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Serious and critical axe findings, per screen and theme, and how many screens were checked. */
const findings = [];
let audited = 0;

/**
 * Resizes the app window from outside, as a user dragging its edge would (xdotool; WebDriver's window rect
 * sometimes never answered here without a window manager), and waits until the page has that size.
 */
async function resizeWindow(browser, width, height) {
  const size = () => browser.execute(() => [window.innerWidth, window.innerHeight]);
  const [w, h] = await size();
  if (w === width && h === height) return;
  const id = await windowByTitle(browser, 'VMDeck');
  execFileSync('xdotool', ['windowsize', id, String(width), String(height)]);
  await browser.waitUntil(async () => {
    const [nw, nh] = await size();
    return nw === width && nh === height;
  }, { timeout: 10_000, timeoutMsg: `the window never became ${width}×${height}` });
}

async function setTheme(browser, theme) {
  await browser.execute((theme) => {
    localStorage.setItem('vmdeck.theme', theme);
    document.documentElement.dataset.theme = theme;
  }, theme);
}

/** axe-core's WCAG 2 A/AA rules on the page as it is now; serious and critical findings are kept. */
async function audit(browser, screen, theme) {
  // The page's CSP allows no eval: axe's source goes in as the body of a WebDriver script, which the CSP
  // does not govern, once per page load.
  if (!(await browser.execute(() => Boolean(window.axe)))) await browser.execute(`${axeSource}\nreturn true;`);
  const result = await browser.executeAsync((done) => {
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
      .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => {
        const c = n.any?.[0]?.data;
        return n.target.join(' ') + (c?.contrastRatio ? ` (${c.fgColor} on ${c.bgColor}: ${c.contrastRatio})` : '');
      }) }))))
      .catch((e) => done([{ id: 'axe-failed', impact: 'critical', help: String(e), nodes: [] }]));
  });
  audited += 1;
  for (const v of result.filter((v) => v.impact === 'serious' || v.impact === 'critical')) findings.push({ screen, theme, ...v });
}

/** Checks the screen as it is in both themes and writes it to the gallery at both sizes. */
async function capture(browser, screen) {
  for (const theme of THEMES) {
    await setTheme(browser, theme);
    await audit(browser, screen, theme);
    for (const [width, height] of SIZES) {
      await resizeWindow(browser, width, height);
      await browser.pause(250);
      const file = path.join(gallery, `${screen}-${theme}-${width}x${height}.png`);
      await writeFile(file, Buffer.from(await browser.takeScreenshot(), 'base64'));
    }
  }
  await resizeWindow(browser, ...SIZES[0]);
  await setTheme(browser, 'light');
}

e2e(app, 'pages: Machines, its detail and palette, Costs, Sizes, Accounts, Activity, Settings, and an error', async (browser) => {
  await mkdir(gallery, { recursive: true });
  await resizeWindow(browser, ...SIZES[0]);
  const accounts = fakeAccounts(fakes);
  await addLocalLunanodeVm(browser, fakes);
  await addAccount(browser, accounts.hyperstack);
  await addAccount(browser, accounts.enclaive);
  await fakeControl(fakes.ports.hyperstack, '/__fake/machines/seed', 'POST', { count: 6 });
  await capture(browser, 'accounts');
  await (await $(browser, 'add-account')).click();
  await (await $(browser, 'kind-hyperstack')).click();
  await capture(browser, 'account-form');
  await (await browser.$('button=Cancel')).click();

  await openPage(browser, 'machines', 'Machines');
  await browser.waitUntil(async () => (await browser.$$('[data-testid="vm-row"]')).length >= 8, { timeout: 20_000, timeoutMsg: 'the fleet never listed' });
  await capture(browser, 'machines');
  await (await browser.$('[data-testid="vm-row"][data-name="myvm"] .name')).click();
  await (await browser.$('[data-testid="vm-detail"]')).waitForDisplayed({ timeout: 5_000 });
  await capture(browser, 'machine-detail');
  await browser.keys(['Control', 'k']);
  await (await $(browser, 'palette-input')).waitForDisplayed({ timeout: 5_000 });
  await browser.keys('myvm');
  await capture(browser, 'palette');
  await browser.keys('Escape');

  for (const [id, title] of [['costs', 'Costs'], ['sizes', 'Sizes'], ['activity', 'Activity'], ['settings', 'Settings']]) {
    await openPage(browser, id, title);
    await browser.pause(500);
    await capture(browser, id);
  }

  // An error a user meets: the enclaive API refuses the login (401) while the rest lists.
  await fakeControl(fakes.ports.enclaive, '/__fake/faults', 'POST', { path_prefix: '/', fault: { kind: 'status', status: 401 }, times: 1000 });
  await openPage(browser, 'machines', 'Machines');
  await (await browser.$('[data-testid="account-error"]')).waitForDisplayed({ timeout: 30_000 });
  await capture(browser, 'machines-error');
  await fetch(`http://127.0.0.1:${fakes.ports.enclaive}/__fake/faults`, { method: 'DELETE' });
});

e2e(app, 'the wizard, step by step', async (browser) => {
  await openPage(browser, 'machines', 'Machines');
  await (await $(browser, 'new-vm')).click();
  await (await $(browser, 'wizard-account')).selectByVisibleText('Hyperstack lab (hyperstack)');
  await capture(browser, 'wizard-account');
  const choices = {
    location: () => pickRadio(browser, 'region', 'test1'),
    image: () => pickRadio(browser, 'image'),
    flavor: () => pickRadio(browser, 'flavor'),
    access: async () => (await $(browser, 'wizard-key')).selectByVisibleText('example-key (SHA256:fakefakefakefakefakefakefakefakefakefakefak)'),
  };
  await nextStep(browser);
  for (;;) {
    const step = await currentStep(browser);
    await choices[step]?.();
    await capture(browser, `wizard-${step}`);
    if (step === 'review') break;
    await nextStep(browser);
  }
  await (await browser.$('button[aria-label="Close the wizard"]')).click();
});

e2e(app, 'a terminal and a console', async (browser) => {
  await connectSshWithPassword(browser, sshd);
  await (await $(browser, 'trust-save')).click();
  await browser.waitUntil(async () => (await terminalText(browser)).includes('$'), { timeout: 15_000, timeoutMsg: 'no shell prompt' });
  await (await browser.$('.xterm-helper-textarea')).addValue('uname -sr; uptime\n');
  await browser.pause(500);
  await capture(browser, 'terminal');
  await (await $(browser, 'console-close')).click();

  await openConsoleDialog(browser);
  await capture(browser, 'console-dialog');
  await loginToVnc(browser, vnc);
  await browser.pause(500);
  await capture(browser, 'console');
});

e2e(app, 'no serious or critical accessibility finding on any screen, in light or dark', async () => {
  const lines = findings.map((f) => `${f.screen} (${f.theme}): [${f.impact}] ${f.id}: ${f.help} at ${f.nodes.join(', ')}`);
  if (lines.length) console.log(lines.join('\n'));
  // Every screen above, in both themes.
  assert.ok(audited >= 2 * 20, `only ${audited} screens were checked`);
  assert.deepEqual(lines, []);
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
