import { pages, type Page } from './navigation';

export type Shortcut = { kind: 'palette' } | { kind: 'filter' } | { kind: 'page'; page: Page };

/** The app's keyboard shortcuts, as Settings lists them. */
export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: 'Ctrl+K / ⌘K', what: 'Command palette: every VM, account, page and action' },
  { keys: 'Ctrl+Shift+K', what: 'Command palette from inside a terminal (Ctrl+K goes to the shell there)' },
  { keys: '/', what: 'Filter the machines list' },
  { keys: 'Ctrl+1 … Ctrl+7', what: 'Machines, Costs, Sizes, Accounts, Consoles, Activity, Settings' },
  { keys: '↑ ↓ Enter Esc', what: 'Move, run and close in the palette and menus' },
  { keys: 'Ctrl+Shift+C / Ctrl+Shift+V', what: 'Copy and paste in a terminal (⌘C / ⌘V on macOS)' },
];

const PAGES: Page[] = pages.map((p) => p.id);

/** Typing into a field (or a terminal): plain keys such as `/` belong to it. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** In the SSH terminal, Ctrl+K is the shell's (kill to end of line): the palette takes Ctrl+Shift+K there. */
function inTerminal(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.xterm') !== null;
}

/**
 * The app-wide shortcut a key press means, or null (the key then goes where it was typed). Listed for the
 * user in Settings (SHORTCUTS).
 */
export function shortcutOf(event: KeyboardEvent): Shortcut | null {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (mod && !event.altKey && key === 'k') {
    if (inTerminal(event.target) && !event.shiftKey) return null;
    return { kind: 'palette' };
  }
  if (mod && !event.shiftKey && !event.altKey && /^[1-7]$/.test(event.key)) {
    if (inTerminal(event.target)) return null;
    return { kind: 'page', page: PAGES[Number(event.key) - 1] };
  }
  if (event.key === '/' && !mod && !event.altKey && !typing(event.target) && !inTerminal(event.target)) return { kind: 'filter' };
  return null;
}
