// Runs last (specs run in name order): after every other spec has typed its secrets into the app, none of
// them (nor enclaive's issued Vault token) may appear in any file the app or its webview wrote: the settings
// store, known_hosts, the logs, the webview's own storage and caches. The local VMs' folders are left out
// (a VM's VNC password is kept there on purpose, 0600). The files that hold what the user saved are private.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { useFakeCloud } from '../harness.mjs';

const fakes = useFakeCloud();

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'vms' ? [] : filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

test('no secret reached any file the app or its webview wrote', () => {
  const c = fakes.credentials;
  const secrets = [c.hyperstack.api_key, c.enclaive.password, c.lunanode.api_key, c.lunanode.api_key.slice(0, 64), c.cloudvm.secret, c.enclaive.vault_token];
  const dataDir = path.join(process.env.XDG_DATA_HOME, 'dev.vmdeck.app');
  const files = filesUnder(dataDir).filter((file) => statSync(file).size < 64 * 1024 * 1024);
  for (const name of ['accounts.json', 'known_hosts', 'audit.jsonl']) assert.ok(files.includes(path.join(dataDir, name)), `${name} was written`);
  assert.match(readFileSync(path.join(dataDir, 'accounts.json'), 'utf8'), /"accounts"/, 'the store was written');
  for (const file of files) {
    const text = readFileSync(file, 'latin1');
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${secret.slice(0, 6)}… found in ${file}`);
    }
  }
  // What the user saved is theirs alone.
  for (const [name, mode] of [['accounts.json', 0o600], ['known_hosts', 0o600], ['audit.jsonl', 0o600], ['logs', 0o700], ['.', 0o700]]) {
    assert.equal(statSync(path.join(dataDir, name)).mode & 0o777, mode, `${name} is ${mode.toString(8)}`);
  }
  // Every file the app and its webview wrote is the user's alone (the app runs with umask 077).
  for (const file of files) assert.equal(statSync(file).mode & 0o077, 0, `${file} is readable by others`);
  console.log(`scanned ${files.length} files for ${secrets.length} secrets`);
});
