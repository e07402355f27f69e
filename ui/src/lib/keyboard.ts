import type { Page } from './navigation';

export type Shortcut = { kind: 'palette' } | { kind: 'filter' } | { kind: 'page'; page: Page };

const PAGES: Page[] = ['machines', 'accounts', 'consoles', 'settings'];

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
 * user in Settings (lib/palette.ts SHORTCUTS).
 */
export function shortcutOf(event: KeyboardEvent): Shortcut | null {
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (mod && !event.altKey && key === 'k') {
    if (inTerminal(event.target) && !event.shiftKey) return null;
    return { kind: 'palette' };
  }
  if (mod && !event.shiftKey && !event.altKey && /^[1-4]$/.test(event.key)) {
    if (inTerminal(event.target)) return null;
    return { kind: 'page', page: PAGES[Number(event.key) - 1] };
  }
  if (event.key === '/' && !mod && !event.altKey && !typing(event.target) && !inTerminal(event.target)) return { kind: 'filter' };
  return null;
}
