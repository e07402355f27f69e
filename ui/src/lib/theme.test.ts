import { describe, expect, it } from 'vitest';
import { chooseTheme, resolvedTheme, themeChoice } from './theme';

describe('theme', () => {
  it('follows the system unless light or dark was chosen', () => {
    expect(resolvedTheme('system', true)).toBe('dark');
    expect(resolvedTheme('system', false)).toBe('light');
    expect(resolvedTheme('light', true)).toBe('light');
    expect(resolvedTheme('dark', false)).toBe('dark');
  });

  it('keeps the choice and applies it to the root element', () => {
    chooseTheme('dark');
    expect(themeChoice()).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    chooseTheme('light');
    expect(document.documentElement.dataset.theme).toBe('light');
    localStorage.setItem('vmdeck.theme', 'purple');
    expect(themeChoice()).toBe('system');
  });
});
