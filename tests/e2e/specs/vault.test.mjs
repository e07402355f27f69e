// Vault settings in the real window against a real Vault-compatible server (OpenBao): a wrong token is
// refused and not saved, the right one connects, and a test read of enclaive's documented path names the
// fields it found.
import assert from 'node:assert/strict';
import { openPage } from '../flows.mjs';
import { e2e, enclaiveVault, snapshot, useApp, useFakeCloud, useOpenBao } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const bao = useOpenBao();

async function fill(browser, token) {
  await (await browser.$('[data-testid="vault-address"]')).setValue(bao.url);
  await (await browser.$('[data-testid="vault-secret"]')).setValue(token);
  await (await browser.$('[data-testid="vault-save"]')).click();
}

e2e(app, 'a wrong Vault token is refused with a coded error', async (browser) => {
  await enclaiveVault(bao, fakes, { username: 'root', password: 'unused-here' });
  await openPage(browser, 'settings', 'Settings');
  await fill(browser, 's.wrong-token');
  const alert = await browser.$('section[aria-labelledby="vault-heading"] [role="alert"]');
  await alert.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await alert.getAttribute('data-code'), 'auth_failed');
  assert.equal(await (await browser.$('[data-testid="vault-status"]')).isExisting(), false);
});

e2e(app, 'the right token connects and a test read names the fields', async (browser) => {
  await fill(browser, bao.rootToken);
  const status = await browser.$('[data-testid="vault-status"]');
  await status.waitForDisplayed({ timeout: 10_000 });
  assert.match(await status.getText(), /Connected to http:\/\/127\.0\.0\.1:\d+ as token; token never expires/);
  await (await browser.$('[data-testid="vault-test-path"]')).setValue(`enclaive-static/data/${fakes.credentials.enclaive.team_id}/user/root`);
  await (await browser.$('[data-testid="vault-test"]')).click();
  const fields = await browser.$('[data-testid="vault-fields"]');
  await fields.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await fields.getText(), 'Fetched fields: password, username');
  await snapshot(browser, 'vault-settings');
});

e2e(app, 'the connection is restored after a restart and can be forgotten', async () => {
  await app.restart();
  const browser = app.browser;
  await openPage(browser, 'settings', 'Settings');
  const status = await browser.$('[data-testid="vault-status"]');
  await status.waitForDisplayed({ timeout: 10_000 });
  await (await browser.$('button=Forget')).click();
  await browser.waitUntil(async () => !(await status.isExisting()), { timeout: 10_000 });
});
