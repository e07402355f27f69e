// One-click SSH to an enclaive VM with nothing set up but the account: enclaive's login answer carries the
// team's Vault token, the account names the team's Vault (a real OpenBao here), and the VM's root login is
// read at the documented path (enclaive-static/data/{teamId}/user/root) and used for the SSH login.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, fakeControl, openPage, removeAllAccounts, terminalText } from '../flows.mjs';
import { e2e, enclaiveVault, snapshot, useApp, useFakeCloud, useOpenBao, useSshd } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const sshd = useSshd();
const bao = useOpenBao();
const ENCLAIVE_VM = '654a11e60b23ef1b0f36d44e';

e2e(app, 'logs in to an enclaive VM with the root login read with the account’s own Vault token', async (browser) => {
  const team = fakes.credentials.enclaive.team_id;
  // The VM's "root" login in the team's Vault is the test sshd's user, and the VM answers at that sshd.
  await enclaiveVault(bao, fakes, { username: sshd.user, password: sshd.password });
  await fakeControl(fakes.ports.enclaive, `/__fake/machines/${ENCLAIVE_VM}/address`, 'PUT', { public_ip: '127.0.0.1' });

  await openPage(browser, 'accounts', 'Accounts');
  const enclaive = fakeAccounts(fakes).enclaive;
  await addAccount(browser, { ...enclaive, fields: { ...enclaive.fields, vault_address: bao.url } });
  await openPage(browser, 'machines', 'Machines');
  const row = await browser.$('[data-testid="vm-row"][data-name="kraud-cloud-ubuntu-1vcpu-4gb-berlin-01"]');
  await row.waitForDisplayed({ timeout: 15_000 });
  await (await row.$('[data-testid="vm-ssh"]')).click();

  // The account's Vault path template, filled in for this VM, is preselected.
  const vaultPath = await browser.$('[data-testid="ssh-vault-path"]');
  await vaultPath.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await vaultPath.getValue(), `enclaive-static/data/${team}/user/root`);
  await (await browser.$('[data-testid="ssh-port"]')).setValue(String(sshd.port));
  await (await browser.$('[data-testid="ssh-connect"]')).click();
  await (await browser.$('[data-testid="trust-once"]')).waitForDisplayed({ timeout: 15_000 });
  await (await browser.$('[data-testid="trust-once"]')).click();

  await browser.waitUntil(async () => (await (await browser.$('main h1')).getText()) === 'Consoles', { timeout: 20_000, timeoutMsg: 'no terminal' });
  const text = () => terminalText(browser);
  await browser.waitUntil(async () => (await text()).includes('$'), { timeout: 15_000, timeoutMsg: 'no prompt' });
  await (await browser.$('.xterm-helper-textarea')).addValue('echo I-am-$(whoami)\n');
  await browser.waitUntil(async () => (await text()).includes(`I-am-${sshd.user}`), { timeout: 15_000, timeoutMsg: 'not logged in as the Vault user' });
  await snapshot(browser, 'vault-ssh');
  await (await browser.$('[data-testid="console-close"]')).click();

  // The login read from Vault goes to no other host than the VM's, whatever the page asks.
  await openPage(browser, 'machines', 'Machines');
  await (await (await browser.$('[data-testid="vm-row"][data-name="kraud-cloud-ubuntu-1vcpu-4gb-berlin-01"]')).$('[data-testid="vm-ssh"]')).click();
  await (await browser.$('[data-testid="ssh-vault-path"]')).waitForDisplayed({ timeout: 10_000 });
  await (await browser.$('[data-testid="ssh-host"]')).setValue('127.0.0.2');
  await (await browser.$('[data-testid="ssh-connect"]')).click();
  const refused = await browser.$('[role="dialog"] [role="alert"]');
  await refused.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await refused.getAttribute('data-code'), 'permission_denied');
  await (await browser.$('button=Cancel')).click();

  // Nothing was set up in Settings: the app has no Vault of its own.
  await openPage(browser, 'settings', 'Settings');
  await (await browser.$('[data-testid="vault-address"]')).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await (await browser.$('[data-testid="vault-status"]')).isExisting(), false);
});

e2e(app, 'cleans up: the account', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
