// "This computer" in the real window with a real QEMU guest: the account is there on first start (QEMU is
// installed) and says it runs without hardware acceleration here; the wizard downloads the test image
// from a local mirror (progress bar), boots it, and one click on SSH lands in a shell as the cloud-init
// user with no host-key prompt; the VNC console shows the guest's screen with the password VMDeck set;
// stop, start and delete from the row; a removed "This computer" account stays removed after a restart.
// The guest image is built by .ci/guest-image (VMDECK_GUEST_DIR).
import assert from 'node:assert/strict';
import path from 'node:path';
import { accountsLoaded, canvasColours, currentStep, nextStep, openPage, rowSelector, terminalText, waitForRowState } from '../flows.mjs';
import { e2e, repo, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const guestDir = process.env.VMDECK_GUEST_DIR ?? path.join(repo, 'test-output', 'guest');
const fakes = useFakeCloud({ images: guestDir });
const app = useApp({ qemu: true, env: () => ({ VMDECK_IMAGE_CATALOG: `http://127.0.0.1:${fakes.ports.images}/catalog.json` }) });
const NAME = 'local-e2e';
const row = `[data-testid="vm-row"][data-name="${NAME}"]`;

const $ = async (browser, testid) => browser.$(`[data-testid="${testid}"]`);

// The catalog step waits for QEMU's probe and the image catalog: a little more time than the clouds' steps.
const next = (browser) => nextStep(browser, 15_000);

async function rowButton(browser, testid) {
  return (await browser.$(row)).$(`[data-testid="${testid}"]`);
}


e2e(app, 'This computer is an account from the first start, and says it is slow without acceleration', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await accountsLoaded(browser);
  const local = await browser.$(`${rowSelector}[data-kind="local"]`);
  assert.ok(await local.isExisting(), 'the This computer account');
  const status = await local.$('[data-testid="qemu-status"]');
  await browser.waitUntil(async () => (await status.getText()).includes('accelerator'), { timeout: 15_000, timeoutMsg: 'QEMU was not found' });
  // /dev/kvm exists on these machines but cannot run a guest: the probe notices and says so.
  assert.match(await status.getText(), /accelerator tcg/);
  assert.match(await (await local.$('[data-testid="qemu-slow"]')).getText(), /Slow: no hardware acceleration/);
});

e2e(app, 'creates a local VM: download with progress, then running', async (browser) => {
  await openPage(browser, 'machines', 'Machines');
  await (await $(browser, 'new-vm')).click();
  await (await $(browser, 'wizard-account')).selectByVisibleText('This computer (local)');
  await next(browser);
  const picks = {
    image: async () => (await browser.$('input[name="image"][value="test-debian-12"]')).click(),
    flavor: async () => (await browser.$('input[name="flavor"][value="medium"]')).click(),
    access: async () => (await $(browser, 'wizard-key')).selectByAttribute('value', 'vmdeck:generate'),
  };
  for (;;) {
    const step = await currentStep(browser);
    if (step === 'review') break;
    await picks[step]?.();
    await next(browser);
  }
  await (await $(browser, 'vm-name')).setValue(NAME);
  const json = await $(browser, 'request-json');
  await browser.waitUntil(async () => (await json.isExisting()) && (await json.getText()).includes('pinned in its known_hosts'), {
    timeout: 10_000,
    timeoutMsg: 'the review never showed the QEMU plan',
  });
  await (await $(browser, 'wizard-create')).click();
  const progress = `[data-testid="progress-row"][data-name="${NAME}"]`;
  await (await browser.$(progress)).waitForExist({ timeout: 15_000 });
  // The image (about 500 MB) comes from the mirror with a progress bar; the bar may pass fast here.
  let sawDownload = false;
  await browser.waitUntil(async () => {
    if (await (await browser.$(`${progress} [data-testid="progress-download"]`)).isExisting()) sawDownload = true;
    return (await (await browser.$(progress)).getAttribute('data-state')) === 'running';
  }, { timeout: 180_000, interval: 200, timeoutMsg: `${NAME} never reached running` });
  assert.ok(sawDownload, 'the download showed a progress bar');
});

e2e(app, 'one click on SSH lands in a shell as the cloud-init user, with no host-key prompt', async (browser) => {
  await (await $(browser, 'progress-ssh')).click();
  await (await $(browser, 'ssh-pinned')).waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await (await browser.$('main h1')).getText()) === 'Consoles', {
    timeout: 240_000,
    interval: 500,
    timeoutMsg: 'the terminal did not open (the guest never answered SSH?)',
  });
  assert.equal(await (await $(browser, 'host-fingerprint')).isExisting(), false, 'no fingerprint to check');
  await browser.waitUntil(async () => (await terminalText(browser)).includes('$'), { timeout: 30_000, timeoutMsg: 'no shell prompt' });
  await (await browser.$('.xterm-helper-textarea')).addValue('echo I-am-$(whoami)-on-$(hostname)\n');
  await browser.waitUntil(async () => (await terminalText(browser)).includes(`I-am-debian-on-${NAME}`), { timeout: 15_000, timeoutMsg: 'the command did not round-trip' });
  await snapshot(browser, 'local-vm-ssh');
});

e2e(app, 'the VNC console shows the guest screen with the password VMDeck set', async (browser) => {
  await openPage(browser, 'machines', 'Machines');
  await (await browser.$(row)).waitForDisplayed({ timeout: 15_000 });
  await (await rowButton(browser, 'vm-more')).click();
  await (await rowButton(browser, 'vm-console')).click();
  const status = async () => (await $(browser, 'vnc-status')).getAttribute('data-status');
  await browser.waitUntil(async () => (await (await $(browser, 'vnc-status')).isExisting()) && (await status()) === 'connected', {
    timeout: 20_000,
    timeoutMsg: 'the console never connected',
  });
  await browser.waitUntil(async () => (await canvasColours(browser)) > 1, { timeout: 20_000, timeoutMsg: 'the guest screen stayed blank' });
  assert.equal(await (await $(browser, 'vnc-password')).isExisting(), false, 'no password asked of the user');
  await snapshot(browser, 'local-vm-console');
  await (await $(browser, 'vnc-close')).click();
});

e2e(app, 'stops, starts and deletes the local VM from its row', async (browser) => {
  await openPage(browser, 'machines', 'Machines');
  await waitForRowState(browser, NAME, 'running', 60_000);
  await (await rowButton(browser, 'vm-stop')).click();
  await waitForRowState(browser, NAME, 'stopped', 150_000);
  await (await rowButton(browser, 'vm-start')).click();
  await waitForRowState(browser, NAME, 'running', 60_000);
  await (await rowButton(browser, 'vm-more')).click();
  await (await rowButton(browser, 'vm-delete')).click();
  await (await rowButton(browser, 'confirm-delete')).click();
  await waitForRowState(browser, NAME, null, 60_000);
});

e2e(app, 'a removed This computer account stays removed after a restart', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await accountsLoaded(browser);
  const local = `${rowSelector}[data-kind="local"]`;
  await (await (await browser.$(local)).$('[data-testid="remove-account"]')).click();
  await (await browser.$('[data-testid="confirm-remove"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$(local)).isExisting()), { timeout: 10_000 });
  await app.restart();
  await openPage(app.browser, 'accounts', 'Accounts');
  await accountsLoaded(app.browser);
  assert.equal(await (await app.browser.$(local)).isExisting(), false);
});
