import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { copySshCommand, copyText } from './copies.svelte';
import { fakeBackend } from '../test/fakeBackend';
import type { SshTarget, Vm } from './bindings';
import type { Row } from './machines';

const vm = { id: '7', name: 'web', addresses: [] } as unknown as Vm;
const row: Row = { vm, accountId: 'a1', account: undefined };
const target = (host: string, port: number, host_note: string | null = null): SshTarget => ({
  host, port, user: 'debian', credentials: { kind: 'ask' }, port_note: null, host_note, remembered: false,
});

describe('what a row copies', () => {
  it('copies the ssh command with the port the backend resolved', async () => {
    userEvent.setup(); // a clipboard the test can read
    const backend = fakeBackend({ sshTarget: vi.fn(async () => target('203.0.113.7', 2222)) });
    expect(await copySshCommand(backend, row)).toEqual({ notice: 'Copied: ssh -p 2222 debian@203.0.113.7' });
    expect(await navigator.clipboard.readText()).toBe('ssh -p 2222 debian@203.0.113.7');
  });

  it('says why there is nothing to copy, and passes the backend refusal on with its code', async () => {
    const noHost = fakeBackend({ sshTarget: vi.fn(async () => target('', 22, 'Hyperstack reports no address for it yet.')) });
    expect(await copySshCommand(noHost, row)).toEqual({ error: { code: 'not_found', message: 'Hyperstack reports no address for it yet.', details: null } });
    const refused = fakeBackend({ sshTarget: vi.fn(async () => Promise.reject({ code: 'auth_failed', message: 'The key was refused.', details: null })) });
    expect(await copySshCommand(refused, row)).toMatchObject({ error: { code: 'auth_failed' } });
  });

  it('reports a clipboard that refuses', async () => {
    userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValueOnce(new Error('denied'));
    expect(await copyText('x', 'Copied x')).toEqual({ error: { code: 'internal', message: 'The clipboard refused the text.', details: null } });
    writeText.mockRestore();
  });
});
