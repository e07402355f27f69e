import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { delivering, fakeBackend } from './test/fakeBackend';
import type { AccountView, Vm } from './lib/bindings';
import { askFirstScreen } from './lib/firstScreen';

const backend = fakeBackend({
  appInfo: vi.fn(async () => {
    throw { code: 'internal', message: 'not used here', details: null };
  }),
});

describe('App shell', () => {
  it('opens on the empty Machines page with a way to add an account', async () => {
    render(App, { backend });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Machines');
    expect(await screen.findByText('No machines yet')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('add-account-cta'));
    // Pages other than Machines load on first use.
    expect(await screen.findByRole('heading', { level: 1, name: 'Accounts' })).toBeInTheDocument();
    expect(screen.getByTestId('nav-accounts')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('form', { name: 'Add account' })).toBeInTheDocument();
  });

  it('navigates through every sidebar section', async () => {
    render(App, { backend });
    for (const [id, heading] of [
      ['consoles', 'Consoles'],
      ['costs', 'Costs'],
      ['activity', 'Activity'],
      ['sizes', 'Sizes'],
      ['settings', 'Settings'],
      ['accounts', 'Accounts'],
      ['machines', 'Machines'],
    ]) {
      await userEvent.click(screen.getByTestId(`nav-${id}`));
      expect(await screen.findByRole('heading', { level: 1, name: heading })).toBeInTheDocument();
    }
    expect(backend.appInfo).toHaveBeenCalledTimes(1);
  });

  it('shows the first Machines page from the answers asked for before mounting, and asks afresh later', async () => {
    const own = fakeBackend({
      listAccounts: vi.fn(async () => [{
        id: 'a1', journal: 'saved' as const, label: 'Toronto', color: '#22884a', has_secret: true,
        settings: { kind: 'lunanode' as const, base_url: 'https://dynamic.lunanode.com', api_id: '0123456789abcdef', default_region: null },
        vault_path_template: null, proxy: null, ca_certificate_pem: null,
      }]),
    });
    const firstScreen = askFirstScreen(own);
    render(App, { backend: own, firstScreen });
    // The watch starts once the accounts are shown.
    await vi.waitFor(() => expect(own.watchMachines).toHaveBeenCalledTimes(1));
    expect(own.listAccounts).toHaveBeenCalledTimes(1);
    expect(own.cachedMachines).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByTestId('nav-settings'));
    await userEvent.click(screen.getByTestId('nav-machines'));
    await vi.waitFor(() => expect(own.listAccounts).toHaveBeenCalledTimes(2));
    expect(own.cachedMachines).toHaveBeenCalledTimes(2);
  });

  describe('command palette', () => {
    const toronto: AccountView = {
      id: 'a1', journal: 'saved', label: 'Toronto', color: '#22884a', has_secret: true,
      settings: { kind: 'lunanode', base_url: 'https://dynamic.lunanode.com', api_id: '0123456789abcdef', default_region: null },
      vault_path_template: null, proxy: null, ca_certificate_pem: null,
    };
    const web: Vm = {
      id: '1', name: 'web-1', provider: 'lunanode', state: 'running', raw_state: 'active', region: null, image: null, created: null, labels: [],
      security_rules: [], ssh_port: 22, extra: null, flavor: null, addresses: [{ ip: '203.0.113.10', version: 'v4', public: true }],
    };
    const withVm = () =>
      fakeBackend({
        listAccounts: vi.fn(async () => [toronto]),
        watchMachines: delivering([{ account_id: 'a1', vms: [web], error: null, fetched_at_ms: 1 }]),
        powerMachine: vi.fn(async () => {}),
      });

    it('opens with Ctrl+K and goes to a page without the mouse', async () => {
      render(App, { backend });
      await userEvent.keyboard('{Control>}k{/Control}');
      expect(await screen.findByRole('dialog', { name: 'Command palette' })).toBeInTheDocument();
      await userEvent.keyboard('settings{Enter}');
      expect(await screen.findByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();
      expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
      // Settings lists the shortcuts.
      expect(screen.getByTestId('shortcuts')).toHaveTextContent('Ctrl+K / ⌘K');
      await userEvent.keyboard('{Control>}1{/Control}');
      expect(await screen.findByRole('heading', { level: 1, name: 'Machines' })).toBeInTheDocument();
    });

    it('runs a VM action and opens the SSH dialog of a VM from another page', async () => {
      const own = withVm();
      render(App, { backend: own });
      await screen.findByTestId('vm-row');
      await userEvent.keyboard('{Control>}k{/Control}');
      await userEvent.keyboard('stop web-1{Enter}');
      await vi.waitFor(() => expect(own.powerMachine).toHaveBeenCalledWith('a1', '1', 'stop'));
      await userEvent.click(screen.getByTestId('nav-settings'));
      await screen.findByRole('heading', { level: 1, name: 'Settings' });
      await userEvent.keyboard('{Control>}k{/Control}');
      await userEvent.keyboard('ssh web-1{Enter}');
      expect(await screen.findByRole('heading', { level: 2, name: 'SSH to web-1' })).toBeInTheDocument();
    });

    it('connects to a typed user@host with the SSH dialog filled in', async () => {
      render(App, { backend });
      await userEvent.keyboard('{Control>}k{/Control}');
      await userEvent.keyboard('ops@198.51.100.7:2200');
      expect(screen.getAllByRole('option')[0]).toHaveTextContent('Connect to ops@198.51.100.7:2200');
      await userEvent.keyboard('{Enter}');
      expect(await screen.findByRole('heading', { level: 2, name: 'SSH to ops@198.51.100.7' })).toBeInTheDocument();
      expect(screen.getByTestId('ssh-host')).toHaveValue('198.51.100.7');
      expect(screen.getByTestId('ssh-port')).toHaveValue(2200);
      expect(screen.getByTestId('ssh-user')).toHaveValue('ops');
      // No VM: nothing to remember it for, and no VM-bound logins.
      expect(screen.queryByTestId('ssh-remember')).toBeNull();
      expect(screen.queryByRole('option', { name: 'Vault' })).toBeNull();
    });

    it('focuses the machine filter with /', async () => {
      render(App, { backend: withVm() });
      await screen.findByTestId('vm-row');
      await userEvent.keyboard('/');
      await vi.waitFor(() => expect(screen.getByTestId('machines-filter')).toHaveFocus());
    });
  });
});
