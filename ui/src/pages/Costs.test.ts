import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Costs from './Costs.svelte';
import { delivering, fakeBackend } from '../test/fakeBackend';
import type { AccountView, Vm } from '../lib/bindings';

const lab = { id: 'h', label: 'Hyperstack lab', color: '#123456', has_secret: true } as unknown as AccountView;
const toronto = { id: 'l', label: 'Toronto', color: '#22884a', has_secret: true } as unknown as AccountView;
const vm = (id: string, perHour: number | null, currency: string | null, created: string | null): Vm =>
  ({
    id, name: id, provider: 'hyperstack', state: 'running', raw_state: 'ACTIVE', region: null, image: null, created, labels: [], security_rules: [], ssh_port: 22, extra: null, addresses: [],
    flavor: { id: 'f', name: 'f', region: null, vcpu: 1, ram_gb: 1, disk_gb: 1, gpu: null, gpu_count: 0, available: true, price: { per_hour: perHour, per_month: null, currency, as_given: null } },
  }) as Vm;

describe('Costs', () => {
  it('shows per-currency totals, each account, the VMs possibly forgotten and those without a price', async () => {
    localStorage.removeItem('vmdeck.forgottenDays');
    const onshowvm = vi.fn();
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [lab, toronto]),
      watchMachines: delivering([
        { account_id: 'h', vms: [vm('gpu-1', 2.5, 'USD', '2026-01-01T00:00:00Z'), vm('web', 0.5, 'USD', new Date().toISOString())], error: null, fetched_at_ms: 1 },
        { account_id: 'l', vms: [vm('tor-1', 0.1, 'CAD', null), vm('plan', null, null, null)], error: null, fetched_at_ms: 1 },
      ]),
    });
    render(Costs, { backend, onshowvm });
    const totals = await screen.findByTestId('cost-totals');
    expect(totals).toHaveTextContent('CAD 0.100 CAD per hour');
    expect(totals).toHaveTextContent('USD 3.000 USD per hour');
    const rows = within(screen.getByTestId('cost-accounts')).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows[0]).toMatch(/^Hyperstack lab3\.000 USD/);
    expect(rows[1]).toMatch(/^Toronto0\.100 CAD/);
    expect(screen.getByTestId('cost-unpriced')).toHaveTextContent('1 running VM has no hourly price');
    expect(await screen.findByTestId('cost-chart')).toBeInTheDocument();
    const forgotten = screen.getByTestId('cost-forgotten-list');
    expect(within(forgotten).getAllByRole('listitem')).toHaveLength(1);
    await userEvent.click(within(forgotten).getByRole('button', { name: 'gpu-1' }));
    expect(onshowvm).toHaveBeenCalledWith('h', 'gpu-1');
  });
});
