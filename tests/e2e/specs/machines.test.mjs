// The Machines view in the real window: a Lunanode account's VM from the fake cloud is listed live and
// stopped, started and deleted from its row; the fleet as last listed comes back at once after a restart,
// and with the cloud gone the inventory stays and the page says it is offline.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, openPage, removeAllAccounts, waitForRowState } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const row = '[data-testid="vm-row"][data-name="myvm"]';


e2e(app, 'lists the VM of a new account and stops, starts and deletes it', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).lunanode);
  await openPage(browser, 'machines', 'Machines');
  const vm = await browser.$(row);
  await vm.waitForDisplayed({ timeout: 15_000 });
  assert.equal(await vm.getAttribute('data-state'), 'running');
  assert.match(await vm.getText(), /Lunanode Toronto/);
  assert.match(await vm.getText(), /172\.81\.176\.21/);
  await snapshot(browser, 'machines');

  await (await vm.$('[data-testid="vm-stop"]')).click();
  await waitForRowState(browser, 'myvm', 'stopped');
  await (await (await browser.$(row)).$('[data-testid="vm-start"]')).click();
  await waitForRowState(browser, 'myvm', 'running');
  await (await (await browser.$(row)).$('[data-testid="vm-more"]')).click();
  await (await (await browser.$(row)).$('[data-testid="vm-delete"]')).click();
  await (await (await browser.$(row)).$('[data-testid="confirm-delete"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$(row)).isExisting()), { timeout: 20_000, timeoutMsg: 'myvm was not removed' });
});

e2e(app, 'after a restart with the cloud gone, shows the last known VMs at once and says it is offline', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).enclaive);
  await openPage(browser, 'machines', 'Machines');
  const listed = await browser.$('[data-testid="vm-row"]');
  await listed.waitForDisplayed({ timeout: 15_000 });
  const name = await listed.getAttribute('data-name');
  assert.equal(await listed.getAttribute('class').then((c) => c.includes('stale')), false);
  // The kept copy is written right after a listing; give it that moment, then take the cloud away.
  await browser.pause(1000);
  fakes.child.kill('SIGKILL');
  await app.restart();
  const again = app.browser;
  const kept = await again.$(`[data-testid="vm-row"][data-name="${name}"]`);
  await kept.waitForDisplayed({ timeout: 10_000 });
  const offline = await again.$('[data-testid="fleet-offline"]');
  await offline.waitForDisplayed({ timeout: 30_000 });
  assert.match(await offline.getText(), /Offline: no account could be reached\. The VMs below are as last listed, (just now|\d+ min ago)\./);
  assert.ok((await kept.getAttribute('class')).includes('stale'), 'the kept VM is shown as stale');
  await snapshot(again, 'machines-offline');
});

e2e(app, 'cleans up its account', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
