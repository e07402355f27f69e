// The create wizard in the real window, once per backend of the fake cloud: each new VM reaches running,
// is stopped, started and deleted from its row. A create the provider refuses (400) keeps the form, and
// 2,000 VMs render and filter.
import assert from 'node:assert/strict';
import { $, addAccount, createThroughWizard, fakeAccounts, fakeControl, openPage, pickRadio, removeAllAccounts, waitForRowState, waitUntilRunning } from '../flows.mjs';
import { e2e, snapshot, useApp, useFakeCloud } from '../harness.mjs';

const app = useApp();
const fakes = useFakeCloud();



async function rowButton(browser, name, testid) {
  return (await browser.$(`[data-testid="vm-row"][data-name="${name}"]`)).$(`[data-testid="${testid}"]`);
}

/** Stop, start and delete from the row, as a user would after creating. */
async function cycle(browser, name, { stoppedAs = 'stopped', fromList = false } = {}) {
  if (!fromList) await (await $(browser, 'wizard-done')).click();
  await waitForRowState(browser, name, 'running', 30_000);
  await (await rowButton(browser, name, 'vm-stop')).click();
  await waitForRowState(browser, name, stoppedAs, 30_000);
  await (await rowButton(browser, name, 'vm-start')).click();
  await waitForRowState(browser, name, 'running', 30_000);
  await (await rowButton(browser, name, 'vm-more')).click();
  await (await rowButton(browser, name, 'vm-delete')).click();
  await (await rowButton(browser, name, 'confirm-delete')).click();
  await waitForRowState(browser, name, null, 30_000);
}

e2e(app, 'adds one account of each backend', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  const accounts = fakeAccounts(fakes);
  for (const kind of ['hyperstack', 'lunanode', 'cloudvm', 'enclaive']) await addAccount(browser, accounts[kind]);
  await openPage(browser, 'machines', 'Machines');
});

e2e(app, 'creates a Hyperstack VM with a key, an SSH rule and cloud-init, then stops, starts and deletes it', async (browser) => {
  const account = fakeAccounts(fakes).hyperstack;
  await createThroughWizard(browser, account, 'wiz-hyperstack', {
    location: () => pickRadio(browser, 'region', 'test1'),
    image: () => pickRadio(browser, 'image'),
    flavor: () => pickRadio(browser, 'flavor'),
    access: async () => (await $(browser, 'wizard-key')).selectByVisibleText('example-key (SHA256:fakefakefakefakefakefakefakefakefakefakefak)'),
    network: async () => (await $(browser, 'preset-ssh')).click(),
    cloudinit: async () => (await $(browser, 'user-data')).setValue('#cloud-config\npackages:\n  - nginx\n'),
  });
  await waitUntilRunning(browser, 'wiz-hyperstack');
  await snapshot(browser, 'wizard-progress');
  await cycle(browser, 'wiz-hyperstack');
});

/** The fake's log of requests to one port: method and path, in the order they arrived. */
async function requestLog(port) {
  return (await (await fetch(`http://127.0.0.1:${port}/__fake/requests`)).json()).map((r) => `${r.method} ${r.path}`);
}

e2e(app, 'creates a Lunanode VM with a security group made from the wizard’s rules, and a Cloud VM API VM', async (browser) => {
  const accounts = fakeAccounts(fakes);
  await fetch(`http://127.0.0.1:${fakes.ports.lunanode}/__fake/requests`, { method: 'DELETE' });
  await createThroughWizard(browser, accounts.lunanode, 'wiz-lunanode', {
    location: () => pickRadio(browser, 'region', 'toronto'),
    image: () => pickRadio(browser, 'image'),
    flavor: () => pickRadio(browser, 'flavor'),
    network: async () => (await $(browser, 'preset-ssh')).click(),
  });
  await waitUntilRunning(browser, 'wiz-lunanode');
  // The rules became a group (create, then one rule-insert per rule) before the VM was created in it.
  const calls = await requestLog(fakes.ports.lunanode);
  const at = (call) => calls.indexOf(`POST /api/${call}/`);
  assert.ok(at('securitygroup/create') >= 0, `no group was made: ${calls.join(', ')}`);
  assert.ok(at('securitygroup/create') < at('securitygroup/rule-insert') && at('securitygroup/rule-insert') < at('vm/create'), calls.join(', '));
  // The VM as Lunanode reports it names the group.
  await (await $(browser, 'wizard-done')).click();
  await waitForRowState(browser, 'wiz-lunanode', 'running', 30_000);
  await (await browser.$('[data-testid="vm-row"][data-name="wiz-lunanode"] button[title="Details of wiz-lunanode"]')).click();
  // The record sits in a closed <details>: read its text, not what is drawn.
  const raw = () => browser.execute(() => document.querySelector('[data-testid="raw-record"]')?.textContent ?? '');
  await browser.waitUntil(async () => (await raw()).includes('vmdeck-wiz-lunanode'), { timeout: 15_000, timeoutMsg: 'the VM does not name its group' });
  await cycle(browser, 'wiz-lunanode', { fromList: true });

  await createThroughWizard(browser, accounts.cloudvm, 'wiz-cloudvm', {
    flavor: () => pickRadio(browser, 'flavor', 'small-debian'),
  });
  await waitUntilRunning(browser, 'wiz-cloudvm');
  await cycle(browser, 'wiz-cloudvm');
});

e2e(app, 'creates an enclaive VM by copying an existing one', async (browser) => {
  await createThroughWizard(browser, fakeAccounts(fakes).enclaive, 'wiz-enclaive', {
    source: async () => (await $(browser, 'wizard-source')).selectByIndex(1),
  });
  await waitUntilRunning(browser, 'wiz-enclaive');
  // enclaive documents no stopped status: the list shows the raw value as "unknown" and still offers start.
  await cycle(browser, 'wiz-enclaive', { stoppedAs: 'unknown' });
});

e2e(app, 'keeps the form when the provider refuses the create with a 400', async (browser) => {
  await fakeControl(fakes.ports.hyperstack, '/__fake/faults', 'POST', {
    method: 'POST', path_prefix: '/v1/core/virtual-machines', fault: { kind: 'status', status: 400 }, times: 1,
  });
  await createThroughWizard(browser, fakeAccounts(fakes).hyperstack, 'wiz-refused', {
    location: () => pickRadio(browser, 'region', 'test1'),
    image: () => pickRadio(browser, 'image'),
    flavor: () => pickRadio(browser, 'flavor'),
    access: async () => (await $(browser, 'wizard-key')).selectByIndex(1),
  });
  const banner = await browser.$('[role="alert"]');
  await banner.waitForDisplayed({ timeout: 10_000 });
  assert.match(await banner.getText(), /Hyperstack/);
  assert.equal(await (await $(browser, 'vm-name')).getValue(), 'wiz-refused', 'the name is still there');
  assert.match(await (await $(browser, 'request-json')).getText(), /"flavor_name"/, 'the review is still there');
  assert.equal(await (await $(browser, 'review-price')).getText(), '1.350/h', 'priced from the Hyperstack pricebook');
  await snapshot(browser, 'wizard-refused');
  // Nothing was created, and the same form can be sent again once the provider accepts it.
  await (await $(browser, 'wizard-create')).click();
  await waitUntilRunning(browser, 'wiz-refused');
  await cycle(browser, 'wiz-refused');
});

e2e(app, 'renders and filters 2,000 VMs', async (browser) => {
  await fakeControl(fakes.ports.hyperstack, '/__fake/machines/seed', 'POST', { count: 2000 });
  await openPage(browser, 'accounts', 'Accounts');
  await openPage(browser, 'machines', 'Machines');
  const count = await $(browser, 'shown-count');
  await browser.waitUntil(async () => (await count.isExisting()) && /^(\d+) of \1 VMs$/.test(await count.getText()) && Number((await count.getText()).split(' ')[0]) >= 2000, {
    timeout: 30_000,
    timeoutMsg: 'the 2,000 VMs were not listed',
  });
  const total = Number((await count.getText()).split(' ')[0]);
  const drawn = (await browser.$$('[data-testid="vm-row"]')).length;
  assert.ok(drawn < 100, `only the rows in view are drawn (${drawn} of ${total})`);
  const names = await browser.execute(() => [...document.querySelectorAll('[data-testid="vm-row"]')].map((r) => r.dataset.name));
  const target = names.find((n) => n.startsWith('bulk-')) ?? names[names.length - 1];
  await (await browser.$('input[aria-label="Filter machines"]')).setValue(target);
  await browser.waitUntil(async () => (await count.getText()).startsWith('1 of '), { timeout: 5_000, timeoutMsg: `filtering for ${target} did not narrow to one` });
  assert.equal(await (await browser.$('[data-testid="vm-row"]')).getAttribute('data-name'), target);
  await snapshot(browser, 'machines-2000');

  // UI under load (issue 17), measured in the window: from the input event (or the header click) to the next
  // frame after the table changed, 20 times each. A figure, printed; not a timed assertion.
  const figures = await browser.executeAsync((target, done) => {
    const input = document.querySelector('input[aria-label="Filter machines"]');
    const header = document.querySelector('[data-testid="column-name"] button');
    const shownCount = () => document.querySelector('[data-testid="shown-count"]').textContent;
    const firstRow = () => document.querySelector('[data-testid="vm-row"]')?.dataset.name;
    const measure = (act, changed, rounds, finish) => {
      const times = [];
      const round = () => {
        if (times.length === rounds) return finish(times);
        const before = { count: shownCount(), first: firstRow() };
        const started = performance.now();
        act(times.length);
        const settle = () =>
          requestAnimationFrame(() => {
            if (!changed(before)) return settle();
            times.push(performance.now() - started);
            setTimeout(round, 30);
          });
        settle();
      };
      round();
    };
    // Widen to all VMs and narrow to one, in turn (it starts narrowed): each step changes the count.
    const filter = () => {
      input.value = input.value === target ? '' : target;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    };
    // 21 steps: the last one leaves all VMs shown for the sorting and the specs after this one.
    measure(filter, (before) => shownCount() !== before.count, 21, (filtering) =>
      // Name ascending, descending, in turn: each step changes the first row.
      measure(() => header.click(), (before) => firstRow() !== before.first, 20, (sorting) => done({ filtering, sorting })),
    );
  }, target);
  const p95 = (times) => [...times].sort((a, b) => a - b)[Math.ceil(times.length * 0.95) - 1];
  const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  console.log(
    `UI under load, ${total} VMs, in the window (goal p95 < 50 ms): filtering p50 ${median(figures.filtering).toFixed(1)} ms, ` +
      `p95 ${p95(figures.filtering).toFixed(1)} ms; sorting p50 ${median(figures.sorting).toFixed(1)} ms, p95 ${p95(figures.sorting).toFixed(1)} ms`,
  );
  assert.equal(figures.filtering.length, 21);
  assert.equal(figures.sorting.length, 20);
});

e2e(app, 'cleans up its accounts', async (browser) => {
  await openPage(browser, 'accounts', 'Accounts');
  await removeAllAccounts(browser);
});
