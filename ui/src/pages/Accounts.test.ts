import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Accounts from './Accounts.svelte';
import { memoryAccounts } from '../test/fakeBackend';

async function fillHyperstack(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByTestId('field-label'), 'GPU lab');
  await user.type(screen.getByTestId('field-secret'), 'hs-secret-key');
}

describe('Accounts', () => {
  it('adds an account after a successful connection test, and shows no secret', async () => {
    const user = userEvent.setup();
    const { backend, secrets } = memoryAccounts();
    backend.testAccount = vi.fn(async () => ({ vm_count: 3, summary: 'Signed in to Hyperstack: 3 VMs' }));
    render(Accounts, { backend });
    await user.click(await screen.findByTestId('add-account'));
    await fillHyperstack(user);
    await user.click(screen.getByTestId('test-connection'));
    expect(await screen.findByTestId('test-result')).toHaveTextContent('Signed in to Hyperstack: 3 VMs');
    expect(backend.testAccount).toHaveBeenCalledWith(
      expect.objectContaining({ label: 'GPU lab', settings: expect.objectContaining({ kind: 'hyperstack' }) }),
      'hs-secret-key',
      null,
    );
    await user.click(screen.getByTestId('save-account'));
    const row = await screen.findByTestId('account-row');
    expect(row).toHaveAttribute('data-kind', 'hyperstack');
    expect(row).toHaveTextContent('GPU lab');
    expect(secrets.get('acct-1')).toBe('hs-secret-key');
    expect(document.body.textContent).not.toContain('hs-secret-key');
    // The next account starts with a colour of its own.
    await user.click(screen.getByTestId('add-account'));
    expect(screen.getByLabelText('Colour #22884a')).toHaveClass('on');
    expect(screen.getByLabelText('Colour #2f6fde')).not.toHaveClass('on');
  });

  it('keeps the form and marks the field when the backend refuses it', async () => {
    const user = userEvent.setup();
    const { backend } = memoryAccounts();
    backend.testAccount = vi.fn(async () => {
      throw { code: 'auth_failed', message: 'Hyperstack rejected the credentials.', details: { status: 401 } };
    });
    backend.addAccount = vi.fn(async () => {
      throw { code: 'invalid_input', message: 'A Lunanode API ID has 16 characters.', details: { field: 'api_id' } };
    });
    render(Accounts, { backend, startAdding: true });
    await user.click(screen.getByTestId('kind-lunanode'));
    await user.type(screen.getByTestId('field-label'), 'Toronto');
    await user.type(screen.getByTestId('field-api_id'), 'short');
    await user.type(screen.getByTestId('field-secret'), 'k');
    await user.click(screen.getByTestId('test-connection'));
    expect(await screen.findByRole('alert')).toHaveAttribute('data-code', 'auth_failed');
    await user.click(screen.getByTestId('save-account'));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'invalid_input');
    expect(screen.getByTestId('field-api_id').closest('label')).toHaveClass('invalid');
    expect(screen.getByTestId('field-api_id')).toHaveValue('short');
    expect(screen.getByTestId('field-label')).toHaveValue('Toronto');
  });

  it('asks before removing and says when a secret is missing', async () => {
    const user = userEvent.setup();
    const { backend, accounts, secrets } = memoryAccounts();
    accounts.push(
      { id: 'a', journal: 'saved', label: 'Kept', color: '#2f6fde', settings: { kind: 'hyperstack', base_url: 'https://h/v1', default_environment: null }, vault_path_template: null, proxy: null, ca_certificate_pem: null },
      { id: 'b', journal: 'saved', label: 'Imported', color: '#22884a', settings: { kind: 'cloudvm', base_url: 'http://s:8080', access_key: 'AK', environment: 'aws', machine_types: [], ssh_host_template: null }, vault_path_template: null, proxy: null, ca_certificate_pem: null },
    );
    secrets.set('a', 'x');
    render(Accounts, { backend });
    const rows = await screen.findAllByTestId('account-row');
    expect(rows[1]).toHaveTextContent('Secret missing');
    await user.click(within(rows[0]).getByTestId('remove-account'));
    expect(backend.removeAccount).not.toHaveBeenCalled();
    expect(rows[0]).toHaveTextContent('Remove “Kept” and its keychain entry?');
    await user.click(within(rows[0]).getByTestId('confirm-remove'));
    expect(backend.removeAccount).toHaveBeenCalledWith('a');
    expect(await screen.findAllByTestId('account-row')).toHaveLength(1);
  });

  it('shows the fields of each backend', async () => {
    const user = userEvent.setup();
    render(Accounts, { backend: memoryAccounts().backend, startAdding: true });
    await user.click(screen.getByTestId('kind-cloudvm'));
    expect(screen.getByTestId('field-access_key')).toBeInTheDocument();
    expect(screen.getByTestId('field-environment')).toBeInTheDocument();
    await user.click(screen.getByTestId('kind-enclaive'));
    expect(screen.getByTestId('field-team_id')).toBeInTheDocument();
    expect(screen.queryByTestId('field-access_key')).not.toBeInTheDocument();
  });
});

describe('the enclaive project picker', () => {
  it('loads the team’s projects with the typed password and fills in the chosen one', async () => {
    const user = userEvent.setup();
    const { backend } = memoryAccounts();
    backend.enclaiveProjects = vi.fn(async () => [
      { id: 'p1', name: 'first-project' },
      { id: 'p2', name: 'dev-project' },
    ]);
    render(Accounts, { backend, startAdding: true });
    await user.click(screen.getByTestId('kind-enclaive'));
    await user.type(screen.getByTestId('field-team_id'), 'team-1');
    await user.type(screen.getByTestId('field-secret'), 'pw');
    await user.click(screen.getByTestId('load-projects'));
    const choice = await screen.findByTestId('project-choice');
    expect(screen.getByTestId('field-project_id')).toHaveValue('p1');
    await user.selectOptions(choice, 'p2');
    expect(screen.getByTestId('field-project_id')).toHaveValue('p2');
    expect(backend.enclaiveProjects).toHaveBeenCalledWith(expect.objectContaining({ settings: expect.objectContaining({ team_id: 'team-1' }) }), 'pw', null);
  });
});

describe('A Cloud VM API account from the server’s own files', () => {
  it('reads environments.json and machinetypes.json and fills the environment and its machine types', async () => {
    const user = userEvent.setup();
    const { backend } = memoryAccounts();
    backend.cloudvmReadServerFiles = vi.fn(async () => [
      { name: 'aws-test1', cloud: 'Aws', region: 'eu-west-3', machine_types: ['medium-debian', 'small-debian'] },
      { name: 'pve-lab', cloud: 'Proxmox', region: 'Proxmox/1', machine_types: ['small-debian'] },
    ]);
    render(Accounts, { backend });
    await user.click(await screen.findByTestId('add-account'));
    await user.click(screen.getByTestId('kind-cloudvm'));
    const environments = '[{"name": "aws-test1", "cloud": "Aws"}]';
    const types = '{"small-debian": {"os": {}, "clouds": {"Aws": {}}}}';
    await user.upload(screen.getByTestId('cloudvm-files'), [
      new File([types], 'machinetypes.json', { type: 'application/json' }),
      new File([environments], 'environments.json', { type: 'application/json' }),
    ]);
    // Told apart by content, not by the order they were picked in.
    await vi.waitFor(() => expect(backend.cloudvmReadServerFiles).toHaveBeenCalledWith(environments, types));
    await user.selectOptions(await screen.findByTestId('environment-choice'), 'pve-lab');
    expect(screen.getByTestId('field-environment')).toHaveValue('pve-lab');
    expect(screen.getByTestId('field-machine_types')).toHaveValue('small-debian');
  });

  it('asks for environments.json when only the machine types were picked', async () => {
    const user = userEvent.setup();
    const { backend } = memoryAccounts();
    render(Accounts, { backend });
    await user.click(await screen.findByTestId('add-account'));
    await user.click(screen.getByTestId('kind-cloudvm'));
    await user.upload(screen.getByTestId('cloudvm-files'), [new File(['{}'], 'machinetypes.json', { type: 'application/json' })]);
    expect(await screen.findByRole('alert')).toHaveTextContent('environments.json');
  });
});

describe('Importing accounts', () => {
  it('shows what an import adds and what decides where secrets go, and adds only on confirmation', async () => {
    const user = userEvent.setup();
    const { backend } = memoryAccounts();
    await backend.addAccount({ label: 'Kept', color: '#2f6fde', settings: { kind: 'hyperstack', base_url: 'https://h/v1', default_environment: null }, vault_path_template: null, proxy: null, ca_certificate_pem: null }, 'k');
    backend.previewImport = vi.fn(async () => [
      { label: 'Lab', kind: 'hyperstack' as const, address: 'https://h/v1', flags: ['Its requests go through the proxy http://proxy.lan:3128', 'You have an account at this address already (Kept)'] },
    ]);
    backend.importAccounts = vi.fn(async () => []);
    render(Accounts, { backend });
    await user.click(await screen.findByRole('button', { name: 'Import…' }));
    await user.click(screen.getByTestId('import-text'));
    await user.paste('{"vmdeck_accounts": 1, "accounts": []}');
    await user.click(screen.getByTestId('import-check'));
    const flags = await screen.findAllByTestId('import-flag');
    expect(flags.map((f) => f.textContent)).toEqual([
      '⚠ Its requests go through the proxy http://proxy.lan:3128',
      '⚠ You have an account at this address already (Kept)',
    ]);
    expect(backend.importAccounts).not.toHaveBeenCalled();
    await user.click(screen.getByTestId('import-confirm'));
    await vi.waitFor(() => expect(backend.importAccounts).toHaveBeenCalledWith('{"vmdeck_accounts": 1, "accounts": []}'));
  });
});
