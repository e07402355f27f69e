// Provider marks (issue 19): a letter per backend on its account's colour, so a row, a palette entry or the
// wizard says where a VM lives at a glance. Letters only: no trademarked logos.
import type { ProviderKind } from './bindings';

const LETTERS: Record<ProviderKind, string> = { enclaive: 'E', hyperstack: 'H', lunanode: 'L', cloudvm: 'C', local: '⌂' };
const NAMES: Record<ProviderKind, string> = {
  enclaive: 'enclaive',
  hyperstack: 'Hyperstack',
  lunanode: 'Lunanode',
  cloudvm: 'Cloud VM API',
  local: 'This computer',
};
/** Used when an account has no colour of its own. */
const FALLBACK = '#5b6573';

/** WCAG relative luminance of a `#rrggbb` colour (null for anything else). */
export function luminance(hex: string): number | null {
  const m = /^#([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(m[1].slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two luminances. */
export function contrast(a: number, b: number): number {
  const [hi, lo] = a > b ? [a, b] : [b, a];
  return (hi + 0.05) / (lo + 0.05);
}

export interface Mark {
  letter: string;
  name: string;
  background: string;
  /** Black or white, whichever reads better on the background. */
  foreground: string;
}

export function markOf(kind: ProviderKind, color: string | null | undefined): Mark {
  const background = color && luminance(color) !== null ? color : FALLBACK;
  const lum = luminance(background) ?? 0;
  const foreground = contrast(lum, 1) >= contrast(lum, 0) ? '#ffffff' : '#000000';
  return { letter: LETTERS[kind], name: NAMES[kind], background, foreground };
}
