import { describe, expect, it } from 'vitest';
import { age, canDo, filterRows, keepListings, perHour, ruleText, sortRows, sshCommand, type Row } from './machines';
import type { Vm } from './bindings';

function row(name: string, state: Vm['state'], accountId: string, perHour: number | null, created: string | null): Row {
  const vm = {
    id: name, name, provider: accountId === 'h' ? 'hyperstack' : 'lunanode', state, raw_state: state, region: null, image: null, created, labels: [], security_rules: [], ssh_port: 22, extra: {}, addresses: [],
    flavor: perHour == null ? null : { id: 'f', name: 'f', region: null, vcpu: 1, ram_gb: 1, disk_gb: 1, gpu: null, gpu_count: 0, available: true, price: { per_hour: perHour, per_month: null, currency: 'USD', as_given: null } },
  } as Vm;
  return { vm, accountId, account: undefined };
}

const rows = [row('b', 'running', 'h', 2, '2026-11-20T00:00:00Z'), row('a', 'stopped', 'l', null, null), row('c', 'running', 'l', 1, '2026-11-22T00:00:00Z')];

describe('machine list helpers', () => {
  it('filters by account, state, provider and text together', () => {
    expect(filterRows(rows, { query: '', account: 'l', state: 'running', provider: '' }).map((r) => r.vm.name)).toEqual(['c']);
    expect(filterRows(rows, { query: '', account: '', state: '', provider: 'hyperstack' }).map((r) => r.vm.name)).toEqual(['b']);
    expect(filterRows(rows, { query: 'STOP', account: '', state: '', provider: '' }).map((r) => r.vm.name)).toEqual(['a']);
    // A listing brings new rows (never changed in place), so what was searched before is not reused for them.
    const relisted = rows.map((r): Row => (r.vm.name === 'c' ? { ...r, vm: { ...r.vm, labels: ['team:web'], addresses: [{ ip: '203.0.113.9', version: 'v4', public: true }] } } : r));
    expect(filterRows(relisted, { query: 'team:web', account: '', state: '', provider: '' }).map((r) => r.vm.name)).toEqual(['c']);
    expect(filterRows(relisted, { query: ' 203.0.113 ', account: '', state: '', provider: '' }).map((r) => r.vm.name)).toEqual(['c']);
    // Fields are searched one by one: "running" followed by the next field is no match.
    expect(filterRows(relisted, { query: 'runninglunanode', account: '', state: '', provider: '' })).toEqual([]);
  });

  it('sorts by a column both ways, unknown prices last when ascending, newest first by age', () => {
    expect(sortRows(rows, 'name', true).map((r) => r.vm.name)).toEqual(['a', 'b', 'c']);
    expect(sortRows(rows, 'name', false).map((r) => r.vm.name)).toEqual(['c', 'b', 'a']);
    expect(sortRows(rows, 'price', true).map((r) => r.vm.name)).toEqual(['c', 'b', 'a']);
    expect(sortRows(rows, 'age', true).map((r) => r.vm.name)).toEqual(['c', 'b', 'a']);
    // Ties keep the listing order.
    expect(sortRows(rows, 'state', true).map((r) => r.vm.name)).toEqual(['b', 'c', 'a']);
  });

  it('words ages and ssh commands as a user reads them', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(age('2026-11-22T11:15:00Z', now)).toBe('45 min');
    expect(age('2026-11-21T12:00:00Z', now)).toBe('24 h');
    expect(age('2026-11-01T12:00:00Z', now)).toBe('21 d');
    expect(age(null, now)).toBe('');
    expect(ruleText({ direction: 'ingress', protocol: 'tcp', ethertype: 'v4', cidr: '203.0.113.7/32', port_min: 22, port_max: 22 })).toBe('in tcp 22 from 203.0.113.7/32 (IPv4)');
    expect(ruleText({ direction: 'egress', protocol: 'udp', ethertype: 'v6', cidr: '::/0', port_min: 1000, port_max: 2000 })).toBe('out udp 1000–2000 to ::/0 (IPv6)');
    expect(ruleText({ direction: 'ingress', protocol: 'icmp', ethertype: 'v4', cidr: '0.0.0.0/0', port_min: null, port_max: null })).toBe('in icmp all ports from 0.0.0.0/0 (IPv4)');
    expect(perHour(1.35, null)).toBe('1.350/h');
    expect(perHour(0.0417, 'EUR')).toBe('0.042 EUR/h');
    expect(sshCommand('ubuntu', '203.0.113.7', 22)).toBe('ssh ubuntu@203.0.113.7');
    expect(sshCommand('root', '2001:db8::1', 2222)).toBe('ssh -p 2222 root@[2001:db8::1]');
  });

  it('keeps the VMs of the last good listing when an account fails, and when that was', () => {
    const vm = rows[0].vm;
    const ok = keepListings([], [{ account_id: 'h', vms: [vm], error: null, fetched_at_ms: 1000 }]);
    expect(ok[0].lastOkMs).toBe(1000);
    const failed = keepListings(ok, [{ account_id: 'h', vms: [], error: { code: 'rate_limited', message: 'slow down', details: null }, fetched_at_ms: 2000 }]);
    expect(failed[0]).toMatchObject({ vms: [vm], lastOkMs: 1000, fetched_at_ms: 2000 });
    expect(failed[0].error?.code).toBe('rate_limited');
    const never = keepListings([], [{ account_id: 'x', vms: [], error: { code: 'auth_failed', message: 'no', details: null }, fetched_at_ms: 5 }]);
    expect(never[0]).toMatchObject({ vms: [], lastOkMs: null });
  });

  it('keeps the VMs shown for an account sent as unchanged, and waits for one it has none of', () => {
    const vm = rows[0].vm;
    const first = keepListings([], [{ account_id: 'h', vms: [vm], error: null, fetched_at_ms: 1000 }]);
    const same = keepListings(first, [{ account_id: 'h', vms: [], error: null, fetched_at_ms: 4000, unchanged: true }]);
    expect(same[0]).toMatchObject({ vms: [vm], lastOkMs: 4000, fetched_at_ms: 4000 });
    // An account the page has nothing of is left out rather than shown empty.
    expect(keepListings([], [{ account_id: 'h', vms: [], error: null, fetched_at_ms: 4000, unchanged: true }])).toEqual([]);
  });
});

describe('canDo', () => {
  it('wakes a hibernated VM with restore, never start, and hibernates only where the backend can', () => {
    expect(canDo('start', 'hibernated')).toBe(false);
    expect(canDo('restore', 'hibernated', { hibernate: true })).toBe(true);
    expect(canDo('hibernate', 'running', { hibernate: true })).toBe(true);
    expect(canDo('hibernate', 'running', { hibernate: false })).toBe(false);
    expect(canDo('hibernate', 'stopped', { hibernate: true })).toBe(false);
    expect(canDo('delete', 'hibernated')).toBe(true);
  });
});
