import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Settings from './Settings.svelte';
import type { Backend } from '../lib/backend';
import { fakeBackend } from '../test/fakeBackend';
import type { AppInfo } from '../lib/bindings';

const info: AppInfo = {
  name: 'VMDeck',
  version: '0.1.0',
  identifier: 'dev.vmdeck.app',
  data_dir: '/home/u/.local/share/dev.vmdeck.app',
  log_dir: '/home/u/.local/share/dev.vmdeck.app/logs',
  os: 'linux',
  arch: 'x86_64',
  keychain: { backend: 'Secret Service (D-Bus)', available: true, problem: null, note: null },
};

function backendReturning(result: () => Promise<AppInfo>): Backend {
  return fakeBackend({ appInfo: vi.fn(result) });
}

describe('Settings', () => {
  it('shows what the backend reports', async () => {
    render(Settings, { backend: backendReturning(async () => info) });
    expect(await screen.findByTestId('app-version')).toHaveTextContent('VMDeck 0.1.0');
    expect(screen.getByTestId('app-data-dir')).toHaveTextContent(info.data_dir);
    expect(screen.getByTestId('app-keychain')).toHaveTextContent('Secret Service (D-Bus): available');
  });

  it('explains an unavailable keychain with its code', async () => {
    const problem = { code: 'keychain_unavailable' as const, message: 'Install a Secret Service.', details: null };
    render(Settings, {
      backend: backendReturning(async () => ({ ...info, keychain: { ...info.keychain, available: false, problem } })),
    });
    expect(await screen.findByTestId('app-keychain')).toHaveTextContent('unavailable');
    const alert = screen.getByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'keychain_unavailable');
    expect(alert).toHaveTextContent('Install a Secret Service.');
  });

  it('says what the kernel-keyring fallback means', async () => {
    const keychain = { backend: 'Linux kernel keyring (fallback)', available: true, problem: null, note: 'Secrets last until you log out.' };
    render(Settings, { backend: backendReturning(async () => ({ ...info, keychain })) });
    expect(await screen.findByTestId('keychain-note')).toHaveTextContent('Secrets last until you log out.');
    expect(screen.getByTestId('app-keychain')).toHaveTextContent('Linux kernel keyring (fallback): available');
  });

  it('shows a coded error and retries on request', async () => {
    let calls = 0;
    const backend = backendReturning(async () => {
      calls += 1;
      if (calls === 1) throw { code: 'internal', message: 'The app-info task failed.', details: null };
      return info;
    });
    render(Settings, { backend });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'internal');
    expect(alert).toHaveTextContent('The app-info task failed.');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('app-version')).toHaveTextContent('0.1.0');
    expect(backend.appInfo).toHaveBeenCalledTimes(2);
  });
});
