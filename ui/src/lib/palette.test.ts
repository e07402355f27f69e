import { describe, expect, it, vi } from 'vitest';
import { carryOut } from './intents';
import { entriesFor, parseQuickConnect, search } from './palette';
import { shortcutOf } from './keyboard';
import type { AccountView, Vm } from './bindings';
import type { Row } from './machines';

const account = (id: string, label: string) => ({ id, label, color: '#123456', has_secret: true, journal: 'saved' }) as unknown as AccountView;
const accounts = [account('l', 'Lunanode Toronto'), account('h', 'Hyperstack lab')];

function row(name: string, state: Vm['state'], accountId: string, ip?: string): Row {
  const vm = {
    id: `${accountId}-${name}`, name, provider: 'lunanode', state, raw_state: state, region: null, image: null, created: null, labels: [],
    security_rules: [], ssh_port: 22, extra: null, flavor: null, addresses: ip ? [{ ip, public: true, version: 4 }] : [],
  } as unknown as Vm;
  return { vm, accountId, account: accounts.find((a) => a.id === accountId) };
}

const rows = [row('web-1', 'running', 'l', '203.0.113.10'), row('web-2', 'running', 'l'), row('db-1', 'stopped', 'l'), row('gpu-1', 'running', 'h')];
const entries = entriesFor(accounts, rows);
const titles = (query: string) => search(entries, query).map((e) => e.title);

describe('command palette', () => {
  it('reads user@host[:port] as a quick connection, and nothing else', () => {
    expect(parseQuickConnect('alice@203.0.113.5')).toEqual({ user: 'alice', host: '203.0.113.5', port: 22 });
    expect(parseQuickConnect(' root@build.example.com:2222 ')).toEqual({ user: 'root', host: 'build.example.com', port: 2222 });
    expect(parseQuickConnect('me@[2001:db8::1]:22')).toEqual({ user: 'me', host: '2001:db8::1', port: 22 });
    expect(parseQuickConnect('me@localhost')).toEqual({ user: 'me', host: 'localhost', port: 22 });
    // A VM name, a bare word after @, a port out of range: not hosts.
    for (const text of ['web-1', 'ssh web-1', 'me@web', 'me@host.example:70000', '@host.example', 'a b@host.example']) {
      expect(parseQuickConnect(text)).toBeNull();
    }
  });

  it('finds VM actions fuzzily, with the VM’s own actions first', () => {
    expect(titles('ssh web-1')[0]).toBe('ssh web-1');
    expect(titles('ssh web1')[0]).toBe('ssh web-1');
    // The address of a VM finds it too.
    expect(titles('203.0.113.10')).toContain('ssh web-1');
    // Only the actions its state allows: a stopped VM starts, a running one stops and reboots.
    expect(titles('db-1')).toContain('Start db-1');
    expect(titles('db-1')).not.toContain('Stop db-1');
    expect(titles('web-2')).toEqual(expect.arrayContaining(['Stop web-2', 'Reboot web-2']));
  });

  it('offers account-wide actions, asking first for those on many VMs', () => {
    const stopAll = search(entries, 'stop all in lunanode toronto')[0];
    expect(stopAll.title).toBe('Stop all in Lunanode Toronto');
    expect(stopAll.confirm).toBe('Stop 2 running VMs in Lunanode Toronto?');
    expect(stopAll.intent).toEqual({ kind: 'all', action: 'stop', accountId: 'l', vmIds: ['l-web-1', 'l-web-2'] });
    expect(search(entries, 'new vm in hyperstack lab')[0].intent).toEqual({ kind: 'new-vm', accountId: 'h' });
    expect(search(entries, 'go to settings')[0].intent).toEqual({ kind: 'page', page: 'settings' });
  });

  it('puts a quick connection first, and lists pages and creation on an empty query', () => {
    expect(search(entries, 'ops@198.51.100.7:2200')[0]).toMatchObject({ title: 'Connect to ops@198.51.100.7:2200', intent: { kind: 'quick-ssh', user: 'ops', host: '198.51.100.7', port: 2200 } });
    expect(titles('')).toEqual(['Go to Machines', 'Go to Costs', 'Go to Sizes', 'Go to Accounts', 'Go to Consoles', 'Go to Activity', 'Go to Settings', 'New VM', 'New VM in Lunanode Toronto', 'New VM in Hyperstack lab']);
    expect(titles('zzzzqqq')).toEqual([]);
  });

  it('searches 2,000 VMs quickly', () => {
    const many = Array.from({ length: 2000 }, (_, i) => row(`vm-${i}`, i % 2 ? 'running' : 'stopped', i % 3 ? 'l' : 'h'));
    const big = entriesFor(accounts, many);
    const started = performance.now();
    for (const q of ['ssh vm-1999', 'stop vm-5', 'console 42']) expect(search(big, q).length).toBeGreaterThan(0);
    // Three searches over ~10,000 entries; the budget is generous for a loaded CI machine.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(search(big, 'ssh vm-1999')[0].title).toBe('ssh vm-1999');
  });
});

describe('keyboard shortcuts', () => {
  const key = (init: KeyboardEventInit, target?: HTMLElement) => {
    const event = new KeyboardEvent('keydown', init);
    if (target) Object.defineProperty(event, 'target', { value: target });
    return shortcutOf(event);
  };

  it('opens the palette with Ctrl+K or ⌘K, but leaves Ctrl+K to the shell in a terminal', () => {
    expect(key({ key: 'k', ctrlKey: true })).toEqual({ kind: 'palette' });
    expect(key({ key: 'k', metaKey: true })).toEqual({ kind: 'palette' });
    const terminal = document.createElement('div');
    terminal.className = 'xterm';
    const textarea = document.createElement('textarea');
    terminal.append(textarea);
    expect(key({ key: 'k', ctrlKey: true }, textarea)).toBeNull();
    expect(key({ key: 'K', ctrlKey: true, shiftKey: true }, textarea)).toEqual({ kind: 'palette' });
  });

  it('goes to pages with Ctrl+1…7 and filters with / outside fields', () => {
    expect(key({ key: '2', ctrlKey: true })).toEqual({ kind: 'page', page: 'costs' });
    expect(key({ key: '7', metaKey: true })).toEqual({ kind: 'page', page: 'settings' });
    expect(key({ key: '/' })).toEqual({ kind: 'filter' });
    expect(key({ key: '/' }, document.createElement('input'))).toBeNull();
    expect(key({ key: 'x' })).toBeNull();
  });
});

describe('carrying out palette entries on the Machines page', () => {
  const handlers = () => ({ ssh: vi.fn(), console: vi.fn(), show: vi.fn(), run: vi.fn(), newVm: vi.fn(), quickSsh: vi.fn(), missing: vi.fn() });

  it('waits for the first listing, then acts on the VM, and says when it is gone', () => {
    const on = handlers();
    const ssh = { kind: 'vm', action: 'ssh', accountId: 'l', vmId: 'l-web-1' } as const;
    expect(carryOut(ssh, [], on)).toBe('wait');
    expect(on.ssh).not.toHaveBeenCalled();
    expect(carryOut(ssh, rows, on)).toBe('done');
    expect(on.ssh).toHaveBeenCalledWith(rows[0]);
    expect(carryOut({ ...ssh, vmId: 'gone' }, rows, on)).toBe('done');
    expect(on.missing).toHaveBeenCalledWith('That VM is no longer listed.');
  });

  it('runs an account-wide action on the VMs it named, and creates without waiting for a listing', () => {
    const on = handlers();
    carryOut({ kind: 'all', action: 'stop', accountId: 'l', vmIds: ['l-web-1', 'l-web-2'] }, rows, on);
    expect(on.run).toHaveBeenCalledWith([rows[0], rows[1]], 'stop');
    expect(carryOut({ kind: 'new-vm', accountId: 'h' }, [], on)).toBe('done');
    expect(on.newVm).toHaveBeenCalledWith('h', undefined);
    carryOut({ kind: 'new-vm', accountId: 'h', flavor: { id: 'n3-A100x1', region: 'CANADA-1' } }, [], on);
    expect(on.newVm).toHaveBeenLastCalledWith('h', { id: 'n3-A100x1', region: 'CANADA-1' });
  });
});
