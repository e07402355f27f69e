import { describe, expect, it } from 'vitest';
import { costsOf, money } from './costs';
import type { AccountView, Vm } from './bindings';
import type { Row } from './machines';

const now = Date.parse('2026-12-03T12:00:00Z');
const account = (id: string, label: string) => ({ id, label }) as unknown as AccountView;
const lab = account('h', 'Hyperstack lab');
const toronto = account('l', 'Lunanode Toronto');

function row(name: string, state: Vm['state'], acct: AccountView, price: { per_hour: number | null; currency: string | null; as_given?: string } | null, created: string | null): Row {
  const flavor = price && { id: 'f', name: 'f', region: null, vcpu: 1, ram_gb: 1, disk_gb: 1, gpu: null, gpu_count: 0, available: true, price: { per_month: null, as_given: null, ...price } };
  const vm = { id: name, name, provider: 'hyperstack', state, raw_state: state, region: null, image: null, created, labels: [], security_rules: [], ssh_port: 22, extra: null, addresses: [], flavor } as unknown as Vm;
  return { vm, accountId: acct.id, account: acct };
}

describe('cost meter', () => {
  it('adds up running VMs per currency and account, never across currencies', () => {
    const summary = costsOf(
      [
        row('a', 'running', lab, { per_hour: 1.5, currency: 'USD' }, '2026-12-02T12:00:00Z'),
        row('b', 'running', lab, { per_hour: 0.5, currency: 'USD' }, '2026-12-03T00:00:00Z'),
        row('c', 'running', toronto, { per_hour: 0.25, currency: 'CAD' }, '2026-12-01T00:00:00Z'),
        row('stopped', 'stopped', lab, { per_hour: 9, currency: 'USD' }, '2026-12-01T00:00:00Z'),
      ],
      now,
    );
    expect(summary.totals.map((t) => [t.currency, t.perHour])).toEqual([['CAD', 0.25], ['USD', 2]]);
    // a: 24 h × 1.5, b: 12 h × 0.5.
    expect(summary.totals.find((t) => t.currency === 'USD')!.monthSoFar).toBeCloseTo(42);
    expect(summary.byAccount.map((t) => [t.label, t.currency, t.perHour])).toEqual([['Hyperstack lab', 'USD', 2], ['Lunanode Toronto', 'CAD', 0.25]]);
  });

  it('counts a VM created last month from the 1st, and one with no creation time from the 1st too, saying so', () => {
    const summary = costsOf([row('old', 'running', lab, { per_hour: 1, currency: 'EUR' }, '2026-10-01T00:00:00Z'), row('unknown', 'running', lab, { per_hour: 1, currency: 'EUR' }, null)], now);
    const [eur] = summary.totals;
    // Two VMs × 60 hours since 1 December 00:00 UTC.
    expect(eur.monthSoFar).toBeCloseTo(120);
    expect(eur.guessed).toBe(true);
  });

  it('flags VMs running longer than the threshold, longest first, and lists those without a price', () => {
    const rows = [
      row('week', 'running', lab, { per_hour: 1, currency: 'USD' }, '2026-11-25T12:00:00Z'),
      row('month', 'running', lab, { per_hour: 1, currency: 'USD' }, '2026-11-01T00:00:00Z'),
      row('fresh', 'running', lab, { per_hour: 1, currency: 'USD' }, '2026-12-02T00:00:00Z'),
      row('plan', 'running', toronto, { per_hour: null, currency: null, as_given: '0.0208' }, '2026-11-01T00:00:00Z'),
      row('nosize', 'running', toronto, null, null),
    ];
    expect(costsOf(rows, now).forgotten.map((c) => c.row.vm.name)).toEqual(['month', 'week']);
    expect(costsOf(rows, now, 10).forgotten.map((c) => c.row.vm.name)).toEqual(['month']);
    expect(costsOf(rows, now).unpriced.map((r) => r.vm.name)).toEqual(['plan', 'nosize']);
  });

  it('shows money as given', () => {
    expect(money(1.23456, 'USD')).toBe('1.235 USD');
    expect(money(2, '', 2)).toBe('2.00');
  });
});
