import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import VaultSettings from './VaultSettings.svelte';
import { defaultFields } from '../vaultFields';
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
    await user.selectOptions(screen.getByTestId('vault-kv-version'), 'v2');
    await user.click(screen.getByText(/Secret fields/));
    const vnc = screen.getByTestId('vault-field-vnc_password');
    await user.clear(vnc);
    await user.type(vnc, ' console_pw ,');
    await user.tab();
    await user.click(screen.getByTestId('vault-save'));
    expect(await screen.findByTestId('vault-status')).toHaveTextContent('as userpass-alice; token expires in 2 h 3 min, renewed automatically');
    expect(backend.vaultSave).toHaveBeenCalledWith(
      { address: 'http://127.0.0.1:8200', namespace: null, auth: { method: 'userpass', username: 'alice', mount: 'userpass' }, skip_verify: false, ca_cert_path: null,
        kv_version: 'v2', fields: { ...defaultFields(), vnc_password: ['console_pw'] } },
      'wonderland',
      null,
    );
    expect(screen.getByTestId('vault-secret')).toHaveValue('');
    await user.type(screen.getByTestId('vault-test-path'), 'secret/data/lab');
    await user.click(screen.getByTestId('vault-test'));
    expect(await screen.findByTestId('vault-fields')).toHaveTextContent('Fetched fields: password, username');
    expect(screen.getByTestId('vault-mapped')).toHaveTextContent('User name: username');
    expect(screen.getByTestId('vault-mapped')).toHaveTextContent('VNC password: no field found');
  });

  it('shows why the saved connection fails, with its code', async () => {
    const backend = fakeBackend({
      vaultOverview: vi.fn(async () => ({
        config: { address: 'https://vault:8200', namespace: null, auth: { method: 'token' as const }, skip_verify: false, ca_cert_path: null, kv_version: 'auto' as const, fields: defaultFields() },
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

  it('edits an account’s own Vault: every call names the account', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({
      vaultOverview: vi.fn(async () => ({ config: null, from_environment: false, has_secret: false, status: null, problem: null })),
      vaultSave: vi.fn(async () => status),
      vaultTestRead: vi.fn(async () => ['password', 'username']),
    });
    render(VaultSettings, { backend, accountId: 'acct-7' });
    expect(screen.getByText('Vault for this account')).toBeInTheDocument();
    await vi.waitFor(() => expect(backend.vaultOverview).toHaveBeenCalledWith('acct-7'));
    await user.type(screen.getByTestId('vault-address'), 'http://127.0.0.1:8200');
    await user.type(screen.getByTestId('vault-secret'), 'team-token');
    await user.click(screen.getByTestId('vault-save'));
    await screen.findByTestId('vault-status');
    expect(vi.mocked(backend.vaultSave).mock.calls[0][1]).toBe('team-token');
    expect(vi.mocked(backend.vaultSave).mock.calls[0][2]).toBe('acct-7');
    await user.type(screen.getByTestId('vault-test-path'), 'enclaive-static/data/t/user/root');
    await user.click(screen.getByTestId('vault-test'));
    await screen.findByTestId('vault-fields');
    expect(backend.vaultTestRead).toHaveBeenCalledWith('enclaive-static/data/t/user/root', 'acct-7');
  });

  it('signs in with OIDC through the browser instead of asking for a secret', async () => {
    const user = userEvent.setup();
    const backend = fakeBackend({ vaultOidcLogin: vi.fn(async () => ({ ...status, display_name: 'oidc-alice' })) });
    render(VaultSettings, { backend });
    await user.type(screen.getByTestId('vault-address'), 'https://vault:8200');
    await user.selectOptions(screen.getByTestId('vault-method'), 'oidc');
    expect(screen.queryByTestId('vault-secret')).toBeNull();
    await user.type(screen.getByTestId('vault-oidc-role'), 'dev');
    expect(screen.getByTestId('vault-save')).toHaveTextContent('Sign in with the browser');
    await user.click(screen.getByTestId('vault-save'));
    expect(await screen.findByTestId('vault-status')).toHaveTextContent('as oidc-alice');
    expect(vi.mocked(backend.vaultOidcLogin).mock.calls[0][0].auth).toEqual({ method: 'oidc', mount: 'oidc', role: 'dev' });
  });
});
