// The app starts, leads a first-time user to "Add account", and Settings shows facts from Rust.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { e2e, heading, repo, snapshot, useApp } from '../harness.mjs';

const app = useApp();

e2e(app, 'starts on the empty Machines page', async (browser) => {
  assert.equal(await heading(browser), 'Machines');
  assert.equal(await browser.getTitle(), 'VMDeck');
  const empty = await browser.$('section[aria-label="No machines yet"]');
  await empty.waitForDisplayed({ timeout: 10_000 });
  await snapshot(browser, 'machines-empty');
});

e2e(app, 'Add account leads to the Accounts page', async (browser) => {
  const cta = await browser.$('[data-testid="add-account-cta"]');
  await cta.waitForDisplayed({ timeout: 10_000 });
  await cta.click();
  assert.equal(await heading(browser), 'Accounts');
  assert.equal(await (await browser.$('[data-testid="nav-accounts"]')).getAttribute('aria-current'), 'page');
  assert.ok(await (await browser.$('form[aria-label="Add account"]')).isDisplayed(), 'the form opens straight away');
});

e2e(app, 'Settings shows the app info returned by Rust', async (browser) => {
  await (await browser.$('[data-testid="nav-settings"]')).click();
  assert.equal(await heading(browser), 'Settings');
  const version = await browser.$('[data-testid="app-version"]');
  await version.waitForDisplayed({ timeout: 10_000 });
  // One version, the Cargo workspace's: tauri.conf.json has none of its own, so the app reports this one.
  const cargo = readFileSync(path.join(repo, 'Cargo.toml'), 'utf8').match(/^\[workspace\.package\][^[]*?^version = "([^"]+)"/m)[1];
  assert.equal(await version.getText(), `VMDeck ${cargo}`);

  // The data dir is what Tauri resolved under the XDG_DATA_HOME this suite gave the app.
  const dataDir = await (await browser.$('[data-testid="app-data-dir"]')).getText();
  assert.equal(dataDir, path.join(process.env.XDG_DATA_HOME, 'dev.vmdeck.app'));

  // The suite runs the app inside a D-Bus session with gnome-keyring's Secret Service.
  const keychain = await (await browser.$('[data-testid="app-keychain"]')).getText();
  assert.equal(keychain, 'Secret Service (D-Bus): available');
  await snapshot(browser, 'settings');
});
