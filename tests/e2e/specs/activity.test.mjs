// The audit log in the real window: an account added and a VM stopped and deleted show on the Activity page,
// newest first, with their account and result.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, openPage, removeAllAccounts } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const row = '[data-testid="vm-row"][data-name="myvm"]';

async function activity(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="activity-row"]')].map((r) => [r.getAttribute('data-action'), r.textContent]),
  );
}

e2e(app, 'records VM and account actions with their results', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).lunanode);
  await openPage(browser, 'machines', 'Machines');
  const vm = await browser.$(row);
  await vm.waitForDisplayed({ timeout: 15_000 });
  await (await vm.$('[data-testid="vm-stop"]')).click();
  await browser.waitUntil(async () => (await (await browser.$(row)).getAttribute('data-state')) === 'stopped', { timeout: 20_000, timeoutMsg: 'myvm was not stopped' });
  await (await (await browser.$(row)).$('[data-testid="vm-more"]')).click();
  await (await (await browser.$(row)).$('[data-testid="vm-delete"]')).click();
  await (await (await browser.$(row)).$('[data-testid="confirm-delete"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$(row)).isExisting()), { timeout: 20_000, timeoutMsg: 'myvm was not removed' });

  await openPage(browser, 'activity', 'Activity');
  await (await browser.$('[data-testid="activity-table"]')).waitForDisplayed({ timeout: 10_000 });
  const rows = await activity(browser);
  const actions = rows.map(([action]) => action);
  // Newest first.
  assert.deepEqual(actions.slice(0, 3), ['delete', 'stop', 'account_add'], JSON.stringify(rows));
  assert.match(rows[0][1], /Lunanode Toronto/);
  assert.match(rows[0][1], /ok$/);
  // The name it had: the VM itself is gone.
  assert.match(rows[0][1], /myvm/);
  assert.match(rows[1][1], /myvm/);
  await snapshot(browser, 'activity');
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
