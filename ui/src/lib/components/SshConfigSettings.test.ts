import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import SshConfigSettings from './SshConfigSettings.svelte';
import { fakeBackend } from '../../test/fakeBackend';

const off = { enabled: false, path: '/home/ada/.ssh/config.d/vmdeck', include_line: 'Include /home/ada/.ssh/config.d/vmdeck', hosts: null };

describe('SshConfigSettings', () => {
  it('turns the managed file on and shows the Include line to add, with the hosts written', async () => {
    const backend = fakeBackend({ sshConfigManagedSet: vi.fn(async (enabled: boolean) => ({ ...off, enabled, hosts: enabled ? 3 : null })) });
    render(SshConfigSettings, { backend });
    const box = await screen.findByTestId('ssh-config-managed');
    expect(box).not.toBeChecked();
    expect(screen.queryByTestId('ssh-config-include')).toBeNull();
    await userEvent.click(box);
    expect(backend.sshConfigManagedSet).toHaveBeenCalledWith(true);
    expect(await screen.findByTestId('ssh-config-include')).toHaveTextContent('Include /home/ada/.ssh/config.d/vmdeck');
    expect(screen.getByTestId('ssh-config-hosts')).toHaveTextContent('3 hosts in the file.');
    await userEvent.click(screen.getByTestId('ssh-config-managed'));
    expect(backend.sshConfigManagedSet).toHaveBeenLastCalledWith(false);
    expect(screen.queryByTestId('ssh-config-include')).toBeNull();
  });

  it('says why the file could not be written, and leaves the box as it was', async () => {
    const backend = fakeBackend({
      sshConfigManagedSet: vi.fn(async () => {
        throw { code: 'permission_denied', message: '/home/ada/.ssh/config.d: permission denied', details: null };
      }),
    });
    render(SshConfigSettings, { backend });
    await userEvent.click(await screen.findByTestId('ssh-config-managed'));
    expect(await screen.findByRole('alert')).toHaveTextContent('permission denied');
    expect(screen.getByTestId('ssh-config-managed')).not.toBeChecked();
  });
});
