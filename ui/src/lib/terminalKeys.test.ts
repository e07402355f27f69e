import { describe, expect, it } from 'vitest';
import { clipboardAction } from './terminalKeys';

const keys = (key: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; metaKey: boolean; altKey: boolean }>) => ({
  key, ctrlKey: false, shiftKey: false, metaKey: false, altKey: false, ...mods,
});

describe('terminal copy/paste shortcuts', () => {
  it('uses Ctrl+Shift+C/V on Linux and Windows and leaves Ctrl+C to the shell', () => {
    expect(clipboardAction(keys('C', { ctrlKey: true, shiftKey: true }), 'Linux x86_64')).toBe('copy');
    expect(clipboardAction(keys('V', { ctrlKey: true, shiftKey: true }), 'Win32')).toBe('paste');
    expect(clipboardAction(keys('c', { ctrlKey: true }), 'Linux x86_64')).toBeNull();
    expect(clipboardAction(keys('v', { metaKey: true }), 'Linux x86_64')).toBeNull();
  });

  it('uses ⌘C/⌘V on macOS', () => {
    expect(clipboardAction(keys('c', { metaKey: true }), 'MacIntel')).toBe('copy');
    expect(clipboardAction(keys('v', { metaKey: true }), 'MacIntel')).toBe('paste');
    expect(clipboardAction(keys('c', { ctrlKey: true, shiftKey: true }), 'MacIntel')).toBeNull();
  });
});
