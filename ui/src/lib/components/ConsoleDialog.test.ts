import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import ConsoleDialog from './ConsoleDialog.svelte';
import { consoles } from '../consoles.svelte';
import { fakeBackend } from '../../test/fakeBackend';
import type { Capabilities, Vm } from '../bindings';

const vm: Vm = {
  id: 'vm-1', name: 'web', provider: 'lunanode', state: 'running', raw_state: 'active', region: null, image: null, flavor: null,
  created: null, labels: [], security_rules: [], ssh_port: 22, extra: {}, addresses: [{ ip: '203.0.113.5', version: 'v4', public: true }],
};
const caps = { console: 'provider_url' } as Capabilities;

describe('ConsoleDialog', () => {
  it('bridges a raw VNC endpoint with the Vault path as the password source and opens a tab', async () => {
    const backend = fakeBackend({
      capabilities: vi.fn(async () => caps),
      sshTarget: vi.fn(async () => ({ host: '203.0.113.5', port: 22, user: 'root', credentials: { kind: 'vault' as const, path: 'secret/data/web' }, port_note: null, host_note: null, remembered: false })),
      vncOpen: vi.fn(async () => ({ id: 7, url: 'ws://127.0.0.1:40000/vnc?token=abc' })),
    });
    const onopened = vi.fn();
    render(ConsoleDialog, { backend, accountId: 'a1', vm, onopened, oncancel: () => {} });
    // The form waits for the capabilities, so nothing appears above it afterwards.
    expect(await screen.findByTestId('vnc-host')).toHaveValue('203.0.113.5');
    await userEvent.selectOptions(screen.getByTestId('vnc-source'), 'vault');
    await vi.waitFor(() => expect(screen.getByTestId('vnc-vault-path')).toHaveValue('secret/data/web'));
    await userEvent.click(screen.getByTestId('vnc-connect'));
    expect(backend.vncOpen).toHaveBeenCalledWith('a1', vm.id, '203.0.113.5', 5900, { kind: 'vault', path: 'secret/data/web', account_id: 'a1' });
    expect(onopened).toHaveBeenCalled();
    const tab = consoles.tabs.at(-1)!;
    expect(tab).toMatchObject({ kind: 'vnc', id: 7, url: 'ws://127.0.0.1:40000/vnc?token=abc', title: 'web (VNC)' });
  });

  it('opens the provider console URL in its own window and reports an unreachable VNC server', async () => {
    const backend = fakeBackend({
      capabilities: vi.fn(async () => caps),
      machineConsole: vi.fn(async () => ({ kind: 'url' as const, url: 'https://console.example/vnc?token=1' })),
      openConsoleWindow: vi.fn(async () => {}),
      vncOpen: vi.fn(async () => { throw { code: 'unreachable', message: 'The VNC server at 203.0.113.5:5900 could not be reached: refused.', details: null }; }),
    });
    render(ConsoleDialog, { backend, accountId: 'a1', vm, onopened: () => {}, oncancel: () => {} });
    await userEvent.click(await screen.findByTestId('provider-console'));
    expect(backend.openConsoleWindow).toHaveBeenCalledWith('https://console.example/vnc?token=1', 'web');
    expect(await screen.findByRole('status')).toHaveTextContent('opened in its own window');
    await userEvent.click(screen.getByTestId('vnc-connect'));
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached');
  });
});
