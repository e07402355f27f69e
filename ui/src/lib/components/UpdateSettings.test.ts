import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import UpdateSettings from './UpdateSettings.svelte';
import { fakeBackend } from '../../test/fakeBackend';
import { updates } from '../updates.svelte';
import type { UpdateOffer, UpdateProgress } from '../bindings';

const offer: UpdateOffer = {
  version: '0.2.0',
  current_version: '0.1.0',
  notes: 'Faster start.\nSigned updates.',
  date: '2026-12-01T10:00:00Z',
};

beforeEach(() => {
  updates.phase = { kind: 'idle' };
  localStorage.clear();
});

describe('UpdateSettings', () => {
  it('shows a newer release with its notes, its download progress, then offers the restart', async () => {
    let finish!: () => void;
    let report!: (p: UpdateProgress) => void;
    const backend = fakeBackend({
      updateCheck: vi.fn(async () => offer),
      updateInstall: vi.fn((onProgress: (p: UpdateProgress) => void) => {
        report = onProgress;
        return new Promise<void>((resolve) => (finish = resolve));
      }),
      appRestart: vi.fn(async () => {}),
    });
    render(UpdateSettings, { backend });
    await userEvent.click(screen.getByRole('button', { name: 'Check for updates' }));
    expect(await screen.findByTestId('update-version')).toHaveTextContent('VMDeck 0.2.0');
    expect(screen.getByTestId('update-offer')).toHaveTextContent('this is 0.1.0');
    expect(screen.getByTestId('update-offer')).toHaveTextContent('published 2026-12-01');
    expect(screen.getByTestId('update-notes')).toHaveTextContent('Faster start. Signed updates.');

    await userEvent.click(screen.getByRole('button', { name: 'Download and install' }));
    report({ downloaded: 3 * 1048576, total: 12 * 1048576 });
    expect(await screen.findByText(/3\.0 MiB\s+of 12\.0 MiB/)).toBeInTheDocument();
    expect(screen.getByTestId('update-progress')).toHaveAttribute('value', String(3 * 1048576));
    expect(screen.queryByRole('button', { name: 'Check for updates' })).toBeNull();

    finish();
    expect(await screen.findByTestId('update-installed')).toHaveTextContent('VMDeck 0.2.0 runs after a restart');
    await userEvent.click(screen.getByRole('button', { name: 'Restart now' }));
    expect(backend.appRestart).toHaveBeenCalledOnce();
  });

  it('a refused download says so with its code and offers to check again', async () => {
    const backend = fakeBackend({
      updateCheck: vi.fn(async () => offer),
      updateInstall: vi.fn(async () => {
        throw {
          code: 'update_rejected',
          message: 'The downloaded update failed its signature check and was refused. Nothing was installed; this version keeps running.',
          details: { cause: 'The signature was created with a different key than the one provided' },
        };
      }),
    });
    render(UpdateSettings, { backend });
    await userEvent.click(screen.getByRole('button', { name: 'Check for updates' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Download and install' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'update_rejected');
    expect(alert).toHaveTextContent('this version keeps running');
    expect(screen.getByTestId('update-cause')).toHaveTextContent('The updater said: The signature was created with a different key');
    expect(screen.getByRole('button', { name: 'Check for updates' })).toBeEnabled();
  });

  it('up to date, and a copy built from source, are plain notes', async () => {
    const check = vi.fn(async (): Promise<UpdateOffer | null> => null);
    render(UpdateSettings, { backend: fakeBackend({ updateCheck: check }) });
    await userEvent.click(screen.getByRole('button', { name: 'Check for updates' }));
    expect(await screen.findByTestId('update-current')).toHaveTextContent('up to date');

    check.mockRejectedValueOnce({ code: 'unsupported', message: 'This copy of VMDeck was built from source.', details: null });
    await userEvent.click(screen.getByRole('button', { name: 'Check for updates' }));
    expect(await screen.findByTestId('update-unsupported')).toHaveTextContent('built from source');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a quiet check at start keeps failures to itself, and the start check can be turned off', async () => {
    const backend = fakeBackend({ updateCheck: vi.fn(async () => Promise.reject({ code: 'unreachable', message: 'x', details: null })) });
    await updates.check(backend, { quiet: true });
    expect(updates.phase.kind).toBe('idle');

    render(UpdateSettings, { backend });
    const box = screen.getByRole('checkbox', { name: 'Check for updates when VMDeck starts' });
    expect(box).toBeChecked();
    await userEvent.click(box);
    expect(updates.checkAtStart).toBe(false);
  });
});
