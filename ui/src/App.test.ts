import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { fakeBackend } from './test/fakeBackend';
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
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Accounts');
    expect(screen.getByTestId('nav-accounts')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('form', { name: 'Add account' })).toBeInTheDocument();
  });

  it('navigates through every sidebar section', async () => {
    render(App, { backend });
    for (const [id, heading] of [
      ['consoles', 'Consoles'],
      ['settings', 'Settings'],
      ['accounts', 'Accounts'],
      ['machines', 'Machines'],
    ]) {
      await userEvent.click(screen.getByTestId(`nav-${id}`));
      expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(heading);
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
});
