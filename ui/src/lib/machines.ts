// Helpers of the Machines view: which actions a state allows, and how a VM is summarised.
import type { AccountListing, AccountView, Capabilities, Flavor, PowerAction, SecurityRule, Vm, VmState } from './bindings';

export interface Row {
  vm: Vm;
  account: AccountView | undefined;
  accountId: string;
  /** The account's last listing failed: this is the VM as the last good one showed it. */
  stale?: boolean;
}

/** What a row shows over its actions: its menu, or the delete confirmation. */
export type RowPopup = 'menu' | 'confirm' | null;

/** An account's listing as the view keeps it: a failed listing keeps the VMs of the last good one. */
export interface KeptListing extends AccountListing {
  /** When the account was last listed without an error (ms since the epoch), if ever. */
  lastOkMs: number | null;
  /** From the copy kept on disk at the last run: shown until the live listing arrives. */
  cached?: boolean;
}

/** The listings kept at the last run, shown as stale until the live ones arrive. */
export function fromCache(cached: AccountListing[]): KeptListing[] {
  return cached.map((listing) => ({ ...listing, lastOkMs: listing.fetched_at_ms, cached: true }));
}

/** "just now", "5 min ago", "3 h ago", "2 days ago": how old a listing is. */
export function listedAgo(ms: number, now = Date.now()): string {
  const minutes = Math.floor((now - ms) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/**
 * The listing to show after `next` arrives: a failed account keeps the VMs of its last good listing, and an
 * account the Rust side marks `unchanged` (sent without its VMs) keeps the ones shown. One the page has no VMs
 * for yet is left out until it comes whole (the next listing after the page starts watching).
 */
export function keepListings(previous: KeptListing[], next: AccountListing[]): KeptListing[] {
  return next.flatMap((listing) => {
    const before = previous.find((p) => p.account_id === listing.account_id);
    if (listing.unchanged) {
      return before ? [{ ...listing, vms: before.vms, lastOkMs: listing.fetched_at_ms }] : [];
    }
    if (!listing.error) return [{ ...listing, lastOkMs: listing.fetched_at_ms }];
    return [{ ...listing, vms: before?.vms ?? [], lastOkMs: before?.lastOkMs ?? null }];
  });
}

export function rowsOf(listings: AccountListing[], accounts: AccountView[]): Row[] {
  return listings.flatMap((l) =>
    l.vms.map((vm) => ({
      vm,
      accountId: l.account_id,
      account: accounts.find((a) => a.id === l.account_id),
      stale: l.error != null || (l as KeptListing).cached === true,
    })),
  );
}

// A state VMDeck cannot map (enclaive documents only "created" and "running") offers both start and stop:
// the provider decides, and its refusal is shown.
// A hibernated VM wakes with restore, never start (Hyperstack: docs/providers/hyperstack.md).
const allowed: Record<PowerAction | 'delete', VmState[]> = {
  start: ['stopped', 'unknown'],
  stop: ['running', 'unknown'],
  reboot: ['running'],
  hibernate: ['running'],
  restore: ['hibernated'],
  delete: ['running', 'stopped', 'hibernated', 'error', 'unknown', 'creating'],
};

/** Whether a VM in `state` offers `action`; hibernation only where the backend has it. */
export function canDo(action: PowerAction | 'delete', state: VmState, caps?: Pick<Capabilities, 'hibernate'> | null): boolean {
  if ((action === 'hibernate' || action === 'restore') && caps?.hibernate === false) return false;
  return allowed[action].includes(state);
}

export function isTransitional(state: VmState): boolean {
  return ['creating', 'stopping', 'starting', 'rebooting', 'hibernating', 'restoring', 'deleting'].includes(state);
}

export function flavorSummary(flavor: Flavor | null): string {
  if (!flavor) return '';
  const parts: string[] = [];
  if (flavor.vcpu != null) parts.push(`${flavor.vcpu} vCPU`);
  if (flavor.ram_gb != null) parts.push(`${+flavor.ram_gb.toFixed(1)} GB`);
  if (flavor.gpu_count > 0) parts.push(`${flavor.gpu_count}× ${flavor.gpu ?? 'GPU'}`);
  return parts.join(' · ') || flavor.name;
}

/** "1.350 EUR/h", or "1.350/h" where the provider names no currency. */
export function perHour(amount: number, currency: string | null): string {
  return `${amount.toFixed(3)}${currency ? ` ${currency}` : ''}/h`;
}

export function pricePerHour(flavor: Flavor | null): string {
  const price = flavor?.price;
  if (!price) return '';
  if (price.per_hour != null) return perHour(price.per_hour, price.currency);
  return price.as_given ? `${price.as_given} (unit not stated)` : '';
}

/** The price as the table shows it (short), with what it means for the tooltip. */
export function priceCell(flavor: Flavor | null): { text: string; title: string } {
  const price = flavor?.price;
  if (price?.per_hour != null) return { text: perHour(price.per_hour, price.currency), title: 'per hour, as the provider prices this size' };
  if (price?.as_given) return { text: `${price.as_given}?`, title: `${price.as_given}: the provider's figure; its unit is not documented` };
  return { text: '', title: 'the provider states no price for this size' };
}

/** What the filter box searches in a row, lower-cased once per row (rows are rebuilt with each listing). */
const haystacks = new WeakMap<Row, string>();
function haystackOf(row: Row): string {
  let hay = haystacks.get(row);
  if (hay === undefined) {
    const fields = [row.vm.name, row.vm.state, row.vm.region ?? '', row.account?.label ?? '', row.vm.provider, ...row.vm.labels, ...row.vm.addresses.map((a) => a.ip)];
    // A newline cannot be typed in the filter box, so no match spans two fields.
    hay = fields.join('\n').toLowerCase();
    haystacks.set(row, hay);
  }
  return hay;
}

export interface Filters {
  query: string;
  account: string;
  state: string;
  provider: string;
}

export function filterRows(rows: Row[], f: Filters): Row[] {
  // Read once: `f` may be a reactive proxy, and 2,000 rows would read it 8,000 times (issue 17).
  const { account, state, provider } = f;
  const query = f.query.trim().toLowerCase();
  return rows.filter(
    (r) =>
      (!account || r.accountId === account) &&
      (!state || r.vm.state === state) &&
      (!provider || r.vm.provider === provider) &&
      (!query || haystackOf(r).includes(query)),
  );
}

export type SortKey = 'name' | 'account' | 'state' | 'region' | 'price' | 'age';

const sortValue: Record<SortKey, (r: Row) => string | number> = {
  name: (r) => r.vm.name.toLowerCase(),
  account: (r) => (r.account?.label ?? r.accountId).toLowerCase(),
  state: (r) => r.vm.state,
  region: (r) => r.vm.region ?? '',
  price: (r) => r.vm.flavor?.price?.per_hour ?? Number.POSITIVE_INFINITY,
  age: (r) => (r.vm.created ? -Date.parse(r.vm.created) || 0 : 0),
};

/** A stable sort (ties keep listing order) by one column, ascending or descending. */
export function sortRows(rows: Row[], key: SortKey, ascending: boolean): Row[] {
  const value = sortValue[key];
  return rows
    .map((row, index) => ({ row, index, v: value(row) }))
    .sort((a, b) => {
      const order = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
      return order === 0 ? a.index - b.index : ascending ? order : -order;
    })
    .map((x) => x.row);
}

export function rowKey(row: Row): string {
  return `${row.accountId}/${row.vm.id}`;
}

/** "3 h", "2 d": how long ago the provider says the VM was created. */
export function age(created: string | null, now = Date.now()): string {
  const at = created ? Date.parse(created) : NaN;
  if (Number.isNaN(at)) return '';
  const minutes = Math.max(0, Math.round((now - at) / 60000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

/** "in tcp 22 from 203.0.113.7/32 (IPv4)", as a firewall rule reads. */
export function ruleText(rule: SecurityRule): string {
  const ports = rule.port_min == null ? 'all ports' : rule.port_max != null && rule.port_max !== rule.port_min ? `${rule.port_min}–${rule.port_max}` : `${rule.port_min}`;
  const way = rule.direction === 'ingress' ? `in ${rule.protocol} ${ports} from` : `out ${rule.protocol} ${ports} to`;
  return `${way} ${rule.cidr} (${rule.ethertype === 'v6' ? 'IPv6' : 'IPv4'})`;
}

/** The OpenSSH command line for a target, as a user would paste it into a terminal. */
export function sshCommand(user: string, host: string, port: number): string {
  const where = host.includes(':') ? `[${host}]` : host;
  return port === 22 ? `ssh ${user}@${where}` : `ssh -p ${port} ${user}@${where}`;
}
