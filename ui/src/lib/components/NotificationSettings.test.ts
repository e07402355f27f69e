import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import NotificationSettings from './NotificationSettings.svelte';
import { fakeBackend } from '../../test/fakeBackend';
import type { NotificationSettings as Wanted } from '../bindings';

describe('NotificationSettings', () => {
  it('shows what is saved and saves each box on its own', async () => {
    const backend = fakeBackend({
      notificationsGet: vi.fn(async () => ({ creates: true, changes: false })),
      notificationsSet: vi.fn(async (wanted: Wanted) => wanted),
    });
    render(NotificationSettings, { backend });
    const creates = await screen.findByTestId('notify-creates');
    const changes = screen.getByTestId('notify-changes');
    expect(creates).toBeChecked();
    expect(changes).not.toBeChecked();
    await userEvent.click(changes);
    expect(backend.notificationsSet).toHaveBeenLastCalledWith({ creates: true, changes: true });
    await userEvent.click(creates);
    expect(backend.notificationsSet).toHaveBeenLastCalledWith({ creates: false, changes: true });
    expect(creates).not.toBeChecked();
  });

  it('says why a setting could not be saved, and leaves the box as it was', async () => {
    const backend = fakeBackend({
      notificationsSet: vi.fn(async () => {
        throw { code: 'internal', message: 'The settings file could not be written.', details: null };
      }),
    });
    render(NotificationSettings, { backend });
    await userEvent.click(await screen.findByTestId('notify-changes'));
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be written');
    expect(screen.getByTestId('notify-changes')).toBeChecked();
  });
});
