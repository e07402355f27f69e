// Compare sizes across clouds: the flavors of every account in one table, filtered ("≥ 8 vCPU, ≥ 32 GB, A100")
// and sorted by price. Prices stay as each provider gives them: never converted, and a flavor without one
// says so (it sorts last).
import type { Flavor } from './bindings';

export interface SizeRow {
  accountId: string;
  accountLabel: string;
  flavor: Flavor;
  perHour: number | null;
  /** The provider's monthly price, or 730 hours of the hourly one. */
  perMonth: number | null;
  currency: string;
  perVcpu: number | null;
  perGbRam: number | null;
  /** Known only from the account's own VMs: its API lists no sizes (enclaive, where a new VM is a clone). */
  fromVms: boolean;
}

const HOURS_PER_MONTH = 730;

export function sizeRow(accountId: string, accountLabel: string, flavor: Flavor, fromVms = false): SizeRow {
  const perHour = flavor.price?.per_hour ?? null;
  const per = (amount: number | null) => (perHour != null && amount ? perHour / amount : null);
  return {
    accountId,
    accountLabel,
    flavor,
    perHour,
    perMonth: flavor.price?.per_month ?? (perHour != null ? perHour * HOURS_PER_MONTH : null),
    currency: flavor.price?.currency ?? '',
    perVcpu: per(flavor.vcpu),
    perGbRam: per(flavor.ram_gb),
    fromVms,
  };
}

/** The distinct sizes of some VMs (by id and region), for an account whose API lists none. */
export function sizesOfVms(vms: { flavor: Flavor | null }[]): Flavor[] {
  const seen = new Map<string, Flavor>();
  for (const vm of vms) if (vm.flavor) seen.set(`${vm.flavor.id}/${vm.flavor.region ?? ''}`, vm.flavor);
  return [...seen.values()];
}

export interface SizeFilter {
  minVcpu: number | null;
  minRamGb: number | null;
  minGpus: number | null;
  /** Every word must be in the flavor's name, GPU model, region or account. */
  words: string[];
}

/**
 * Reads "≥ 8 vCPU, ≥ 32 GB, A100": a number before vcpu/cpu/core(s) is a minimum of vCPUs, before gb/g a
 * minimum of RAM, before gpu(s) a minimum of GPUs (`≥`, `>=` or nothing before it); the rest are words.
 */
export function parseSizeFilter(text: string): SizeFilter {
  const filter: SizeFilter = { minVcpu: null, minRamGb: null, minGpus: null, words: [] };
  const rest = text.replace(/(?:≥|>=|>)?\s*(\d+(?:\.\d+)?)\s*(vcpus?|cpus?|cores?|gb|g|gib|gpus?)\b/gi, (_, amount: string, unit: string) => {
    const n = Number(amount);
    const u = unit.toLowerCase();
    if (u.startsWith('gpu')) filter.minGpus = n;
    else if (u.startsWith('g')) filter.minRamGb = n;
    else filter.minVcpu = n;
    return ' ';
  });
  filter.words = rest
    .split(/[\s,;]+/)
    .map((w) => w.replace(/^(≥|>=|>)$/, '').toLowerCase())
    .filter(Boolean);
  return filter;
}

export function filterSizes(rows: SizeRow[], filter: SizeFilter): SizeRow[] {
  return rows.filter(({ flavor, accountLabel }) => {
    if (filter.minVcpu != null && (flavor.vcpu ?? 0) < filter.minVcpu) return false;
    if (filter.minRamGb != null && (flavor.ram_gb ?? 0) < filter.minRamGb) return false;
    if (filter.minGpus != null && flavor.gpu_count < filter.minGpus) return false;
    const haystack = [flavor.name, flavor.gpu, flavor.region, accountLabel].filter(Boolean).join(' ').toLowerCase();
    return filter.words.every((w) => haystack.includes(w));
  });
}

/** Cheapest first; sizes without a price last, by name. Prices in different currencies are compared as
 * numbers only within a currency: rows are grouped by currency first. */
export function sortSizes(rows: SizeRow[]): SizeRow[] {
  return [...rows].sort((a, b) => {
    if ((a.perHour == null) !== (b.perHour == null)) return a.perHour == null ? 1 : -1;
    if (a.perHour == null || b.perHour == null) return a.flavor.name.localeCompare(b.flavor.name);
    return a.currency.localeCompare(b.currency) || a.perHour - b.perHour || a.flavor.name.localeCompare(b.flavor.name);
  });
}
