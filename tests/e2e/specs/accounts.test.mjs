// Saved accounts in the real window against the fake cloud: add one of each kind after testing the
// connection, find them again after a restart, remove them, and leave no secret behind anywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { addAccount, fakeAccounts, openPage, removeAllAccounts, rowSelector } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const IDENTIFIER = 'dev.vmdeck.app';

function accountsToAdd() {
  const all = fakeAccounts(fakes);
  return [all.hyperstack, all.enclaive, all.lunanode, all.cloudvm];
}

/** The keychain entries of VMDeck's accounts, as `secret-tool` sees them. */
function keychainAccounts() {
  // secret-tool prints the attributes on stderr and the secrets on stdout.
  const found = spawnSync('secret-tool', ['search', '--all', 'service', IDENTIFIER], { encoding: 'utf8' });
  assert.equal(found.error, undefined, 'secret-tool (libsecret-tools) runs');
  return `${found.stdout}${found.stderr}`.split('\n').filter((line) => /attribute\.username = account:/.test(line)).length;
}

async function rows(browser) {
  return browser.$$(rowSelector);
}

e2e(app, 'adds an account of each kind after a successful connection test', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  const wanted = accountsToAdd();
  for (const account of wanted) {
    await addAccount(browser, account);
  }
  const kinds = await browser.$$(rowSelector).map((row) => row.getAttribute('data-kind'));
  assert.deepEqual(kinds, wanted.map((a) => a.kind));
  assert.equal(keychainAccounts(), 4, 'one keychain entry per account');
  await snapshot(browser, 'accounts');
});

e2e(app, 'a wrong key shows a coded error and keeps the form', async (browser) => {
  await (await browser.$('[data-testid="add-account"]')).click();
  await (await browser.$('[data-testid="kind-hyperstack"]')).click();
  await (await browser.$('[data-testid="field-label"]')).setValue('Wrong key');
  await (await browser.$('[data-testid="field-base_url"]')).setValue(`http://127.0.0.1:${fakes.ports.hyperstack}/v1`);
  await (await browser.$('[data-testid="field-secret"]')).setValue('revoked-key');
  await (await browser.$('[data-testid="test-connection"]')).click();
  const alert = await browser.$('[role="alert"]');
  await alert.waitForDisplayed({ timeout: 15_000 });
  assert.equal(await alert.getAttribute('data-code'), 'auth_failed');
  assert.match(await alert.getText(), /Hyperstack rejected the credentials/);
  await snapshot(browser, 'account-error');
  assert.equal(await (await browser.$('[data-testid="field-label"]')).getValue(), 'Wrong key');
  await (await browser.$('button=Cancel')).click();
  assert.equal((await rows(browser)).length, 4, 'nothing was saved');
});

e2e(app, 'the accounts are still there after a restart', async () => {
  await app.restart();
  const browser = app.browser;
  await openPage(browser, 'accounts', 'Accounts');
  await browser.waitUntil(async () => (await rows(browser)).length === 4, { timeout: 10_000 });
  const labels = await browser.$$(rowSelector).map((row) => row.getAttribute('data-label'));
  assert.deepEqual(labels, accountsToAdd().map((a) => a.label));
});

e2e(app, 'removing the accounts removes their keychain entries', async () => {
  const browser = app.browser;
  await removeAllAccounts(browser);
  assert.equal(keychainAccounts(), 0);
  assert.ok(await (await browser.$('section[aria-label="No accounts yet"]')).isDisplayed());
});
