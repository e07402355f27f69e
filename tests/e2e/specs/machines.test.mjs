// The Machines view in the real window: a Lunanode account's VM from the fake cloud is listed live and
// stopped, started and deleted from its row.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, openPage, removeAllAccounts } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const row = '[data-testid="vm-row"][data-name="myvm"]';

async function waitForState(browser, state) {
  await browser.waitUntil(async () => (await (await browser.$(row)).getAttribute('data-state')) === state, {
    timeout: 20_000,
    timeoutMsg: `myvm never became ${state}`,
  });
}

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
  await waitForState(browser, 'stopped');
  await (await (await browser.$(row)).$('[data-testid="vm-start"]')).click();
  await waitForState(browser, 'running');
  await (await (await browser.$(row)).$('[data-testid="vm-more"]')).click();
  await (await (await browser.$(row)).$('[data-testid="vm-delete"]')).click();
  await (await (await browser.$(row)).$('[data-testid="confirm-delete"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$(row)).isExisting()), { timeout: 20_000, timeoutMsg: 'myvm was not removed' });
});

e2e(app, 'cleans up its account', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
