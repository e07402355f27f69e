import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import VaultSettings from './VaultSettings.svelte';
import { fakeBackend } from '../../test/fakeBackend';

const status = { address: 'http://127.0.0.1:8200', display_name: 'userpass-alice', policies: ['default'], expires_in_secs: 7380, renewable: true };

describe('VaultSettings', () => {
  it('connects with userpass, shows who it is and names the fields a test read finds', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      vaultSave: vi.fn(async () => status),
      vaultTestRead: vi.fn(async () => ['password', 'username']),
    });
    render(VaultSettings, { backend });
    await user.type(screen.getByTestId('vault-address'), 'http://127.0.0.1:8200');
    await user.selectOptions(screen.getByTestId('vault-method'), 'userpass');
    await user.type(screen.getByTestId('vault-username'), 'alice');
    await user.type(screen.getByTestId('vault-secret'), 'wonderland');
    await user.click(screen.getByTestId('vault-save'));
    expect(await screen.findByTestId('vault-status')).toHaveTextContent('as userpass-alice; token expires in 2 h 3 min, renewed automatically');
    expect(backend.vaultSave).toHaveBeenCalledWith(
      { address: 'http://127.0.0.1:8200', namespace: null, auth: { method: 'userpass', username: 'alice', mount: 'userpass' }, skip_verify: false, ca_cert_path: null },
      'wonderland',
    );
    expect(screen.getByTestId('vault-secret')).toHaveValue('');
    await user.type(screen.getByTestId('vault-test-path'), 'secret/data/lab');
    await user.click(screen.getByTestId('vault-test'));
    expect(await screen.findByTestId('vault-fields')).toHaveTextContent('Fetched fields: password, username');
  });

  it('shows why the saved connection fails, with its code', async () => {
    const backend = fakeBackend({
      vaultOverview: vi.fn(async () => ({
        config: { address: 'https://vault:8200', namespace: null, auth: { method: 'token' as const }, skip_verify: false, ca_cert_path: null },
        from_environment: false,
        has_secret: true,
        status: null,
        problem: { code: 'vault_sealed' as const, message: 'Vault is sealed.', details: null },
      })),
    });
    render(VaultSettings, { backend });
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'vault_sealed');
    expect(screen.getByTestId('vault-address')).toHaveValue('https://vault:8200');
  });
});
