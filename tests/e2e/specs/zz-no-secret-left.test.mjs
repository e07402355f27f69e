// Runs last (specs run in name order): after every other spec has typed its secrets into the app, none
// of them (nor enclaive's issued Vault token) may appear in the settings store or the logs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { useFakeCloud } from '../harness.mjs';

const fakes = useFakeCloud();

test('no secret reached the settings store or the logs', () => {
  const c = fakes.credentials;
  const secrets = [c.hyperstack.api_key, c.enclaive.password, c.lunanode.api_key, c.lunanode.api_key.slice(0, 64), c.cloudvm.secret, c.enclaive.vault_token];
  const dataDir = path.join(process.env.XDG_DATA_HOME, 'dev.vmdeck.app');
  const logDir = path.join(dataDir, 'logs');
  const files = [path.join(dataDir, 'accounts.json'), ...readdirSync(logDir).map((name) => path.join(logDir, name))];
  assert.ok(files.length >= 2, `the store and at least one log file: ${files}`);
  assert.match(readFileSync(files[0], 'utf8'), /"accounts"/, 'the store was written');
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${secret.slice(0, 6)}… found in ${file}`);
    }
  }
});
