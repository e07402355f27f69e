// Desktop notifications in the real window, shown by a real notification server (dunst) on the test
// session's D-Bus: a VM that stops by itself is announced, one stopped from VMDeck is not; a create is
// announced while the window is in the background and not while it is in front; Settings turns them off.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { $, addAccount, clickWhenSettled, createThroughWizard, fakeAccounts, fakeControl, LUNANODE_VM, openPage, pickRadio, removeAllAccounts, waitForRowState, waitUntilRunning, windowByTitle } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud, useNotificationServer } from '../harness.mjs';

// The app lists every 2 s (as a fleet with a VM in transition would), so a change nobody asked for shows
// within seconds rather than the 30 s of a quiet fleet.
const app = useApp({ env: { VMDECK_BENCH_FLEET_EVERY_MS: '2000' } });
const fakes = useFakeCloud();
const notes = useNotificationServer();
const row = '[data-testid="vm-row"][data-name="myvm"]';


/** Waits for a notification with this title and returns it. */
async function announced(browser, summary) {
  let found;
  await browser.waitUntil(async () => (found = (await notes.shown()).find((n) => n.summary === summary)), {
    timeout: 20_000,
    timeoutMsg: `no notification "${summary}"`,
  });
  return found;
}


e2e(app, 'a VM that stops by itself is announced; one stopped from VMDeck is not', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).lunanode);
  await openPage(browser, 'machines', 'Machines');
  await (await browser.$(row)).waitForDisplayed({ timeout: 15_000 });
  await waitForRowState(browser, 'myvm', 'running');
  // Someone runs `poweroff` inside the VM: no call from VMDeck.
  await fakeControl(fakes.ports.lunanode, `/__fake/machines/${LUNANODE_VM}/poweroff`, 'POST');
  await waitForRowState(browser, 'myvm', 'stopped');
  const note = await announced(browser, 'myvm stopped');
  assert.equal(note.body, 'Lunanode Toronto: running → stopped, not from VMDeck.');
  // Started and stopped from its row: the user's own doing, nothing more is announced.
  const before = (await notes.shown()).length;
  await (await (await browser.$(row)).$('[data-testid="vm-start"]')).click();
  await waitForRowState(browser, 'myvm', 'running');
  await (await (await browser.$(row)).$('[data-testid="vm-stop"]')).click();
  await waitForRowState(browser, 'myvm', 'stopped');
  await browser.pause(1500);
  assert.deepEqual((await notes.shown()).slice(before), []);
});

e2e(app, 'a create is announced while the window is in the background, not while it is in front', async (browser) => {
  const account = fakeAccounts(fakes).lunanode;
  const choices = {
    location: () => pickRadio(browser, 'region', 'toronto'),
    image: () => pickRadio(browser, 'image'),
    flavor: () => pickRadio(browser, 'flavor'),
  };
  // In front: the wizard's own progress says it, so no notification.
  execFileSync('xdotool', ['windowfocus', '--sync', await windowByTitle(browser, 'VMDeck')]);
  await createThroughWizard(browser, account, 'note-front', choices);
  await waitUntilRunning(browser, 'note-front');
  await browser.pause(1500);
  assert.equal((await notes.shown()).find((n) => n.summary === 'note-front is ready'), undefined);
  await (await $(browser, 'wizard-done')).click();

  // Another window takes the focus while the next VM is created.
  const other = spawn('xmessage', ['-geometry', '+0+0', 'another application'], { stdio: 'ignore' });
  try {
    const otherWindow = await windowByTitle(browser, 'xmessage');
    await createThroughWizard(browser, account, 'note-back', choices);
    execFileSync('xdotool', ['windowfocus', '--sync', otherWindow]);
    const note = await announced(browser, 'note-back is ready');
    assert.equal(note.body, 'Created in Lunanode Toronto; it is running.');
    await snapshot(browser, 'notification-create');
  } finally {
    other.kill();
  }
});

e2e(app, 'with changes turned off in Settings, a VM that stops by itself is not announced', async (browser) => {
  await openPage(browser, 'machines', 'Machines');
  await (await (await browser.$(row)).$('[data-testid="vm-start"]')).click();
  await waitForRowState(browser, 'myvm', 'running');
  await openPage(browser, 'settings', 'Settings');
  const changes = await $(browser, 'notify-changes');
  await changes.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await changes.isSelected(), true, 'on by default');
  await clickWhenSettled(browser, changes);
  await browser.waitUntil(async () => !(await changes.isSelected()) && (await changes.isEnabled()), { timeout: 5_000 });
  const before = (await notes.shown()).length;
  await openPage(browser, 'machines', 'Machines');
  await fakeControl(fakes.ports.lunanode, `/__fake/machines/${LUNANODE_VM}/poweroff`, 'POST');
  await waitForRowState(browser, 'myvm', 'stopped');
  await browser.pause(3000);
  assert.deepEqual((await notes.shown()).slice(before), []);
  // Kept across a restart.
  await app.restart();
  await openPage(app.browser, 'settings', 'Settings');
  assert.equal(await (await $(app.browser, 'notify-changes')).isSelected(), false);
});

e2e(app, 'cleans up its account', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
