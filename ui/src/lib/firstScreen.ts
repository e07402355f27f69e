// What the first screen shows, asked for before the UI is mounted: WebKit paints the page once it has
// content, and a first frame painted without the accounts costs one more frame before they are on the display
// (about 30–70 ms of the start-up figure on the CI machine).
import type { Backend } from './backend';
import type { AccountListing, AccountView } from './bindings';

export interface FirstScreenData {
  accounts: Promise<AccountView[]>;
  /** The fleet as last listed (the settings folder only: no keychain, no network). */
  cached: Promise<AccountListing[]>;
}

export function askFirstScreen(backend: Backend): FirstScreenData {
  return { accounts: backend.listAccounts(), cached: backend.cachedMachines() };
}

/**
 * Resolves when both answers are in (answered or failed) or after `capMs`, whichever is first: a slow
 * keychain (one asking the user to unlock it, say) never keeps the window blank. The Machines page takes
 * the same promises, so nothing is asked twice.
 */
export function settledWithin(data: FirstScreenData, capMs: number): Promise<void> {
  const both = Promise.allSettled([data.accounts, data.cached]).then(() => undefined);
  return Promise.race([both, new Promise<void>((resolve) => setTimeout(resolve, capMs))]);
}

/** Where the page's share of the start went (the log's first-screen line): its own marks, then the document. */
export function startMarks(): string {
  const at = (name: string, ms: number) => `${name}=${Math.round(ms)}`;
  const marks = performance.getEntriesByType('mark').map((m) => at(m.name, m.startTime));
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  if (nav) marks.unshift(at('html', nav.responseEnd), at('dom-ready', nav.domContentLoadedEventEnd));
  const scripts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.name.endsWith('.js'));
  if (scripts.length) marks.push(at(`scripts(${scripts.length})-loaded`, Math.max(...scripts.map((r) => r.responseEnd))));
  return marks.join(' ');
}
