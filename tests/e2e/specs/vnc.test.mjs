// The in-app VNC console: a fake-cloud VM whose address is a real x11vnc on 127.0.0.1 opens in a tab
// through the engine's bridge, asks for the password, and shows the remote screen (screenshot:
// test-output/e2e/vnc-console.png). The provider's own console opens in a separate window.
import assert from 'node:assert/strict';
import path from 'node:path';
import { addLocalLunanodeVm, canvasColours, loginToVnc, openConsoleDialog, openPage, removeAllAccounts, vncStatus } from '../flows.mjs';
import { e2e, outputDir, snapshot, useApp, useFakeCloud, useVncServer } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const vnc = useVncServer();

e2e(app, 'opens the VNC console of a VM, asks for the password and shows the remote screen', async (browser) => {
  await addLocalLunanodeVm(browser, fakes);
  await openConsoleDialog(browser);

  assert.equal(await (await browser.$('[data-testid="vnc-host"]')).getValue(), '127.0.0.1', 'the VM address');
  await loginToVnc(browser, vnc);
  await browser.waitUntil(async () => (await canvasColours(browser)) > 1, { timeout: 15_000, timeoutMsg: 'the screen stayed blank' });
  await snapshot(browser, 'vnc-console');
  // The canvas itself as well, as noVNC drew it (not every WebKit puts a canvas in window screenshots).
  const png = await browser.execute(() => document.querySelector('[data-testid="vnc-screen"] canvas').toDataURL('image/png'));
  (await import('node:fs')).writeFileSync(path.join(outputDir, 'vnc-canvas.png'), Buffer.from(png.split(',')[1], 'base64'));
  assert.equal(await (await browser.$('[data-testid="vnc-password"]')).isExisting(), false, 'the password form is gone');

  await (await browser.$('[data-testid="vnc-close"]')).click();
  await browser.waitUntil(async () => !(await (await browser.$('[data-testid="vnc-screen"]')).isExisting()), { timeout: 5_000 });
});

e2e(app, 'refuses a wrong VNC password with the server’s reason', async (browser) => {
  await openConsoleDialog(browser);
  await (await browser.$('[data-testid="vnc-port"]')).setValue(String(vnc.port));
  await (await browser.$('[data-testid="vnc-connect"]')).click();
  await browser.waitUntil(async () => (await vncStatus(browser)) === 'password', { timeout: 15_000 });
  await (await browser.$('[data-testid="vnc-password"]')).setValue('wrong-one');
  await (await browser.$('[data-testid="vnc-login"]')).click();
  await browser.waitUntil(async () => (await vncStatus(browser)) === 'closed', { timeout: 15_000, timeoutMsg: 'a wrong password did not end the console' });
  assert.match(await (await browser.$('[data-testid="vnc-status"]')).getText(), /refused the login/);
  // Reconnect opens a new bridge (the old token worked once) and asks again.
  await (await browser.$('[data-testid="vnc-reconnect"]')).click();
  await browser.waitUntil(async () => (await vncStatus(browser)) === 'password', { timeout: 15_000, timeoutMsg: 'reconnect did not ask again' });
  await (await browser.$('[data-testid="vnc-close"]')).click();
});

let mainWindow;

e2e(app, 'opens the provider’s console page in a separate window', async (browser) => {
  mainWindow = await browser.getWindowHandle();
  const before = (await browser.getWindowHandles()).length;
  await openConsoleDialog(browser);
  // The dialog offers the provider's page once it knows the account's capabilities.
  const open = await browser.$('[data-testid="provider-console"]');
  await open.waitForDisplayed({ timeout: 10_000 });
  await open.click();
  await (await browser.$('[role="status"]')).waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await browser.getWindowHandles()).length === before + 1, { timeout: 10_000, timeoutMsg: 'no console window opened' });
});

e2e(app, 'cleans up its account', async (browser) => {
  if (mainWindow) await browser.switchToWindow(mainWindow);
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
