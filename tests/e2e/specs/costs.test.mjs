// The cost meter in the real window: two accounts whose providers price in different ways (enclaive in EUR,
// Hyperstack's pricebook with no currency) are totalled apart, never converted; the Machines header shows
// the running cost and the Costs page its chart, drawn.
import assert from 'node:assert/strict';
import { addAccount, canvasColours, fakeAccounts, fakeControl, openPage, removeAllAccounts } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();

e2e(app, 'totals running VMs per currency and draws the chart', async (browser) => {
  await fakeControl(fakes.ports.hyperstack, '/__fake/machines/seed', 'POST', { count: 3 });
  await openPage(browser, 'accounts', 'Accounts');
  const accounts = fakeAccounts(fakes);
  await addAccount(browser, accounts.enclaive);
  await addAccount(browser, { ...accounts.hyperstack, summary: 'Signed in to Hyperstack: 3 VMs' });
  await openPage(browser, 'machines', 'Machines');
  const meter = await browser.$('[data-testid="cost-meter"]');
  await meter.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => /EUR\/h/.test(await meter.getText()), { timeout: 20_000, timeoutMsg: `no EUR cost in the header: ${await meter.getText()}` });

  await meter.click();
  const totals = await browser.$('[data-testid="cost-totals"]');
  await totals.waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await totals.getText()).includes('No currency given'), { timeout: 20_000, timeoutMsg: 'the Hyperstack VMs were not totalled apart' });
  const text = await totals.getText();
  assert.match(text, /EUR\s+[\d.]+ EUR per hour/);
  assert.match(text, /No currency given\s+[\d.]+ per hour/);
  const rows = await browser.$$('[data-testid="cost-accounts"] tbody tr');
  assert.equal(rows.length, 2, 'one row per account and currency');
  // Chart.js drew bars: the canvas has more than its background.
  await browser.waitUntil(async () => (await canvasColours(browser, '[data-testid="cost-chart"] canvas')) > 2, { timeout: 10_000, timeoutMsg: 'the chart is blank' });
  await snapshot(browser, 'costs');
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
