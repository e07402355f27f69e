// Compare sizes across clouds in the real window: the sizes of two accounts whose providers price
// differently (enclaive in EUR, known from its VMs since its API lists no sizes; Hyperstack's catalog with a
// pricebook that names no currency) side by side, prices as given, filtered; "Create here" opens the wizard
// on that account.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, openPage, removeAllAccounts } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();

async function sizeRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="size-row"]')].map((r) => ({
      account: r.getAttribute('data-account'),
      flavor: r.getAttribute('data-flavor'),
      price: r.querySelector('[data-testid="size-price"]')?.textContent ?? '',
    })),
  );
}

e2e(app, 'lists the sizes of two accounts in their own currencies and creates on one', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  const accounts = fakeAccounts(fakes);
  await addAccount(browser, accounts.enclaive);
  await addAccount(browser, accounts.hyperstack);
  // The enclaive VM is listed once (and kept): its size is known from there.
  await openPage(browser, 'machines', 'Machines');
  await (await browser.$('[data-testid="vm-row"]')).waitForDisplayed({ timeout: 20_000 });
  await browser.pause(1000);
  await openPage(browser, 'sizes', 'Sizes');
  await (await browser.$('[data-testid="sizes-table"]')).waitForDisplayed({ timeout: 30_000 });
  const rows = await sizeRows(browser);
  const enclaive = rows.filter((r) => r.account === 'enclaive team');
  const hyperstack = rows.filter((r) => r.account === 'Hyperstack lab');
  assert.ok(enclaive.length > 0 && hyperstack.length > 0, `both accounts listed: ${JSON.stringify(rows)}`);
  assert.ok(enclaive.some((r) => /^\d+\.\d{3} EUR$/.test(r.price)), `enclaive prices in EUR: ${JSON.stringify(enclaive)}`);
  assert.ok(hyperstack.some((r) => /^\d+\.\d{3}$/.test(r.price)), `Hyperstack prices with no currency: ${JSON.stringify(hyperstack)}`);
  assert.equal(await (await browser.$('[role="alert"]')).isExisting(), false, 'no account failed');
  await snapshot(browser, 'sizes');

  // Only Hyperstack's sizes match its account name; the first one opens the wizard there.
  await (await browser.$('[data-testid="sizes-filter"]')).setValue('hyperstack');
  await browser.waitUntil(async () => (await sizeRows(browser)).every((r) => r.account === 'Hyperstack lab'), { timeout: 5_000, timeoutMsg: 'the filter left other accounts' });
  await (await browser.$('[data-testid="size-create"]:not([disabled])')).click();
  const heading = await browser.$('h2*=New virtual machine');
  await heading.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await heading.getText(), 'New virtual machine in Hyperstack lab');
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
