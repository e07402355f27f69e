import type { PowerAction } from './bindings';
import type { Intent } from './palette';
import type { Row } from './machines';

/** What the Machines page does for each kind of palette entry. */
export interface IntentHandlers {
  ssh(row: Row): void;
  console(row: Row): void;
  show(row: Row): void;
  run(rows: Row[], action: PowerAction): void;
  newVm(accountId: string | null, flavor?: { id: string; region: string | null }): void;
  quickSsh(target: { user: string; host: string; port: number }): void;
  missing(what: string): void;
}

/**
 * Carries out a palette entry on the Machines page. 'wait' while the page has no rows yet (it was just
 * opened and its listing has not arrived): the page tries again when they come. A VM that is gone by then
 * is reported, never silently skipped.
 */
export function carryOut(intent: Intent, rows: Row[], on: IntentHandlers): 'done' | 'wait' {
  if (intent.kind === 'page') return 'done';
  if (intent.kind === 'new-vm') {
    on.newVm(intent.accountId, intent.flavor);
    return 'done';
  }
  if (intent.kind === 'quick-ssh') {
    on.quickSsh(intent);
    return 'done';
  }
  if (!rows.length) return 'wait';
  if (intent.kind === 'all') {
    const chosen = rows.filter((r) => r.accountId === intent.accountId && intent.vmIds.includes(r.vm.id));
    if (chosen.length) on.run(chosen, intent.action);
    else on.missing('Those VMs are no longer listed.');
    return 'done';
  }
  const row = rows.find((r) => r.accountId === intent.accountId && r.vm.id === intent.vmId);
  if (!row) {
    on.missing('That VM is no longer listed.');
    return 'done';
  }
  if (intent.action === 'ssh') on.ssh(row);
  else if (intent.action === 'console') on.console(row);
  else if (intent.action === 'show') on.show(row);
  else on.run([row], intent.action);
  return 'done';
}

