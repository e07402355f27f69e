import fuzzysort from 'fuzzysort';
import type { AccountView, PowerAction, ProviderKind } from './bindings';
import { rowKey, type Row } from './machines';
import { pages, type Page } from './navigation';

/** What a palette entry does; App and the Machines page carry it out. */
export type Intent =
  | { kind: 'page'; page: Page }
  | { kind: 'vm'; action: 'ssh' | 'console' | 'show' | PowerAction; accountId: string; vmId: string }
  | { kind: 'new-vm'; accountId: string | null; flavor?: { id: string; region: string | null } }
  | { kind: 'all'; action: 'start' | 'stop'; accountId: string; vmIds: string[] }
  | { kind: 'quick-ssh'; user: string; host: string; port: number };

export type Entry = {
  /** Stable, for keyed lists and tests. */
  id: string;
  title: string;
  /** Where it applies (account, address); searched too. */
  hint: string;
  intent: Intent;
  /** Asks "Are you sure?" in the palette before it runs (actions on many VMs). */
  confirm?: string;
  /** The provider mark shown beside it (entries about one account or VM). */
  mark?: { kind: ProviderKind; color: string | null };
};

/**
 * `user@host[:port]` (an IPv6 host in brackets), as typed into the palette for a quick SSH connection; null
 * for anything else. The host must look like a name or an address: a search for a VM is never taken for one.
 */
export function parseQuickConnect(text: string): { user: string; host: string; port: number } | null {
  const match = /^([A-Za-z0-9._-]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) return null;
  const [, user, rawHost, rawPort] = match;
  const port = rawPort ? Number(rawPort) : 22;
  if (port < 1 || port > 65535) return null;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return null;
  return { user, host, port };
}

/** Every entry the palette offers for these accounts and VMs. */
export function entriesFor(accounts: AccountView[], rows: Row[]): Entry[] {
  const entries: Entry[] = pages.map((p) => ({ id: `page:${p.id}`, title: `Go to ${p.label}`, hint: 'Page', intent: { kind: 'page', page: p.id } }));
  entries.push({ id: 'new-vm', title: 'New VM', hint: 'Create', intent: { kind: 'new-vm', accountId: null } });
  for (const account of accounts) {
    const id = account.id;
    const label = account.label;
    const own = rows.filter((r) => r.accountId === id);
    // An account read back without its settings (never from the engine) simply has no mark.
    const mark = account.settings?.kind ? { kind: account.settings.kind, color: account.color ?? null } : undefined;
    entries.push({ id: `new-vm:${id}`, title: `New VM in ${label}`, hint: 'Create', intent: { kind: 'new-vm', accountId: id }, mark });
    const running = own.filter((r) => r.vm.state === 'running').map((r) => r.vm.id);
    const stopped = own.filter((r) => r.vm.state === 'stopped').map((r) => r.vm.id);
    if (running.length) {
      entries.push({
        id: `stop-all:${id}`,
        title: `Stop all in ${label}`,
        hint: `${running.length} running`,
        intent: { kind: 'all', action: 'stop', accountId: id, vmIds: running },
        mark,
        confirm: `Stop ${running.length} running VM${running.length === 1 ? '' : 's'} in ${label}?`,
      });
    }
    if (stopped.length) {
      entries.push({
        id: `start-all:${id}`,
        title: `Start all in ${label}`,
        hint: `${stopped.length} stopped`,
        intent: { kind: 'all', action: 'start', accountId: id, vmIds: stopped },
        mark,
        confirm: `Start ${stopped.length} stopped VM${stopped.length === 1 ? '' : 's'} in ${label}?`,
      });
    }
  }
  for (const row of rows) {
    const where = [row.account?.label ?? row.accountId, row.vm.addresses.find((a) => a.public)?.ip ?? row.vm.addresses[0]?.ip].filter(Boolean).join(' · ');
    const vm = (action: Extract<Intent, { kind: 'vm' }>['action'], title: string): Entry => ({
      id: `${action}:${rowKey(row)}`,
      title,
      hint: where,
      intent: { kind: 'vm', action, accountId: row.accountId, vmId: row.vm.id },
      mark: { kind: row.vm.provider, color: row.account?.color ?? null },
    });
    const name = row.vm.name;
    entries.push(vm('ssh', `ssh ${name}`), vm('console', `Console ${name}`), vm('show', `Show ${name}`));
    if (row.vm.state === 'stopped') entries.push(vm('start', `Start ${name}`));
    if (row.vm.state === 'running') entries.push(vm('stop', `Stop ${name}`), vm('reboot', `Reboot ${name}`));
  }
  return entries;
}

/**
 * The entries matching `query`, best first (fuzzy: "ssh web1" finds "ssh web-1"; words match in any order),
 * at most `limit`. An empty query lists the pages and the create entries. A `user@host` query comes first as
 * a quick connection.
 */
export function search(entries: Entry[], query: string, limit = 50): Entry[] {
  const text = query.trim();
  const quick = parseQuickConnect(text);
  const found: Entry[] = quick
    ? [{ id: 'quick-ssh', title: `Connect to ${quick.user}@${quick.host}${quick.port === 22 ? '' : `:${quick.port}`}`, hint: 'Quick SSH', intent: { kind: 'quick-ssh', ...quick } }]
    : [];
  if (!text) return entries.filter((e) => e.intent.kind === 'page' || e.intent.kind === 'new-vm').slice(0, limit);
  const results = fuzzysort.go(text, entries, { keys: ['title', 'hint'], limit, threshold: 0.3 });
  return [...found, ...results.map((r) => r.obj)].slice(0, limit);
}
