// Hyperstack's console is a job: `request-console` answers a follow-up link, and the follow-up answers 404
// until the job is done, then `vnc_url: {id, vnc_url}` (SDK VNCURL). In the real window the console dialog
// waits (counting the seconds), polls the follow-up, and opens the console page in its own window.
import assert from 'node:assert/strict';
import { addAccount, fakeAccounts, fakeControl, openPage, removeAllAccounts } from '../flows.mjs';
import { e2e, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
let mainWindow;

e2e(app, 'opens a Hyperstack console after polling the console job', async (browser) => {
  mainWindow = await browser.getWindowHandle();
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).hyperstack);
  await fakeControl(fakes.ports.hyperstack, '/__fake/machines/seed', 'POST', { count: 1 });
  await openPage(browser, 'machines', 'Machines');
  const row = await browser.$('[data-testid="vm-row"][data-name^="bulk-"]');
  await row.waitForDisplayed({ timeout: 20_000 });
  const name = await row.getAttribute('data-name');
  const id = name.slice('bulk-'.length);
  await (await row.$('[data-testid="vm-more"]')).click();
  await (await (await browser.$(`[data-testid="vm-row"][data-name="${name}"]`)).$('[data-testid="vm-console"]')).click();

  const before = (await browser.getWindowHandles()).length;
  await (await browser.$('[data-testid="provider-console"]')).click();
  // The dialog says it is waiting while the job runs.
  await (await browser.$('[data-testid="console-waiting"]')).waitForDisplayed({ timeout: 5_000 });
  await browser.waitUntil(async () => (await browser.getWindowHandles()).length === before + 1, {
    timeout: 70_000,
    timeoutMsg: 'no console window opened',
  });
  const log = await (await fetch(`http://127.0.0.1:${fakes.ports.hyperstack}/__fake/requests`)).json();
  const followUps = log.filter((r) => r.method === 'GET' && r.path.startsWith(`/v1/core/virtual-machines/${id}/console/`));
  assert.ok(log.some((r) => r.path === `/v1/core/virtual-machines/${id}/request-console`), 'the job was requested');
  assert.ok(followUps.length >= 2, `polled until ready (the first answer is a 404): ${followUps.length} follow-ups`);
});

e2e(app, 'cleans up its account', async (browser) => {
  if (mainWindow) await browser.switchToWindow(mainWindow);
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
