import { describe, expect, it } from 'vitest';
import { defaultFields, mappedFields } from './vaultFields';

describe('Vault field mapping preview', () => {
  it('names the field each role uses, in order, each field once', () => {
    const mapping = { ...defaultFields(), password: ['username', 'password'] };
    expect(mappedFields(mapping, ['username', 'ssh_private_key'])).toEqual([
      { role: 'username', label: 'User name', field: 'username' },
      { role: 'password', label: 'Password', field: null },
      { role: 'private_key', label: 'SSH private key', field: 'ssh_private_key' },
      { role: 'passphrase', label: 'Key passphrase', field: null },
      { role: 'vnc_password', label: 'VNC password', field: null },
    ]);
  });
});
