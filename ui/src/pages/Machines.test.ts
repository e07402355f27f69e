import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Machines from './Machines.svelte';
import { fakeBackend } from '../test/fakeBackend';
import type { AccountView, Vm } from '../lib/bindings';

const account: AccountView = {
  id: 'a1', journal: 'saved', label: 'Toronto', color: '#22884a', has_secret: true,
  settings: { kind: 'lunanode', base_url: 'https://dynamic.lunanode.com', api_id: '0123456789abcdef', default_region: null },
  vault_path_template: null, proxy: null, ca_certificate_pem: null,
};

function vm(id: string, state: Vm['state']): Vm {
  return {
    id, name: `vm-${id}`, provider: 'lunanode', state, raw_state: state, region: 'toronto', image: null, created: null, labels: [], extra: {},
    addresses: [{ ip: '172.81.176.21', version: 'v4', public: true }],
    flavor: { id: '89', name: 'm.4', region: null, vcpu: 4, ram_gb: 4, disk_gb: 70, gpu: null, gpu_count: 0, available: true,
      price: { per_hour: null, per_month: null, currency: null, as_given: '0.0208' } },
  };
}

describe('Machines', () => {
  it('lists VMs with their account and only the actions their state allows', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      listMachines: vi.fn(async () => [{ account_id: 'a1', vms: [vm('1', 'running'), vm('2', 'stopped')], error: null, fetched_at_ms: 1 }]),
      powerMachine: vi.fn(async () => {}),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const [running, stopped] = await screen.findAllByTestId('vm-row');
    expect(running).toHaveTextContent('vm-1');
    expect(running).toHaveTextContent('Toronto');
    expect(running).toHaveTextContent('172.81.176.21');
    expect(running).toHaveTextContent('4 vCPU · 4 GB');
    expect(running).toHaveTextContent('0.0208 (unit not stated)');
    expect(within(running).queryByTestId('vm-start')).toBeNull();
    expect(within(stopped).queryByTestId('vm-stop')).toBeNull();
    await userEvent.click(within(running).getByTestId('vm-stop'));
    expect(backend.powerMachine).toHaveBeenCalledWith('a1', '1', 'stop');
  });

  it('asks before deleting', async () => {
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account]),
      listMachines: vi.fn(async () => [{ account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: 1 }]),
      deleteMachine: vi.fn(async () => {}),
      sshForgetHostKey: vi.fn(async () => 1),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    const row = await screen.findByTestId('vm-row');
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
      listMachines: vi.fn(async () => [
        { account_id: 'a1', vms: [vm('1', 'running')], error: null, fetched_at_ms: 1 },
        { account_id: 'a2', vms: [], error: { code: 'auth_failed' as const, message: 'Lunanode rejected the API ID or key.', details: null }, fetched_at_ms: 1 },
      ]),
    });
    render(Machines, { backend, onaddaccount: () => {}, onopenconsole: () => {} });
    expect(await screen.findByTestId('account-error')).toHaveTextContent('Broken: Lunanode rejected the API ID or key.');
    expect(screen.getAllByTestId('vm-row')).toHaveLength(1);
  });
});
