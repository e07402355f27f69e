// A Hyperstack VM created with port randomisation: no public source names the field that holds its mapped
// SSH port (docs/providers/hyperstack.md), so the SSH dialog says so instead of silently using 22; the user
// types the port once, ticks "Remember", and the next one-click SSH uses it. The VM's address is the test
// sshd on 127.0.0.1 and the "mapped port" is the sshd's port.
import assert from 'node:assert/strict';
import { $, addAccount, createThroughWizard, fakeAccounts, fakeControl, openPage, pickRadio, removeAllAccounts, waitUntilRunning } from '../flows.mjs';
import { e2e, useApp, useFakeCloud, useSshd } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();
const sshd = useSshd();
const NAME = 'wiz-randomised';

async function openSshDialog(browser) {
  await openPage(browser, 'machines', 'Machines');
  const row = await browser.$(`[data-testid="vm-row"][data-name="${NAME}"]`);
  await row.waitForDisplayed({ timeout: 20_000 });
  await (await row.$('[data-testid="vm-ssh"]')).click();
  await (await $(browser, 'ssh-port')).waitForDisplayed({ timeout: 10_000 });
}

e2e(app, 'a port-randomised VM asks for its SSH port once, and one click uses the remembered one after', async (browser) => {
  const account = fakeAccounts(fakes).hyperstack;
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, account);
  await openPage(browser, 'machines', 'Machines');
  await createThroughWizard(browser, account, NAME, {
    location: () => pickRadio(browser, 'region', 'test1'),
    image: () => pickRadio(browser, 'image'),
    flavor: () => pickRadio(browser, 'flavor'),
    access: async () => (await $(browser, 'wizard-key')).selectByIndex(1),
    network: async () => {
      const publicIp = await $(browser, 'public-ip');
      if (!(await publicIp.isSelected())) await publicIp.click();
      await (await $(browser, 'port-randomization')).click();
    },
  });
  await waitUntilRunning(browser, NAME);
  await (await $(browser, 'wizard-done')).click();

  // The VM answers at the test sshd.
  const list = await fetch(`http://127.0.0.1:${fakes.ports.hyperstack}/v1/core/virtual-machines`, { headers: { api_key: fakes.credentials.hyperstack.api_key } });
  const vm = (await list.json()).instances.find((i) => i.name === NAME);
  assert.equal(vm.port_randomization, true, 'created with port randomisation');
  await fakeControl(fakes.ports.hyperstack, `/__fake/machines/${vm.id}/address`, 'PUT', { public_ip: '127.0.0.1' });

  await openSshDialog(browser);
  const note = await $(browser, 'ssh-port-note');
  await note.waitForDisplayed({ timeout: 10_000 });
  assert.match(await note.getText(), /randomised this VM's public ports/);
  await (await $(browser, 'ssh-port')).setValue(String(sshd.port));
  await (await $(browser, 'ssh-user')).setValue(sshd.user);
  await (await $(browser, 'ssh-kind')).selectByAttribute('value', 'password');
  await (await $(browser, 'ssh-password')).setValue(sshd.password);
  await (await $(browser, 'ssh-remember')).click();
  await (await $(browser, 'ssh-connect')).click();
  await (await $(browser, 'trust-save')).waitForDisplayed({ timeout: 15_000 });
  await (await $(browser, 'trust-save')).click();
  await browser.waitUntil(async () => (await (await browser.$('main h1')).getText()) === 'Consoles', { timeout: 20_000, timeoutMsg: 'no terminal' });
  await (await $(browser, 'console-close')).click();

  // Next time: the remembered port, user and tick, and no note.
  await openSshDialog(browser);
  await browser.waitUntil(async () => (await (await $(browser, 'ssh-port')).getValue()) === String(sshd.port), { timeout: 10_000, timeoutMsg: 'the port was not remembered' });
  assert.equal(await (await $(browser, 'ssh-user')).getValue(), sshd.user);
  assert.equal(await (await $(browser, 'ssh-remember')).isSelected(), true);
  assert.equal(await (await $(browser, 'ssh-port-note')).isExisting(), false);
  await (await browser.$('button=Cancel')).click();
});

e2e(app, 'cleans up its account', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
