// Helpers of the Machines view: which actions a state allows, and how a VM is summarised.
import type { AccountListing, AccountView, Flavor, PowerAction, Vm, VmState } from './bindings';

export interface Row {
  vm: Vm;
  account: AccountView | undefined;
  accountId: string;
}

export function rowsOf(listings: AccountListing[], accounts: AccountView[]): Row[] {
  return listings.flatMap((l) =>
    l.vms.map((vm) => ({ vm, accountId: l.account_id, account: accounts.find((a) => a.id === l.account_id) })),
  );
}

const allowed: Record<PowerAction | 'delete', VmState[]> = {
  start: ['stopped'],
  stop: ['running'],
  reboot: ['running'],
  delete: ['running', 'stopped', 'error', 'unknown', 'creating'],
};

export function canDo(action: PowerAction | 'delete', state: VmState): boolean {
  return allowed[action].includes(state);
}

export function isTransitional(state: VmState): boolean {
  return ['creating', 'stopping', 'starting', 'rebooting', 'deleting'].includes(state);
}

export function flavorSummary(flavor: Flavor | null): string {
  if (!flavor) return '';
  const parts: string[] = [];
  if (flavor.vcpu != null) parts.push(`${flavor.vcpu} vCPU`);
  if (flavor.ram_gb != null) parts.push(`${+flavor.ram_gb.toFixed(1)} GB`);
  if (flavor.gpu_count > 0) parts.push(`${flavor.gpu_count}× ${flavor.gpu ?? 'GPU'}`);
  return parts.join(' · ') || flavor.name;
}

export function pricePerHour(flavor: Flavor | null): string {
  const price = flavor?.price;
  if (!price) return '';
  if (price.per_hour != null) return `${price.per_hour.toFixed(3)} ${price.currency ?? ''}/h`.trim();
  return price.as_given ? `${price.as_given} (unit not stated)` : '';
}

export function matches(row: Row, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const hay = [row.vm.name, row.vm.state, row.vm.region ?? '', row.account?.label ?? '', row.vm.provider, ...row.vm.addresses.map((a) => a.ip)];
  return hay.some((h) => h.toLowerCase().includes(q));
}
