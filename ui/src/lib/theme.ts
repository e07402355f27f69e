// Light, dark, or as the system says (issue 19). The choice is kept on this computer and applied before the
// first paint (main.ts), as `data-theme` on the root element, which is all app.css looks at.
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'vmdeck.theme';
const DARK = '(prefers-color-scheme: dark)';

export function themeChoice(storage: Pick<Storage, 'getItem'> = localStorage): ThemeChoice {
  const saved = storage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

/** The theme in effect for `choice`: the system's when it is "system". */
export function resolvedTheme(choice: ThemeChoice, systemDark: boolean): 'light' | 'dark' {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

export function applyTheme(choice: ThemeChoice = themeChoice()) {
  const systemDark = typeof matchMedia === 'function' && matchMedia(DARK).matches;
  document.documentElement.dataset.theme = resolvedTheme(choice, systemDark);
}

export function chooseTheme(choice: ThemeChoice) {
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    // Not kept, but applied for this session.
  }
  applyTheme(choice);
}

/** Follows the system's switch between light and dark while the choice is "system". */
export function followSystemTheme() {
  if (typeof matchMedia !== 'function') return;
  matchMedia(DARK).addEventListener('change', () => {
    if (themeChoice() === 'system') applyTheme('system');
  });
}
