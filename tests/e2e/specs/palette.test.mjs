// The command palette in the real window, without the mouse: Ctrl+K, a typed action run on a VM of the
// fake cloud, and a quick connection (`user@host:port`) to a real local sshd with the usual host-key rules.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, LUNANODE_VM, openPage, removeAllAccounts, terminalText } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud, useSshd } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const sshd = useSshd();
const row = '[data-testid="vm-row"][data-name="myvm"]';

/** Opens the palette with Ctrl+K and types `text` into its field. */
async function openPalette(browser, text) {
  await browser.keys(['Control', 'k']);
  const input = await browser.$('[data-testid="palette-input"]');
  await input.waitForDisplayed({ timeout: 5_000 });
  assert.equal(await input.isFocused(), true, 'the palette field has the focus');
  await input.addValue(text);
}

/** The palette's best match once it has caught up with the typing: [its entry id, its text]. */
async function bestMatch(browser, expected) {
  let seen;
  await browser.waitUntil(
    async () => {
      seen = await browser.execute(() => {
        const first = document.querySelector('[data-testid="palette-entry"]');
        // The entry's title and hint, without the provider mark's letter before them.
        const text = first && [...first.querySelectorAll('.title, .hint')].map((e) => e.innerText).join(' ');
        return first ? [first.getAttribute('data-entry'), text] : null;
      });
      return seen && expected.test(seen[1]);
    },
    { timeout: 5_000, timeoutMsg: `the best match never matched ${expected}: ${JSON.stringify(seen)}` },
  );
  return seen;
}

e2e(app, 'runs an action on a VM from the keyboard', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).lunanode);
  await openPage(browser, 'machines', 'Machines');
  await (await browser.$(row)).waitForDisplayed({ timeout: 15_000 });
  assert.equal(await (await browser.$(row)).getAttribute('data-state'), 'running');

  // From another page: the palette takes the action to Machines.
  await browser.keys(['Control', '7']);
  await browser.waitUntil(async () => (await (await browser.$('h1')).getText()) === 'Settings', { timeout: 5_000, timeoutMsg: 'Ctrl+7 did not open Settings' });
  await openPalette(browser, 'stop myvm');
  const [entry] = await bestMatch(browser, /^Stop myvm/);
  assert.match(entry, new RegExp(`^stop:.+/${LUNANODE_VM}$`));
  // The screenshot is WebKit's last drawn frame: give the filtered list a frame or two to reach it.
  await browser.pause(300);
  await snapshot(browser, 'palette');
  await browser.keys(['Enter']);
  await browser.waitUntil(async () => (await (await browser.$(row)).getAttribute('data-state')) === 'stopped', {
    timeout: 20_000,
    timeoutMsg: 'myvm was not stopped from the palette',
  });
  assert.equal(await (await browser.$('[data-testid="palette"]')).isExisting(), false, 'the palette closed');
});

e2e(app, 'connects to user@host:port typed in the palette, with the same host-key rules as a VM', async (browser) => {
  await openPalette(browser, `${sshd.user}@127.0.0.1:${sshd.port}`);
  const [, text] = await bestMatch(browser, /^Connect to /);
  assert.equal(text.replace(/\s+/g, ' '), `Connect to ${sshd.user}@127.0.0.1:${sshd.port} Quick SSH`);
  await browser.keys(['Enter']);
  assert.equal(await (await browser.$('[data-testid="ssh-host"]')).getValue(), '127.0.0.1');
  assert.equal(await (await browser.$('[data-testid="ssh-port"]')).getValue(), String(sshd.port));
  assert.equal(await (await browser.$('[data-testid="ssh-user"]')).getValue(), sshd.user);
  await (await browser.$('[data-testid="ssh-kind"]')).selectByAttribute('value', 'password');
  await (await browser.$('[data-testid="ssh-password"]')).setValue(sshd.password);
  await (await browser.$('[data-testid="ssh-connect"]')).click();
  // A host VMDeck has not seen: its fingerprint is shown to compare, as for a VM.
  const fingerprint = await browser.$('[data-testid="host-fingerprint"]');
  await fingerprint.waitForDisplayed({ timeout: 15_000 });
  assert.match(await fingerprint.getText(), /^SHA256:/);
  await (await browser.$('[data-testid="trust-save"]')).click();
  await browser.waitUntil(async () => (await terminalText(browser)).includes('$'), { timeout: 20_000, timeoutMsg: 'no shell prompt' });
  assert.match(await (await browser.$('h1')).getText(), /Consoles/);
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
