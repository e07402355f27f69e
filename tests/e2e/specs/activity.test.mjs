// The audit log in the real window: an account added and a VM stopped and deleted show on the Activity page,
// newest first, with their account and result.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addAccount, fakeAccounts, openPage, removeAllAccounts, windowByTitle } from '../flows.mjs';
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

e2e(app, 'saves the entries as CSV to the file picked in the system save dialog', async (browser) => {
  await openPage(browser, 'activity', 'Activity');
  await (await browser.$('[data-testid="activity-table"]')).waitForDisplayed({ timeout: 10_000 });
  const shown = (await activity(browser)).length;
  await (await browser.$('[data-testid="activity-save-csv"]')).click();
  // GTK's own save dialog, a window outside the page: typed into as a user would (a full path in its name
  // field, then Enter).
  const dialog = await windowByTitle(browser, 'Save File');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vmdeck-export-')), 'activity.csv');
  execFileSync('xdotool', ['windowfocus', '--sync', dialog]);
  execFileSync('xdotool', ['key', '--window', dialog, 'ctrl+a']);
  execFileSync('xdotool', ['type', '--window', dialog, '--delay', '20', file]);
  execFileSync('xdotool', ['key', '--window', dialog, 'Return']);
  const status = await browser.$('[role="status"]');
  await browser.waitUntil(async () => (await status.isExisting()) && (await status.getText()).startsWith('Saved'), { timeout: 10_000, timeoutMsg: 'the page never said it saved' });
  assert.equal(await status.getText(), `Saved ${shown} entries as CSV to ${file}.`);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
  assert.equal(lines[0], 'time,action,account,account_id,vm,vm_id,target,result,error_code');
  assert.equal(lines.length, shown + 1);
  assert.match(lines[1], /^"[^"]+","delete","Lunanode Toronto",/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
