import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Sizes from './Sizes.svelte';
import { fakeBackend } from '../test/fakeBackend';
import type { AccountView, Catalog, Flavor } from '../lib/bindings';

const account = (id: string, label: string) => ({ id, label, color: '#123456', has_secret: true }) as unknown as AccountView;
const flavor = (name: string, vcpu: number, perHour: number | null, currency: string | null, gpu: string | null = null): Flavor => ({
  id: name, name, region: 'r1', vcpu, ram_gb: vcpu * 4, disk_gb: 50, gpu, gpu_count: gpu ? 1 : 0, available: true,
  price: { per_hour: perHour, per_month: null, currency, as_given: perHour == null ? '0.0208' : null },
});
const catalog = (flavors: Flavor[]): Catalog => ({ regions: [], security_groups: [], images: [], flavors, key_pairs: [], rule_protocols: [] });

describe('Sizes', () => {
  it('compares every account’s sizes, names an account that failed, filters, and creates on the chosen one', async () => {
    const oncreate = vi.fn();
    const backend = fakeBackend({
      listAccounts: vi.fn(async () => [account('e', 'enclaive team'), account('h', 'Hyperstack lab'), account('l', 'Toronto'), account('x', 'Broken')]),
      // enclaive's API lists no sizes: those of its VMs are shown, each once.
      cachedMachines: vi.fn(async () => [{
        account_id: 'e', error: null, fetched_at_ms: 1,
        vms: [{ flavor: flavor('big', 16, 0.5, 'EUR') }, { flavor: flavor('small', 2, 0.04, 'EUR') }, { flavor: flavor('small', 2, 0.04, 'EUR') }] as never,
      }]),
      catalog: vi.fn(async (id: string) => {
        if (id === 'x') throw { code: 'auth_failed', message: 'The API key was refused.', details: null };
        if (id === 'e') return catalog([]);
        if (id === 'h') return catalog([flavor('n3-A100x1', 28, 1.35, null, 'A100-80G-PCIe')]);
        return catalog([flavor('m.4', 4, null, null)]);
      }),
    });
    render(Sizes, { backend, oncreate });
    const table = await screen.findByTestId('sizes-table');
    const names = () => within(table).getAllByTestId('size-row').map((r) => r.getAttribute('data-flavor'));
    // Within a currency cheapest first; no currency given sorts before EUR; no price last.
    expect(names()).toEqual(['n3-A100x1', 'small', 'big', 'm.4']);
    expect(screen.getByRole('alert')).toHaveTextContent('Broken: The API key was refused.');
    expect(within(table).getAllByTestId('size-row')[1]).toHaveTextContent('(from your VMs)');
    const prices = within(table).getAllByTestId('size-price').map((c) => c.textContent);
    expect(prices).toEqual(['1.350', '0.040 EUR', '0.500 EUR', '0.0208 (unit not documented)']);

    await userEvent.type(screen.getByTestId('sizes-filter'), '≥ 8 vCPU, A100');
    expect(names()).toEqual(['n3-A100x1']);
    expect(screen.getByTestId('sizes-count')).toHaveTextContent('1 of 4 sizes');
    await userEvent.click(within(table).getByTestId('size-create'));
    expect(oncreate).toHaveBeenCalledWith('h', expect.objectContaining({ id: 'n3-A100x1' }));
  });
});
