// The managed OpenSSH config in the real window and with the real `ssh` client: after a VM's SSH login is
// remembered in VMDeck (host key trusted and saved), turning the file on in Settings writes a Host entry that
// OpenSSH's own `ssh` uses, through the Include line Settings shows, to log in with strict host-key checking
// against VMDeck's known_hosts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addLocalLunanodeVm, clickWhenSettled, openPage, removeAllAccounts, terminalText } from '../flows.mjs';
import { e2e, useApp, useFakeCloud, useSshd } from '../harness.mjs';

// Kept out of the real ~/.ssh: the app writes its managed file here.
const configDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'vmdeck-ssh-config-')), 'config.d');
const app = useApp({ env: { VMDECK_SSH_CONFIG_DIR: configDir } });
const fakes = useFakeCloud();
const sshd = useSshd();

e2e(app, 'writes a Host entry the real ssh client logs in with', async (browser) => {
  await addLocalLunanodeVm(browser, fakes);
  await openPage(browser, 'machines', 'Machines');
  const row = await browser.$('[data-testid="vm-row"][data-name="myvm"]');
  await row.waitForDisplayed({ timeout: 15_000 });
  await (await row.$('[data-testid="vm-ssh"]')).click();
  await (await browser.$('[data-testid="ssh-port"]')).setValue(String(sshd.port));
  await (await browser.$('[data-testid="ssh-user"]')).setValue(sshd.user);
  await (await browser.$('[data-testid="ssh-remember"]')).click();
  await (await browser.$('[data-testid="ssh-kind"]')).selectByAttribute('value', 'password');
  await (await browser.$('[data-testid="ssh-password"]')).setValue(sshd.password);
  await (await browser.$('[data-testid="ssh-connect"]')).click();
  await (await browser.$('[data-testid="trust-save"]')).click();
  await browser.waitUntil(async () => (await terminalText(browser)).includes('$'), { timeout: 20_000, timeoutMsg: 'no shell prompt' });

  await openPage(browser, 'settings', 'Settings');
  await clickWhenSettled(browser, await browser.$('[data-testid="ssh-config-managed"]'));
  const include = await browser.$('[data-testid="ssh-config-include"]');
  await include.waitForDisplayed({ timeout: 10_000 });
  const file = path.join(configDir, 'vmdeck');
  assert.match(await include.getText(), new RegExp(`Include ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  await browser.waitUntil(() => existsSync(file), { timeout: 10_000, timeoutMsg: `${file} was not written` });
  const written = readFileSync(file, 'utf8');
  assert.match(written, new RegExp(`Host myvm\\n  HostName 127\\.0\\.0\\.1\\n  User ${sshd.user}\\n  Port ${sshd.port}\\n`));

  // OpenSSH, as a user's ~/.ssh/config with the Include line would have it; the password comes from an
  // askpass script, and an unknown or changed host key would stop it (StrictHostKeyChecking yes).
  const home = mkdtempSync(path.join(os.tmpdir(), 'vmdeck-ssh-client-'));
  const userConfig = path.join(home, 'config');
  writeFileSync(userConfig, `${(await include.getText()).match(/Include \S+/)[0]}\n`);
  const askpass = path.join(home, 'askpass');
  writeFileSync(askpass, `#!/bin/sh\necho '${sshd.password}'\n`);
  chmodSync(askpass, 0o700);
  const ssh = spawnSync(
    'ssh',
    ['-F', userConfig, '-o', 'StrictHostKeyChecking=yes', '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password',
      '-o', 'NumberOfPasswordPrompts=1', 'myvm', 'echo', 'logged-in-as-$(id -un)'],
    { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: process.env.DISPLAY ?? ':0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  assert.equal(ssh.status, 0, `ssh failed: ${ssh.stderr}`);
  assert.equal(ssh.stdout.trim(), `logged-in-as-${sshd.user}`);

  // Off removes the file (an Include of a missing file is no error for OpenSSH).
  await clickWhenSettled(browser, await browser.$('[data-testid="ssh-config-managed"]'));
  await browser.waitUntil(() => !existsSync(file), { timeout: 10_000, timeoutMsg: `${file} was not removed` });
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
