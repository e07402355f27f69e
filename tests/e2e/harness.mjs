// Starts tauri-driver in front of WebKitWebDriver, opens a WebDriver session on the built app and
// saves a screenshot of the window for every failing test under test-output/e2e/. Also starts the
// fake cloud (tests/fakes) for specs that need backends.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const outputDir = path.join(repo, 'test-output', 'e2e');
export const application = process.env.VMDECK_APP ?? path.join(repo, 'target', 'debug', 'vmdeck');
const fakeCloudBinary = process.env.VMDECK_FAKE_CLOUD ?? path.join(repo, 'target', 'debug', 'fake-cloud');

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForPort(port, child, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * One app per spec file: `const app = useApp();` then `app.browser` inside tests. `app.restart()` quits
 * the app and starts it again (a new WebDriver session), as a user reopening it would. The app reopens on
 * the page it was left on; `start` and `restart` go to Machines unless called with `{ keepPage: true }`.
 *
 * The app sees no QEMU (VMDECK_QEMU_DIR points at an empty folder) unless a spec asks with
 * `useApp({ qemu: true, env })`: with QEMU, VMDeck adds its "This computer" account on first start, which
 * the specs of the cloud backends do not expect.
 */
export function useApp({ qemu = false, env = {}, binary = application, args = [] } = {}) {
  const app = {
    binary,
    browser: undefined,
    driver: undefined,
    port: undefined,
    async start({ keepPage = false } = {}) {
      // tauri-driver listens before WebKitWebDriver behind it does: the first session may be refused.
      for (let attempt = 1; ; attempt++) {
        try {
          app.browser = await remote({
            hostname: '127.0.0.1',
            port: app.port,
            logLevel: 'warn',
            // A WebDriver command that hangs fails the test after a minute instead of being retried for many.
            connectionRetryTimeout: 60_000,
            connectionRetryCount: 0,
            capabilities: { 'tauri:options': { application: binary, args } },
          });
          // The app reopens on the page it was left on; every spec starts from Machines unless it asks.
          if (!keepPage) await app.browser.$('[data-testid="nav-machines"]').then((nav) => nav.click()).catch(() => {});
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          console.error(`WebDriver session refused (attempt ${attempt}), trying again`);
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
    },
    async restart(options) {
      await app.browser.deleteSession();
      await appGone(binary);
      await app.start(options);
    },
  };

  before(async () => {
    await mkdir(outputDir, { recursive: true });
    app.port = await freePort();
    const nativePort = await freePort();
    const noQemu = path.join(outputDir, 'no-qemu');
    await mkdir(noQemu, { recursive: true });
    // The app inherits its environment from tauri-driver through WebKitWebDriver.
    const appEnv = { ...process.env, ...(typeof env === 'function' ? env() : env) };
    if (qemu) delete appEnv.VMDECK_QEMU_DIR;
    else appEnv.VMDECK_QEMU_DIR = noQemu;
    app.driver = spawn(
      'tauri-driver',
      ['--port', String(app.port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'],
      { stdio: ['ignore', 'inherit', 'inherit'], env: appEnv },
    );
    await waitForPort(app.port, app.driver);
    await app.start();
  });

  after(async () => {
    await app.browser?.deleteSession().catch(() => {});
    await appGone(binary);
    app.driver?.kill();
  });

  return app;
}

/**
 * Waits until no copy of the app runs any more, and kills one that outlives its WebDriver session (seen once
 * on a loaded CI machine). With one instance per user (tauri-plugin-single-instance), a leftover would take
 * the next launch's place: the next session would wait for a window that never opens.
 */
async function appGone(binary, timeoutMs = 10_000) {
  const alive = () => spawnSync('pgrep', ['-f', '-x', binary]).status === 0;
  const end = Date.now() + timeoutMs;
  while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    console.error(`the app outlived its WebDriver session by ${timeoutMs} ms; killing it`);
    spawnSync('pkill', ['-KILL', '-f', '-x', binary]);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The fake cloud in its own process: `fakes.ports.hyperstack`, `fakes.credentials.hyperstack.api_key`.
 * `useFakeCloud({ images: dir })` also serves a local-VM image mirror of `dir` on `fakes.ports.images`.
 */
export function useFakeCloud({ images } = {}) {
  const fakes = { ports: undefined, credentials: undefined, child: undefined };
  before(async () => {
    const args = ['--print-ports', '--step-ms', '300', ...(images ? ['--images', images] : [])];
    fakes.child = spawn(fakeCloudBinary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise((resolve, reject) => {
      readline.createInterface({ input: fakes.child.stdout }).once('line', resolve);
      fakes.child.once('exit', (code) => reject(new Error(`fake-cloud exited with ${code}`)));
    });
    const parsed = JSON.parse(line);
    fakes.credentials = parsed.credentials;
    fakes.ports = parsed;
  });
  after(() => fakes.child?.kill());
  return fakes;
}

/** A test that leaves a screenshot of the app window behind when it fails. */
export function e2e(app, name, fn) {
  test(name, async (t) => {
    try {
      await fn(app.browser, t);
    } catch (error) {
      if (app.browser) console.error(`screenshot of the failure: ${await snapshot(app.browser, name)}`);
      throw error;
    }
  });
}

let screenshotsHang = false;

/**
 * Saves a screenshot of the window as test-output/e2e/<name>.png to look at, and returns its path.
 * A screenshot is evidence, not a check: one WebKit does not deliver within 20 s is logged, and later
 * ones are skipped, so that they cannot hold up the run.
 */
export async function snapshot(browser, name) {
  const file = path.join(outputDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  if (screenshotsHang) {
    console.error(`screenshot ${file} skipped: an earlier one never came`);
    return file;
  }
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timed out after 20 s'), 20_000);
  });
  const outcome = await Promise.race([browser.saveScreenshot(file).then(() => 'saved', (error) => `failed: ${error.message}`), late]);
  clearTimeout(timer);
  if (outcome !== 'saved') console.error(`screenshot ${file} ${outcome}`);
  if (outcome.startsWith('timed out')) screenshotsHang = true;
  return file;
}

/** The text of `main h1` once it is shown. */
export async function heading(browser) {
  const h1 = await browser.$('main h1');
  await h1.waitForDisplayed({ timeout: 10_000 });
  return h1.getText();
}

/**
 * A real OpenSSH sshd on 127.0.0.1 with its own host key, for password logins of the test user that
 * .ci/test creates (VMDECK_SSH_PASSWORD_USER / VMDECK_SSH_PASSWORD).
 */
export function useSshd() {
  const sshd = { port: undefined, child: undefined, user: process.env.VMDECK_SSH_PASSWORD_USER, password: process.env.VMDECK_SSH_PASSWORD };
  before(async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const os = await import('node:os');
    if (!sshd.user || !sshd.password) throw new Error('VMDECK_SSH_PASSWORD_USER and VMDECK_SSH_PASSWORD are set by .ci/test');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vmdeck-sshd-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'hostkey')]);
    sshd.port = await freePort();
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [`Port ${sshd.port}`, 'ListenAddress 127.0.0.1', `HostKey ${dir}/hostkey`, `PidFile ${dir}/sshd.pid`, 'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PrintMotd no', ''].join('\n'),
    );
    mkdirSync('/run/sshd', { recursive: true });
    sshd.child = spawn('/usr/sbin/sshd', ['-D', '-f', path.join(dir, 'sshd_config'), '-E', path.join(dir, 'sshd.log')], { stdio: 'ignore' });
    await waitForPort(sshd.port, sshd.child);
  });
  after(() => sshd.child?.kill());
  return sshd;
}

/**
 * A real Vault-compatible server on 127.0.0.1: OpenBao's `bao server -dev` (VMDECK_BAO, set by .ci/test),
 * with a root token. `bao.call(method, path, body)` calls its API as root, as an operator would.
 */
export function useOpenBao() {
  const bao = { port: undefined, url: undefined, rootToken: 'root', child: undefined };
  bao.call = async (method, apiPath, body) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await fetch(`${bao.url}/v1/${apiPath}`, {
        method,
        headers: { 'X-Vault-Token': bao.rootToken, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      // A KV v2 mount just enabled upgrades its storage for a moment and refuses writes meanwhile.
      if (response.status === 400 && text.includes('Upgrading from non-versioned') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (!response.ok) throw new Error(`OpenBao ${method} ${apiPath}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    }
  };
  before(async () => {
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const binary = process.env.VMDECK_BAO;
    if (!binary) throw new Error('VMDECK_BAO (OpenBao\'s bao binary) is set by .ci/test');
    bao.port = await freePort();
    bao.url = `http://127.0.0.1:${bao.port}`;
    bao.child = spawn(binary, ['server', '-dev', `-dev-root-token-id=${bao.rootToken}`, `-dev-listen-address=127.0.0.1:${bao.port}`], {
      stdio: 'ignore',
      env: { ...process.env, HOME: mkdtempSync(path.join(os.tmpdir(), 'vmdeck-bao-')) },
    });
    await waitForPort(bao.port, bao.child);
    // Listening comes a moment before unsealed and ready.
    const deadline = Date.now() + 20_000;
    while (!(await fetch(`${bao.url}/v1/sys/health`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error('OpenBao did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => bao.child?.kill());
  return bao;
}

/**
 * The enclaive layout in a real Vault: a KV v2 mount `enclaive-static` with the team's root login at
 * `{teamId}/user/root`, and the team token the (fake) enclaive login hands out as `vaultToken`, allowed to
 * read only its own team's secrets (docs/providers/enclaive.md).
 */
export async function enclaiveVault(bao, fakes, login) {
  const team = fakes.credentials.enclaive.team_id;
  await bao.call('POST', 'sys/mounts/enclaive-static', { type: 'kv', options: { version: '2' } });
  await bao.call('POST', `enclaive-static/data/${team}/user/root`, { data: login });
  await bao.call('PUT', 'sys/policies/acl/enclaive-team', { policy: `path "enclaive-static/data/${team}/*" { capabilities = ["read"] }` });
  await bao.call('POST', 'auth/token/create', { id: fakes.credentials.enclaive.vault_token, policies: ['enclaive-team'], ttl: '1h' });
}

/**
 * A real VNC server on 127.0.0.1: Xvfb on a display it picks itself (-displayfd), an xmessage window to
 * look at, and x11vnc with a password.
 */
export function useVncServer({ x11vncArgs = [] } = {}) {
  const vnc = { port: undefined, password: 'vnc-e2e-pw', children: [], display: undefined };
  before(async () => {
    const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '800x600x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] });
    vnc.children.push(xvfb);
    const display = (await new Promise((resolve, reject) => {
      readline.createInterface({ input: xvfb.stdout }).once('line', resolve);
      xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    })).trim();
    vnc.display = `:${display}`;
    vnc.children.push(spawn('xmessage', ['-display', `:${display}`, '-center', 'VMDeck E2E: this is the remote screen'], { stdio: 'ignore' }));
    vnc.port = await freePort();
    const server = spawn('x11vnc', ['-display', `:${display}`, '-rfbport', String(vnc.port), '-listen', '127.0.0.1', '-passwd', vnc.password, '-forever', '-shared', '-quiet', '-nopw', '-noxdamage', ...x11vncArgs], { stdio: 'ignore' });
    vnc.children.push(server);
    await waitForPort(vnc.port, server);
  });
  after(() => {
    for (const child of vnc.children.reverse()) child.kill();
  });
  return vnc;
}

/**
 * A real desktop notification server on the test session's D-Bus and display: dunst, each notification
 * shown for a second and then kept in its history. `notes.shown()` is every notification so far, as
 * `{ summary, body }`, read with `dunstctl` the way a user's desktop would have them.
 */
export function useNotificationServer() {
  const notes = { child: undefined };
  notes.shown = async () => {
    const { execFileSync } = await import('node:child_process');
    // Closed notifications move to the history, so the history is all of them.
    execFileSync('dunstctl', ['close-all']);
    const history = JSON.parse(execFileSync('dunstctl', ['history'], { encoding: 'utf8' }));
    return history.data[0].map((n) => ({ summary: n.summary.data, body: n.body.data })).reverse();
  };
  before(async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vmdeck-dunst-'));
    writeFileSync(path.join(dir, 'dunstrc'), '[global]\n    history_length = 200\n[urgency_normal]\n    timeout = 1\n');
    notes.child = spawn('dunst', ['-config', path.join(dir, 'dunstrc')], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (spawnSync('dunstctl', ['count', 'history']).status !== 0) {
      if (Date.now() > deadline || notes.child.exitCode !== null) throw new Error('dunst did not come up on the session bus');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => notes.child?.kill());
  return notes;
}
