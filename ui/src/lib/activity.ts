// The Activity page's filters and exports of the audit log (engine: audit.rs). Entries hold ids, an action
// name and an error code: nothing secret, so an export can go anywhere the user puts it.
import type { AuditEntry } from './bindings';

export interface ActivityFilter {
  /** Words matched against the action, account, VM and target. */
  text: string;
  accountId: string;
  result: '' | 'ok' | 'failed';
}

/** How an entry reads: the account's label and the VM's name where known, else their ids. */
export interface Names {
  account(id: string): string | undefined;
  vm(accountId: string, vmId: string): string | undefined;
}

export function describe(entry: AuditEntry, names: Names) {
  return {
    account: entry.account_id ? (names.account(entry.account_id) ?? entry.account_id) : '',
    // Its name now, else the one it had then (a deleted VM keeps it), else its id.
    vm: entry.vm_id ? (names.vm(entry.account_id ?? '', entry.vm_id) ?? entry.vm_name ?? entry.vm_id) : '',
  };
}

export function filterActivity(entries: AuditEntry[], filter: ActivityFilter, names: Names): AuditEntry[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter((entry) => {
    if (filter.accountId && entry.account_id !== filter.accountId) return false;
    if (filter.result === 'ok' && !entry.ok) return false;
    if (filter.result === 'failed' && entry.ok) return false;
    const { account, vm } = describe(entry, names);
    const haystack = [entry.action, account, vm, entry.target ?? '', entry.error_code ?? ''].join(' ').toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

/** RFC 4180 CSV with a header row; times in ISO 8601 UTC. */
export function toCsv(entries: AuditEntry[], names: Names): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const rows = entries.map((entry) => {
    const { account, vm } = describe(entry, names);
    return [new Date(entry.at_ms).toISOString(), entry.action, account, entry.account_id ?? '', vm, entry.vm_id ?? '', entry.target ?? '', entry.ok ? 'ok' : 'failed', entry.error_code ?? '']
      .map(quote)
      .join(',');
  });
  return ['time,action,account,account_id,vm,vm_id,target,result,error_code', ...rows].join('\r\n') + '\r\n';
}

/** The entries as JSON, with ISO times and the names beside the ids. */
export function toJson(entries: AuditEntry[], names: Names): string {
  return JSON.stringify(
    entries.map((entry) => ({ time: new Date(entry.at_ms).toISOString(), ...entry, ...withNames(entry, names) })),
    null,
    2,
  );
}

function withNames(entry: AuditEntry, names: Names) {
  const { account, vm } = describe(entry, names);
  return { account_label: account || null, vm_name: vm || null };
}
