// Steps several specs share: adding and removing accounts through the real UI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { heading } from './harness.mjs';

/** The four accounts of the fake cloud, as a user would type them. */
export function fakeAccounts(fakes) {
  const { ports, credentials: c } = fakes;
  const local = (port, suffix = '') => `http://127.0.0.1:${port}${suffix}`;
  return {
    hyperstack: { kind: 'hyperstack', label: 'Hyperstack lab', fields: { base_url: local(ports.hyperstack, '/v1') }, secret: c.hyperstack.api_key, summary: 'Signed in to Hyperstack: 0 VMs' },
    enclaive: {
      kind: 'enclaive',
      label: 'enclaive team',
      fields: { base_url: local(ports.enclaive), email: c.enclaive.email, team_id: c.enclaive.team_id },
      // The project is chosen from what the API lists, not typed.
      pickProject: c.enclaive.project_id,
      secret: c.enclaive.password,
      summary: 'Signed in to enclaive: 1 VM',
    },
    lunanode: { kind: 'lunanode', label: 'Lunanode Toronto', fields: { base_url: local(ports.lunanode), api_id: c.lunanode.api_id }, secret: c.lunanode.api_key, summary: 'Signed in to Lunanode: 1 VM' },
    cloudvm: {
      kind: 'cloudvm',
      label: 'Lab server',
      fields: { base_url: local(ports.cloudvm), access_key: c.cloudvm.access_key, environment: c.cloudvm.environment, machine_types: 'small-debian, medium-debian' },
      secret: c.cloudvm.secret,
      summary: 'Signed in to Cloud VM API: 0 VMs',
    },
  };
}

export const rowSelector = '[data-testid="account-row"]';

export async function openPage(browser, id, title) {
  await (await browser.$(`[data-testid="nav-${id}"]`)).click();
  assert.equal(await heading(browser), title);
}

/** Fills the account form, tests the connection (expecting `account.summary`) and saves. */
export async function addAccount(browser, account) {
  await accountsLoaded(browser);
  const before = (await browser.$$(rowSelector)).length;
  await (await browser.$('[data-testid="add-account"]')).click();
  await (await browser.$(`[data-testid="kind-${account.kind}"]`)).click();
  await (await browser.$('[data-testid="field-label"]')).setValue(account.label);
  for (const [key, value] of Object.entries(account.fields)) {
    await (await browser.$(`[data-testid="field-${key}"]`)).setValue(value);
  }
  await (await browser.$('[data-testid="field-secret"]')).setValue(account.secret);
  if (account.pickProject) {
    await (await browser.$('[data-testid="load-projects"]')).click();
    await (await browser.$('[data-testid="project-choice"]')).waitForDisplayed({ timeout: 10_000 });
    assert.equal(await (await browser.$('[data-testid="field-project_id"]')).getValue(), account.pickProject);
  }
  await (await browser.$('[data-testid="test-connection"]')).click();
  const result = await browser.$('[data-testid="test-result"]');
  await result.waitForDisplayed({ timeout: 15_000 });
  assert.equal(await result.getText(), `✓ ${account.summary}`);
  await (await browser.$('[data-testid="save-account"]')).click();
  await browser.waitUntil(async () => (await browser.$$(rowSelector)).length === before + 1, {
    timeout: 10_000,
    timeoutMsg: `${account.kind} was not listed`,
  });
}

/** Waits until the Accounts page has loaded its list (rows or the empty state). */
export async function accountsLoaded(browser) {
  await browser.waitUntil(
    async () => (await browser.$$(rowSelector)).length > 0 || (await (await browser.$('section[aria-label="No accounts yet"]')).isExisting()),
    { timeout: 10_000, timeoutMsg: 'the account list did not load' },
  );
}

export async function removeAllAccounts(browser) {
  await accountsLoaded(browser);
  while ((await browser.$$(rowSelector)).length > 0) {
    const before = (await browser.$$(rowSelector)).length;
    await (await browser.$('[data-testid="remove-account"]')).click();
    await (await browser.$('[data-testid="confirm-remove"]')).click();
    await browser.waitUntil(async () => (await browser.$$(rowSelector)).length === before - 1, { timeout: 10_000 });
  }
}

/** Calls the fake cloud's control API (tests/fakes/src/control.rs) and expects its 204. */
export async function fakeControl(port, route, method, body) {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 204, route);
}

/** The wizard step shown now (`data-step`). */
export async function currentStep(browser) {
  return (await browser.$('[data-testid="wizard-step"]')).getAttribute('data-step');
}

/** Clicks Next once it is enabled (the engine has checked the step) and waits for the step to change. */
export async function nextStep(browser, enabledWithin = 10_000) {
  const before = await currentStep(browser);
  const button = await browser.$('[data-testid="wizard-next"]');
  await button.waitForEnabled({ timeout: enabledWithin, timeoutMsg: `Next stayed disabled on ${before}` });
  await button.click();
  await browser.waitUntil(async () => (await currentStep(browser)) !== before, { timeout: 5_000 });
}

/** How many distinct colours a canvas shows (the console's by default; a black, empty screen has one). */
export async function canvasColours(browser, selector = '[data-testid="vnc-screen"] canvas') {
  return browser.execute((selector) => {
    const canvas = document.querySelector(selector);
    if (!canvas || !canvas.width) return 0;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length && seen.size < 50; i += 4 * 97) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return seen.size;
  }, selector);
}

/** An element by its `data-testid`. */
export const $ = async (browser, testid) => browser.$(`[data-testid="${testid}"]`);

/** Picks a radio of the wizard: the one with `value`, or the first enabled one. */
export async function pickRadio(browser, name, value) {
  const selector = value ? `input[name="${name}"][value="${value}"]` : `input[name="${name}"]:not([disabled])`;
  await (await browser.$(selector)).click();
}

/**
 * Runs the wizard for one account; `choices` says what to do on each step it expects, up to the review,
 * where the VM gets `name` and is created.
 */
export async function createThroughWizard(browser, account, name, choices) {
  // A wizard left open by an earlier failure would hide this test's own start.
  const close = await browser.$('button[aria-label="Close the wizard"]');
  if (await close.isExisting()) await close.click();
  await (await $(browser, 'new-vm')).click();
  await (await $(browser, 'wizard-account')).selectByVisibleText(`${account.label} (${account.kind})`);
  await nextStep(browser);
  for (;;) {
    const step = await currentStep(browser);
    if (step === 'review') break;
    await choices[step]?.();
    await nextStep(browser);
  }
  await (await $(browser, 'vm-name')).setValue(name);
  const json = await $(browser, 'request-json');
  await browser.waitUntil(async () => (await json.isExisting()) && (await json.getText()).includes(name), {
    timeout: 10_000,
    timeoutMsg: 'the review never showed the request',
  });
  await (await $(browser, 'wizard-create')).click();
}

/** Waits until the wizard's progress list shows `name` running. */
export async function waitUntilRunning(browser, name) {
  const progress = `[data-testid="progress-row"][data-name="${name}"]`;
  await browser.waitUntil(async () => (await (await browser.$(progress)).getAttribute('data-state')) === 'running', {
    timeout: 30_000,
    timeoutMsg: `${name} never reached running in the wizard`,
  });
}

/** The fake cloud's documented Lunanode VM ("myvm"). */
export const LUNANODE_VM = '16b64847-0a86-42ea-bea8-ed60bd960c68';
const lunanodeRow = '[data-testid="vm-row"][data-name="myvm"]';

/** Points the documented Lunanode VM at 127.0.0.1 (the local sshd or VNC server) and adds its account. */
export async function addLocalLunanodeVm(browser, fakes) {
  await fakeControl(fakes.ports.lunanode, `/__fake/machines/${LUNANODE_VM}/address`, 'PUT', { public_ip: '127.0.0.1' });
  await openPage(browser, 'accounts', 'Accounts');
  await addAccount(browser, fakeAccounts(fakes).lunanode);
}

/** Opens the SSH dialog of "myvm" from Machines and fills in the local sshd's password login, then connects. */
export async function connectSshWithPassword(browser, sshd) {
  await openPage(browser, 'machines', 'Machines');
  const row = await browser.$(lunanodeRow);
  await row.waitForDisplayed({ timeout: 15_000 });
  await (await row.$('[data-testid="vm-ssh"]')).click();
  await (await browser.$('[data-testid="ssh-port"]')).setValue(String(sshd.port));
  await (await browser.$('[data-testid="ssh-user"]')).setValue(sshd.user);
  await (await browser.$('[data-testid="ssh-kind"]')).selectByAttribute('value', 'password');
  await (await browser.$('[data-testid="ssh-password"]')).setValue(sshd.password);
  await (await browser.$('[data-testid="ssh-connect"]')).click();
}

/** Opens the console dialog of "myvm" from Machines. */
export async function openConsoleDialog(browser) {
  await openPage(browser, 'machines', 'Machines');
  const vm = await browser.$(lunanodeRow);
  await vm.waitForDisplayed({ timeout: 15_000 });
  await (await vm.$('[data-testid="vm-more"]')).click();
  await (await (await browser.$(lunanodeRow)).$('[data-testid="vm-console"]')).click();
}

export async function vncStatus(browser) {
  return (await browser.$('[data-testid="vnc-status"]')).getAttribute('data-status');
}

/** In the open console dialog: connects to `vnc`, gives its password when asked and waits until connected. */
export async function loginToVnc(browser, vnc) {
  await (await browser.$('[data-testid="vnc-port"]')).setValue(String(vnc.port));
  await (await browser.$('[data-testid="vnc-connect"]')).click();
  await browser.waitUntil(async () => (await vncStatus(browser)) === 'password', { timeout: 15_000, timeoutMsg: 'the password was never asked for' });
  await (await browser.$('[data-testid="vnc-password"]')).setValue(vnc.password);
  await (await browser.$('[data-testid="vnc-login"]')).click();
  await browser.waitUntil(async () => (await vncStatus(browser)) === 'connected', { timeout: 15_000, timeoutMsg: 'the console never connected' });
}

/** The text the terminal shows (xterm.js's DOM rows). */
export async function terminalText(browser) {
  return browser.execute(() => document.querySelector('.xterm-rows')?.textContent ?? '');
}

/**
 * Clicks `element` once it has stopped moving: a page whose sections load one by one (Settings) shifts what
 * is below them, and a click aimed before a shift lands on whatever moved under it.
 */
export async function clickWhenSettled(browser, element) {
  await element.waitForDisplayed({ timeout: 10_000 });
  let last = null;
  await browser.waitUntil(async () => {
    const { x, y } = await element.getLocation();
    const still = last && last.x === x && last.y === y;
    last = { x, y };
    return still;
  }, { timeout: 10_000, interval: 250, timeoutMsg: 'the element kept moving' });
  await element.click();
}

/** A VM row's state in the Machines list, or null when the row is not there. */
export async function rowState(browser, name) {
  const row = await browser.$(`[data-testid="vm-row"][data-name="${name}"]`);
  return (await row.isExisting()) ? row.getAttribute('data-state') : null;
}

/** Waits until the Machines list shows `name` in `state` (null: until it is gone from the list). */
export async function waitForRowState(browser, name, state, timeout = 20_000) {
  await browser.waitUntil(async () => (await rowState(browser, name)) === state, {
    timeout,
    timeoutMsg: `${name} never showed ${state} in the list`,
  });
}

/**
 * The X window id of a visible window titled exactly `title` (the app's "VMDeck", GTK's "Save File", another
 * application's), waiting until it is there: for what WebDriver cannot reach (focus, size, native dialogs).
 */
export async function windowByTitle(browser, title, timeout = 10_000) {
  let id = '';
  await browser.waitUntil(() => {
    try {
      id = execFileSync('xdotool', ['search', '--onlyvisible', '--name', `^${title}$`], { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      id = '';
    }
    return Boolean(id);
  }, { timeout, timeoutMsg: `no window titled ${title}` });
  return id;
}
