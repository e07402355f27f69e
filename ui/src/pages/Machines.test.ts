import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Machines from './Machines.svelte';
import { delivering, fakeBackend } from '../test/fakeBackend';
import type { AccountListing, AccountView, SecurityRule, Vm } from '../lib/bindings';
import type { BackendError } from '../lib/backend';

const account: AccountView = {
  id: 'a1', journal: 'saved', label: 'Toronto', color: '#22884a', has_secret: true,
  settings: { kind: 'lunanode', base_url: 'https://dynamic.lunanode.com', api_id: '0123456789abcdef', default_region: null },
  vault_path_template: null, proxy: null, ca_certificate_pem: null,
};

function vm(id: string, state: Vm['state']): Vm {
  return {
    id, name: `vm-${id}`, provider: 'lunanode', state, raw_state: state, region: 'toronto', image: null, created: null, labels: [], security_rules: [], ssh_port: 22, extra: {},
    addresses: [{ ip: '172.81.176.21', version: 'v4', public: true }],
    flavor: { id: '89', name: 'm.4', region: null, vcpu: 4, ram_gb: 4, disk_gb: 70, gpu: null, gpu_count: 0, available: true,
      price: { per_hour: null, per_month: null, currency: null, as_given: '0.0208' } },
  };
}

describe('Machines', () => {
  it('lists VMs with their account and only the actions their state allows', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [{ ...vm('1', 'running'), labels: ['web', 'prod'] }, vm('2', 'stopped')], error: null, fetched_at_ms: 1 }]),
      powerMachine: vi.fn(async () => {}),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const [running, stopped] = await screen.findAllByTestId('vm-row');
    expect(running).toHaveTextContent('vm-1');
    expect(running).toHaveTextContent('Toronto');
    expect(within(running).getByTestId('vm-provider')).toHaveTextContent('Lunanode');
    expect(running).toHaveTextContent('172.81.176.21');
    expect(running).toHaveTextContent('4 vCPU · 4 GB');
    expect(within(running).getByTestId('vm-labels')).toHaveTextContent('webprod');
    expect(within(stopped).queryByTestId('vm-labels')).toBeNull();
    expect(within(running).getByTestId('vm-price')).toHaveTextContent('0.0208?');
    expect(within(running).getByTestId('vm-price')).toHaveAttribute('title', expect.stringContaining('its unit is not documented'));
    expect(within(running).queryByTestId('vm-start')).toBeNull();
    expect(within(stopped).queryByTestId('vm-stop')).toBeNull();
    await userEvent.click(within(stopped).getByTestId('vm-more'));
    expect(within(stopped).queryByTestId('vm-reboot')).toBeNull();
    expect(within(stopped).getByTestId('vm-delete')).toBeInTheDocument();
    await userEvent.click(within(running).getByTestId('vm-stop'));
    expect(backend.powerMachine).toHaveBeenCalledWith('a1', '1', 'stop');
  });

  it('hides columns, makes rows compact and keeps both; the provider mark is in each row', async () => {
    localStorage.removeItem('vmdeck.machineColumns');
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: 1 }]),
    });
    const { unmount } = render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const row = await screen.findByTestId('vm-row');
    expect(within(row).getByTestId('provider-mark')).toHaveTextContent('L');
    expect(within(row).getByTestId('provider-mark')).toHaveStyle({ background: '#22884a' });
    await userEvent.click(screen.getByTestId('columns-menu'));
    await userEvent.click(screen.getByTestId('show-region'));
    await userEvent.click(screen.getByTestId('compact-rows'));
    const table = screen.getByRole('table', { name: 'Machines' });
    expect(table).toHaveAttribute('data-hidden', 'region');
    expect(table).toHaveClass('compact');
    expect(table.style.getPropertyValue('--machine-grid')).not.toContain('minmax(56px');
    expect(JSON.parse(localStorage.getItem('vmdeck.machineColumns')!)).toMatchObject({ hidden: ['region'], compact: true });
    // Name and state cannot be hidden.
    expect(screen.queryByTestId('show-name')).toBeNull();
    expect(screen.queryByTestId('show-state')).toBeNull();
    // A column's width follows the arrow keys on its edge, and is kept.
    const sizeEdge = within(screen.getByTestId('column-size')).getByRole('slider');
    sizeEdge.focus();
    await userEvent.keyboard('{ArrowRight}');
    expect(JSON.parse(localStorage.getItem('vmdeck.machineColumns')!).widths.size).toBeCloseTo(165);
    unmount();
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    await screen.findByTestId('vm-row');
    expect(screen.getByRole('table', { name: 'Machines' })).toHaveAttribute('data-hidden', 'region');
    localStorage.removeItem('vmdeck.machineColumns');
  });

  it('asks before deleting', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: 1 }]),
      deleteMachine: vi.fn(async () => {}),
      sshForgetHostKey: vi.fn(async () => 1),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const row = await screen.findByTestId('vm-row');
    await userEvent.click(within(row).getByTestId('vm-more'));
    await userEvent.click(within(row).getByTestId('vm-delete'));
    expect(backend.deleteMachine).not.toHaveBeenCalled();
    expect(row).toHaveTextContent('Delete vm-1?');
    await userEvent.click(within(row).getByTestId('confirm-delete'));
    expect(backend.deleteMachine).toHaveBeenCalledWith('a1', '1');
    expect(backend.sshForgetHostKey).toHaveBeenCalledWith('172.81.176.21', 22);
  });

  it('shows a failing account beside the others', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account, { ...account, id: 'a2', label: 'Broken' }]),
      watchMachines: delivering([
        { account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: 1 },
        { account_id: 'a2', vms: [], error: { code: 'auth_failed' as const, message: 'Lunanode rejected the API ID or key.', details: null }, fetched_at_ms: 1 },
      ]),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    expect(await screen.findByTestId('account-error')).toHaveTextContent('Broken: Lunanode rejected the API ID or key.');
    expect(screen.getAllByTestId('vm-row')).toHaveLength(1);
  });
});

describe('Machines kept live by the Rust side', () => {
  it('shows each pushed listing, keeps a failing account’s VMs dimmed with when they were listed, and unsubscribes when closed', async () => {
    let push: (listings: AccountListing[]) => void = () => {};
    let fail: (error: BackendError) => void = () => {};
    const unsubscribe = vi.fn();
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: vi.fn(async (onListing, onError) => {
        push = onListing;
        fail = onError;
        return unsubscribe;
      }),
    });
    const view = render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    await vi.waitFor(() => expect(backend.watchMachines).toHaveBeenCalledTimes(1));
    push([{ account_id: 'a1', vms: [vm('1', 'stopping')], error: null, fetched_at_ms: Date.parse('2026-11-23T10:00:00Z') }]);
    expect(await screen.findByTestId('vm-row')).toHaveAttribute('data-state', 'stopping');
    push([{ account_id: 'a1', vms: [vm('1', 'stopped')], error: null, fetched_at_ms: Date.parse('2026-11-23T10:00:03Z') }]);
    await vi.waitFor(() => expect(screen.getByTestId('vm-row')).toHaveAttribute('data-state', 'stopped'));
    push([{ account_id: 'a1', vms: [], error: { code: 'rate_limited', message: 'Lunanode asks to slow down.', details: null }, fetched_at_ms: Date.parse('2026-11-23T10:00:33Z') }]);
    const stale = await screen.findByTestId('account-error');
    expect(stale).toHaveTextContent('Toronto: Lunanode asks to slow down.');
    expect(stale).toHaveTextContent(`last refreshed ${new Date(Date.parse('2026-11-23T10:00:03Z')).toLocaleTimeString()}; its VMs below are from then`);
    expect(screen.getByTestId('vm-row')).toHaveClass('stale');
    fail({ code: 'keychain_unavailable', message: 'The keychain is locked.', details: null });
    expect(await screen.findByRole('alert')).toHaveTextContent('The keychain is locked.');
    push([{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: Date.parse('2026-11-23T10:01:00Z') }]);
    await vi.waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(screen.getByTestId('vm-row')).not.toHaveClass('stale');
    view.unmount();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });
});

describe('Machines from the last run', () => {
  it('shows the kept VMs at once, dimmed and with their age, until the live listing replaces them', async () => {
    let push: (listings: AccountListing[]) => void = () => {};
    const twoHoursAgo = Date.now() - 2 * 3600_000 - 60_000;
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      cachedMachines: vi.fn(async () => [{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: twoHoursAgo }]),
      watchMachines: vi.fn(async (onListing) => {
        push = onListing;
        return () => {};
      }),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const row = await screen.findByTestId('vm-row');
    expect(row).toHaveClass('stale');
    expect(screen.getByTestId('fleet-cached')).toHaveTextContent('Showing the VMs as last listed, 2 h ago; refreshing');
    await vi.waitFor(() => expect(backend.watchMachines).toHaveBeenCalledTimes(1));
    push([{ account_id: 'a1', vms: [vm('1', 'stopped')], error: null, fetched_at_ms: Date.now() }]);
    await vi.waitFor(() => expect(screen.getByTestId('vm-row')).toHaveAttribute('data-state', 'stopped'));
    expect(screen.getByTestId('vm-row')).not.toHaveClass('stale');
    expect(screen.queryByTestId('fleet-cached')).toBeNull();
  });

  it('offline, keeps the inventory and says so', async () => {
    let push: (listings: AccountListing[]) => void = () => {};
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      cachedMachines: vi.fn(async () => [{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: Date.now() - 3 * 86400_000 }]),
      watchMachines: vi.fn(async (onListing) => {
        push = onListing;
        return () => {};
      }),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    await screen.findByTestId('fleet-cached');
    await vi.waitFor(() => expect(backend.watchMachines).toHaveBeenCalledTimes(1));
    const unreachable = { code: 'unreachable' as const, message: 'Could not reach Lunanode.', details: null };
    push([{ account_id: 'a1', vms: [], error: unreachable, fetched_at_ms: Date.now() }]);
    expect(await screen.findByTestId('fleet-offline')).toHaveTextContent('Offline: no account could be reached. The VMs below are as last listed, 3 days ago.');
    expect(screen.getByTestId('vm-row')).toHaveTextContent('vm-1');
    expect(screen.getByTestId('vm-row')).toHaveClass('stale');
  });
});

const ssh22: SecurityRule = { direction: 'ingress', protocol: 'tcp', ethertype: 'v4', cidr: '203.0.113.7/32', port_min: 22, port_max: 22 };

describe('Machines at scale and in bulk', () => {
  const many = Array.from({ length: 2000 }, (_, i) => vm(String(i), i % 2 ? 'stopped' : 'running'));

  it('renders only a window of 2,000 VMs and filters all of them', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: many, error: null, fetched_at_ms: 1 }]),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    expect(await screen.findByTestId('shown-count')).toHaveTextContent('2000 of 2000 VMs');
    const drawn = screen.getAllByTestId('vm-row').length;
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(60);
    await userEvent.type(screen.getByLabelText('Filter machines'), 'vm-1999');
    expect(screen.getByTestId('shown-count')).toHaveTextContent('1 of 2000 VMs');
    expect(screen.getAllByTestId('vm-row').map((r) => r.dataset.name)).toEqual(['vm-1999']);
    await userEvent.clear(screen.getByLabelText('Filter machines'));
    await userEvent.selectOptions(screen.getByLabelText('State filter'), 'stopped');
    expect(screen.getByTestId('shown-count')).toHaveTextContent('1000 of 2000 VMs');
  });

  it('deletes in bulk only after the count is typed, naming the VMs', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [vm('1', 'running'), vm('2', 'stopped'), vm('3', 'deleting')], error: null, fetched_at_ms: 1 }]),
      deleteMachine: vi.fn(async () => {}),
      powerMachine: vi.fn(async () => {}),
      sshForgetHostKey: vi.fn(async () => 0),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    await screen.findAllByTestId('vm-row');
    await userEvent.click(screen.getByLabelText('Select all shown'));
    expect(screen.getByTestId('bulk-stop')).toHaveTextContent('stop (1)');
    expect(screen.getByTestId('bulk-delete')).toHaveTextContent('delete (2)');
    await userEvent.click(screen.getByTestId('bulk-delete'));
    expect(screen.getByRole('alertdialog')).toHaveTextContent('Delete 2 VMs: vm-1, vm-2?');
    const confirm = screen.getByTestId('bulk-delete-confirm');
    expect(confirm).toBeDisabled();
    await userEvent.type(screen.getByTestId('bulk-delete-count'), '3');
    expect(confirm).toBeDisabled();
    await userEvent.clear(screen.getByTestId('bulk-delete-count'));
    await userEvent.type(screen.getByTestId('bulk-delete-count'), '2');
    await userEvent.click(confirm);
    expect(backend.deleteMachine).toHaveBeenCalledTimes(2);
    expect(backend.deleteMachine).toHaveBeenCalledWith('a1', '1');
    expect(backend.deleteMachine).toHaveBeenCalledWith('a1', '2');
    expect(await screen.findByRole('status')).toHaveTextContent('delete: 2 of 2 accepted.');
  });

  it('shows the detail pane with the raw record and what was done to the VM', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [{ ...vm('7', 'running'), extra: { vm_id: '7', plan_id: '89' }, security_rules: [ssh22] }], error: null, fetched_at_ms: 1 }]),
      powerMachine: vi.fn(async () => { throw { code: 'conflict', message: 'Lunanode says the VM is busy.', details: null }; }),
      auditList: vi.fn(async () => [
        { at_ms: 2, action: 'reboot', account_id: 'a1', vm_id: '7', vm_name: 'vm-7', target: null, ok: false, error_code: 'conflict' as const },
        { at_ms: 1, action: 'stop', account_id: 'a1', vm_id: 'other', vm_name: 'other', target: null, ok: true, error_code: null },
      ]),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const row = await screen.findByTestId('vm-row');
    await userEvent.click(within(row).getByTestId('vm-more'));
    await userEvent.click(within(row).getByTestId('vm-reboot'));
    expect(await screen.findByRole('alert')).toHaveTextContent('vm-7: Lunanode says the VM is busy.');
    await userEvent.click(within(row).getByText('vm-7'));
    const pane = screen.getByTestId('vm-detail');
    expect(within(pane).getByTestId('raw-record')).toHaveTextContent('"plan_id": "89"');
    expect(within(pane).getByTestId('vm-rules')).toHaveTextContent('in tcp 22 from 203.0.113.7/32 (IPv4)');
    expect(within(pane).getByTestId('action-log')).toHaveTextContent('reboot failed: Lunanode says the VM is busy.');
    // The audit log's entries of this VM only.
    const history = await within(pane).findByTestId('vm-history');
    expect(within(history).getAllByRole('listitem')).toHaveLength(1);
    expect(history).toHaveTextContent('reboot failed (conflict)');
  });
});

describe('The detail pane', () => {
  it('loads the raw record, which the list does not carry, and says why when it cannot', async () => {
    let fail = false;
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [{ ...vm('7', 'running'), extra: null }], error: null, fetched_at_ms: 1 }]),
      getMachine: vi.fn(async () => {
        if (fail) throw { code: 'unreachable', message: 'Lunanode did not answer.', details: null };
        return { ...vm('7', 'running'), extra: { vm_id: '7', plan_id: '89' } };
      }),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    await userEvent.click(within(await screen.findByTestId('vm-row')).getByText('vm-7'));
    expect(await within(screen.getByTestId('vm-detail')).findByTestId('raw-record')).toHaveTextContent('"plan_id": "89"');
    expect(backend.getMachine).toHaveBeenCalledWith('a1', '7');
    await userEvent.click(within(screen.getByTestId('vm-row')).getByText('vm-7'));
    fail = true;
    await userEvent.click(within(screen.getByTestId('vm-row')).getByText('vm-7'));
    expect(await screen.findByTestId('raw-record-error')).toHaveTextContent('Not available: Lunanode did not answer.');
  });
});

describe('Clone', () => {
  it('opens the wizard with the VM configuration the backend copied', async () => {
    const copied = { name: '', count: 1, region: 'toronto', image: '94953', flavor: '89', key_pair: null, assign_public_ip: true, port_randomization: false, security_groups: [], security_rules: [], user_data: null, labels: [], provider_options: null };
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: 1 }]),
      cloneRequest: vi.fn(async () => copied),
      capabilities: vi.fn(async () => { throw { code: 'unreachable', message: 'offline in this test', details: null }; }),
      catalog: vi.fn(async () => ({ regions: [], images: [], flavors: [], key_pairs: [], rule_protocols: [], security_groups: [] })),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const row = await screen.findByTestId('vm-row');
    await userEvent.click(within(row).getByTestId('vm-more'));
    await userEvent.click(within(row).getByTestId('vm-clone'));
    const wizard = await screen.findByRole('region', { name: 'Create VM' });
    expect(backend.cloneRequest).toHaveBeenCalledWith('a1', expect.objectContaining({ id: '1' }));
    expect(within(wizard).getByTestId('wizard-account')).toHaveValue('a1');
    expect(within(wizard).getByText('New virtual machine in Toronto')).toBeInTheDocument();
  });

  it('copies a VM as a ~/.ssh/config entry, and says why when it has no address', async () => {
    const entry = 'Host vm-1\n  HostName 172.81.176.21\n  User root\n  Port 22\n';
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      watchMachines: delivering([{ account_id: 'a1', vms: [vm('1', 'running'), { ...vm('2', 'running'), addresses: [] }], error: null, fetched_at_ms: 1 }]),
      sshConfigEntry: vi.fn(async (_account: string, machine: Vm) => {
        if (!machine.addresses.length) throw { code: 'not_found', message: 'This VM has no address yet.', details: null };
        return entry;
      }),
    });
    const user = userEvent.setup();
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const [withIp, without] = await screen.findAllByTestId('vm-row');
    await user.click(within(withIp).getByTestId('vm-more'));
    await user.click(within(withIp).getByTestId('vm-copy-ssh-config'));
    expect(await screen.findByRole('status')).toHaveTextContent('Copied the ~/.ssh/config entry of vm-1.');
    expect(await navigator.clipboard.readText()).toBe(entry);
    await user.click(within(without).getByTestId('vm-more'));
    await user.click(within(without).getByTestId('vm-copy-ssh-config'));
    expect(await screen.findByRole('alert')).toHaveTextContent('This VM has no address yet.');
  });
});
