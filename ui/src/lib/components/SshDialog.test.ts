import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import SshDialog from './SshDialog.svelte';
import { fakeBackend } from '../../test/fakeBackend';
import { consoles } from '../consoles.svelte';
import type { Vm } from '../bindings';

const vm: Vm = {
  id: 'v1', name: 'web', provider: 'lunanode', state: 'running', raw_state: 'active', region: null, image: null, flavor: null,
  created: null, labels: [], security_rules: [], ssh_port: 22, extra: {}, addresses: [{ ip: '203.0.113.5', version: 'v4', public: true }],
};

describe('SshDialog', () => {
  it('shows an unknown host key’s fingerprint and connects once the user trusts it', async () => {
    const user = userEvent.setup();
    const sshOpen = vi
      .fn()
      .mockRejectedValueOnce({ code: 'host_key_unknown', message: 'not known', details: { fingerprint: 'SHA256:abc' } })
      .mockResolvedValueOnce({ id: 7, user: 'ubuntu', url: 'ws://127.0.0.1:1/ssh' });
    const backend = fakeBackend({ sshOpen, sshTarget: vi.fn(async () => ({ host: '203.0.113.5', port: 22, user: 'ubuntu', credentials: { kind: 'ask' as const }, port_note: null, host_note: null, remembered: false })) });
    const onopened = vi.fn();
    render(SshDialog, { backend, accountId: 'a1', vm, onopened, oncancel: () => {} });
    await vi.waitFor(() => expect(screen.getByTestId('ssh-user')).toHaveValue('ubuntu'));
    await user.type(screen.getByTestId('ssh-password'), 'pw');
    await user.click(screen.getByTestId('ssh-connect'));
    expect(await screen.findByTestId('host-fingerprint')).toHaveTextContent('SHA256:abc');
    await user.click(screen.getByTestId('trust-save'));
    await vi.waitFor(() => expect(onopened).toHaveBeenCalled());
    expect(sshOpen.mock.calls[1][0]).toMatchObject({
      host: '203.0.113.5', port: 22, user: 'ubuntu',
      credential: { kind: 'password', password: 'pw' },
      decision: { kind: 'trust_and_save', fingerprint: 'SHA256:abc' },
    });
    expect(consoles.tabs.map((t) => t.title)).toContain('ubuntu@web');
  });

  it('offers to forget a changed host key', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      sshOpen: vi.fn(async () => {
        throw { code: 'host_key_changed', message: 'The host key of 203.0.113.5 has changed.', details: null };
      }),
    });
    render(SshDialog, { backend, accountId: 'a1', vm, onopened: () => {}, oncancel: () => {} });
    await user.type(screen.getByTestId('ssh-password'), 'pw');
    await user.click(screen.getByTestId('ssh-connect'));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'host_key_changed');
    expect(screen.getByTestId('forget-host-key')).toBeInTheDocument();
  });
});

describe('SshDialog with a provider password', () => {
  it('preselects the password Lunanode reports and asks the backend for it by VM', async () => {
    const user = userEvent.setup();
    const sshOpen = vi.fn(async () => ({ id: 9, user: 'ubuntu', url: 'ws://127.0.0.1:1/ssh' }));
    const backend = fakeBackend({
      sshOpen,
      sshTarget: vi.fn(async () => ({ host: '203.0.113.5', port: 22, user: 'ubuntu', credentials: { kind: 'provider_password' as const }, port_note: null, host_note: null, remembered: false })),
    });
    render(SshDialog, { backend, accountId: 'a1', vm, onopened: () => {}, oncancel: () => {} });
    await vi.waitFor(() => expect(screen.getByTestId('ssh-kind')).toHaveValue('provider_password'));
    await user.click(screen.getByTestId('ssh-connect'));
    await vi.waitFor(() => expect(sshOpen).toHaveBeenCalled());
    expect((sshOpen.mock.calls[0] as unknown[])[0]).toMatchObject({ credential: { kind: 'provider_password', account_id: 'a1', vm_id: 'v1' } });
  });
});

describe('SshDialog and the system terminal', () => {
  it('hands host, port and user to the system terminal and closes', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend();
    const oncancel = vi.fn();
    render(SshDialog, { backend, accountId: 'a1', vm, onopened: () => {}, oncancel });
    await user.clear(screen.getByTestId('ssh-user'));
    await user.type(screen.getByTestId('ssh-user'), 'debian');
    await user.click(screen.getByTestId('ssh-system'));
    expect(backend.sshSystemTerminal).toHaveBeenCalledWith('203.0.113.5', 22, 'debian');
    expect(oncancel).toHaveBeenCalled();
  });
});

describe('SshDialog with keys in the keychain', () => {
  it('prefers a key kept in the keychain over a typed password', async () => {
    const user = userEvent.setup();
    const sshOpen = vi.fn(async () => ({ id: 31, user: 'root', url: 'ws://127.0.0.1:1/ssh', fingerprint: 'SHA256:k' }));
    const backend = fakeBackend({ sshOpen, sshKeysList: vi.fn(async () => [{ name: 'laptop', kind: 'OPENSSH PRIVATE KEY' }]) });
    render(SshDialog, { backend, accountId: 'a1', vm, onopened: () => {}, oncancel: () => {} });
    await vi.waitFor(() => expect(screen.getByTestId('ssh-kind')).toHaveValue('stored_key'));
    expect(screen.getByTestId('ssh-stored-key')).toHaveValue('laptop');
    await user.click(screen.getByTestId('ssh-connect'));
    await vi.waitFor(() => expect(sshOpen).toHaveBeenCalled());
    expect((sshOpen.mock.calls[0] as unknown[])[0]).toMatchObject({ credential: { kind: 'stored_key', name: 'laptop', passphrase: null } });
  });

  it('says why the port is only a guess when the provider moved SSH without saying where', async () => {
    const note = 'Hyperstack randomised this VM\'s public ports and does not report the SSH port: type the one its dashboard shows.';
    const backend = fakeBackend({ sshTarget: vi.fn(async () => ({ host: '203.0.113.5', port: 22, user: 'ubuntu', credentials: { kind: 'ask' as const }, port_note: note, host_note: null, remembered: false })) });
    render(SshDialog, { backend, accountId: 'a1', vm, onopened: () => {}, oncancel: () => {} });
    expect(await screen.findByTestId('ssh-port-note')).toHaveTextContent('does not report the SSH port');
  });
});

describe('SshDialog for a local VM', () => {
  it('waits for the guest’s SSH server, then connects with its keychain key and the pinned host key, no click needed', async () => {
    let ready: () => void = () => {};
    const machineSshReady = vi.fn(() => new Promise<void>((resolve) => (ready = resolve)));
    const sshOpen = vi.fn().mockResolvedValue({ id: 11, user: 'debian', url: 'ws://127.0.0.1:1/ssh' });
    const local: Vm = { ...vm, id: 'vm-1', name: 'dev', provider: 'local', addresses: [{ ip: '127.0.0.1', version: 'v4', public: false }] };
    const backend = fakeBackend({
      sshOpen,
      machineSshReady,
      sshKeysList: vi.fn(async () => [{ name: 'other', kind: 'OPENSSH PRIVATE KEY' }, { name: 'dev (this computer, vm-1)', kind: 'OPENSSH PRIVATE KEY' }]),
      sshTarget: vi.fn(async () => ({ host: '127.0.0.1', port: 10022, user: 'debian', credentials: { kind: 'stored_key' as const, name: 'dev (this computer, vm-1)' }, port_note: null, host_note: null, remembered: false })),
    });
    const onopened = vi.fn();
    render(SshDialog, { backend, accountId: 'local', vm: local, onopened, oncancel: () => {} });
    expect(await screen.findByTestId('ssh-waiting')).toHaveTextContent('Waiting for the VM’s SSH server');
    expect(screen.getByTestId('ssh-pinned')).toBeInTheDocument();
    expect(machineSshReady).toHaveBeenCalledWith('local', 'vm-1');
    expect(sshOpen).not.toHaveBeenCalled();
    ready();
    await vi.waitFor(() => expect(onopened).toHaveBeenCalled());
    expect(sshOpen.mock.calls[0][0]).toMatchObject({
      host: '127.0.0.1', port: 10022, user: 'debian',
      credential: { kind: 'stored_key', name: 'dev (this computer, vm-1)' },
      decision: { kind: 'known_only' },
    });
  });

  it('says so when the guest never answers, and connects nothing', async () => {
    const sshOpen = vi.fn();
    const local: Vm = { ...vm, id: 'vm-2', provider: 'local' };
    const backend = fakeBackend({
      sshOpen,
      machineSshReady: vi.fn(async () => {
        throw { code: 'timeout', message: 'dev’s SSH server did not answer within 5 minutes.', details: null };
      }),
      sshTarget: vi.fn(async () => ({ host: '127.0.0.1', port: 10023, user: 'debian', credentials: { kind: 'stored_key' as const, name: 'k' }, port_note: null, host_note: null, remembered: false })),
    });
    render(SshDialog, { backend, accountId: 'local', vm: local, onopened: () => {}, oncancel: () => {} });
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'timeout');
    expect(sshOpen).not.toHaveBeenCalled();
  });
});

describe('SshDialog remembering a VM’s host', () => {
  const cloudVm: Vm = { ...vm, provider: 'cloudvm', addresses: [] };
  const noAddress = {
    host: '', port: 22, user: 'root', credentials: { kind: 'ask' as const }, port_note: null,
    host_note: 'The Cloud VM API reports no addresses: type this VM’s host and tick Remember, or set a host template on the account.',
    remembered: false,
  };

  it('says why the host is empty and saves what worked only after the connection opened', async () => {
    const user = userEvent.setup();
    const sshOpen = vi.fn().mockRejectedValueOnce({ code: 'unreachable', message: 'no route', details: null }).mockResolvedValueOnce({ id: 3, user: 'debian', url: 'ws://127.0.0.1:1/ssh' });
    const sshTargetSave = vi.fn(async () => {});
    const backend = fakeBackend({ sshOpen, sshTargetSave, sshTarget: vi.fn(async () => noAddress) });
    render(SshDialog, { backend, accountId: 'a1', vm: cloudVm, onopened: () => {}, oncancel: () => {} });
    expect(await screen.findByTestId('ssh-host-note')).toHaveTextContent('reports no addresses');
    expect(screen.getByTestId('ssh-connect')).toBeDisabled();
    await user.type(screen.getByTestId('ssh-host'), 'web-1.lab.example');
    await user.clear(screen.getByTestId('ssh-user'));
    await user.type(screen.getByTestId('ssh-user'), 'debian');
    await user.click(screen.getByTestId('ssh-remember'));
    await user.type(screen.getByTestId('ssh-password'), 'pw');
    await user.click(screen.getByTestId('ssh-connect'));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'unreachable');
    expect(sshTargetSave).not.toHaveBeenCalled();
    await user.click(screen.getByTestId('ssh-connect'));
    await vi.waitFor(() => expect(sshTargetSave).toHaveBeenCalledWith('a1', 'v1', { host: 'web-1.lab.example', port: 22, user: 'debian' }));
  });

  it('shows a remembered host ticked, and unticking it forgets it after the next connection', async () => {
    const user = userEvent.setup();
    const sshTargetSave = vi.fn(async () => {});
    const backend = fakeBackend({
      sshOpen: vi.fn(async () => ({ id: 4, user: 'debian', url: 'ws://127.0.0.1:1/ssh' })),
      sshTargetSave,
      sshTarget: vi.fn(async () => ({ ...noAddress, host: '10.0.0.9', port: 2222, user: 'debian', host_note: null, remembered: true })),
    });
    render(SshDialog, { backend, accountId: 'a1', vm: cloudVm, onopened: () => {}, oncancel: () => {} });
    await vi.waitFor(() => expect(screen.getByTestId('ssh-remember')).toBeChecked());
    expect(screen.getByTestId('ssh-port')).toHaveValue(2222);
    await user.click(screen.getByTestId('ssh-remember'));
    await user.type(screen.getByTestId('ssh-password'), 'pw');
    await user.click(screen.getByTestId('ssh-connect'));
    await vi.waitFor(() => expect(sshTargetSave).toHaveBeenCalledWith('a1', 'v1', null));
  });
});
