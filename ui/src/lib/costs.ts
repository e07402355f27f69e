// The cost meter: what the running VMs cost per hour, per account and in total, and an estimate for the
// month so far. Amounts stay in the currency the provider gives; totals are per currency, never converted.
import type { Row } from './machines';

/** A running VM's cost. */
export interface RunningCost {
  row: Row;
  perHour: number;
  /** Empty where the provider names no currency. */
  currency: string;
  /** Hours it has run this month, at most: since it was created or since the month began (the provider does
   * not say when it was last started), so the month's figure is an upper estimate. */
  hoursThisMonth: number | null;
  /** Running longer than the threshold: possibly forgotten. */
  forgotten: boolean;
  /** Days since it was created; null where the provider does not say. */
  days: number | null;
}

export interface CostSummary {
  running: RunningCost[];
  /** Running VMs whose size has no hourly price (or one whose unit is not documented). */
  unpriced: Row[];
  /** Per currency: per hour now, and the month so far (estimate). */
  totals: Total[];
  /** Per account and currency. */
  byAccount: (Total & { accountId: string; label: string })[];
  forgotten: RunningCost[];
}

export interface Total {
  currency: string;
  perHour: number;
  monthSoFar: number;
  /** Some VMs of this total have no creation time: their month figure counts from the month's start. */
  guessed: boolean;
}

export const DEFAULT_FORGOTTEN_DAYS = 7;
const HOUR = 3_600_000;

function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Costs of every running VM in `rows` at `now`; VMs running over `forgottenDays` are flagged. */
export function costsOf(rows: Row[], now = Date.now(), forgottenDays = DEFAULT_FORGOTTEN_DAYS): CostSummary {
  const running: RunningCost[] = [];
  const unpriced: Row[] = [];
  for (const row of rows) {
    if (row.vm.state !== 'running') continue;
    const price = row.vm.flavor?.price;
    if (price?.per_hour == null) {
      unpriced.push(row);
      continue;
    }
    const created = row.vm.created ? Date.parse(row.vm.created) : NaN;
    const known = Number.isFinite(created);
    const since = known ? Math.max(created, monthStart(now)) : monthStart(now);
    const days = known ? Math.max(0, (now - created) / (24 * HOUR)) : null;
    running.push({
      row,
      perHour: price.per_hour,
      currency: price.currency ?? '',
      hoursThisMonth: known ? Math.max(0, (now - since) / HOUR) : null,
      forgotten: days !== null && days > forgottenDays,
      days,
    });
  }
  const add = (into: Map<string, Total & { accountId: string; label: string }>, key: string, cost: RunningCost, accountId: string, label: string) => {
    const total = into.get(key) ?? { currency: cost.currency, perHour: 0, monthSoFar: 0, guessed: false, accountId, label };
    total.perHour += cost.perHour;
    // Without a creation time the VM is counted from the month's start (the most it can have run).
    total.monthSoFar += cost.perHour * (cost.hoursThisMonth ?? (now - monthStart(now)) / HOUR);
    total.guessed ||= cost.hoursThisMonth === null;
    into.set(key, total);
  };
  const totals = new Map<string, Total & { accountId: string; label: string }>();
  const byAccount = new Map<string, Total & { accountId: string; label: string }>();
  for (const cost of running) {
    const label = cost.row.account?.label ?? cost.row.accountId;
    add(totals, cost.currency, cost, '', '');
    add(byAccount, `${cost.row.accountId}\u0000${cost.currency}`, cost, cost.row.accountId, label);
  }
  const order = (a: Total, b: Total) => a.currency.localeCompare(b.currency);
  return {
    running,
    unpriced,
    totals: [...totals.values()].sort(order).map(({ currency, perHour, monthSoFar, guessed }) => ({ currency, perHour, monthSoFar, guessed })),
    byAccount: [...byAccount.values()].sort((a, b) => a.label.localeCompare(b.label) || order(a, b)),
    forgotten: running.filter((c) => c.forgotten).sort((a, b) => (b.days ?? 0) - (a.days ?? 0)),
  };
}

/** "1.234 USD", or "1.234" where the provider names no currency. */
export function money(amount: number, currency: string, digits = 3): string {
  return `${amount.toFixed(digits)}${currency ? ` ${currency}` : ''}`;
}
