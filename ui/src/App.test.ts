import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { fakeBackend } from './test/fakeBackend';

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
});
