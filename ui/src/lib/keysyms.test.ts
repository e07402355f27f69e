import { describe, expect, it } from 'vitest';
import { keysymOf, keysymsOf, XK } from './keysyms';

describe('keysyms for typing text into a VNC console', () => {
  it('maps ASCII and Latin-1 to themselves, other characters to the Unicode range, line ends to Return', () => {
    expect(keysymOf('a')).toBe(0x61);
    expect(keysymOf('~')).toBe(0x7e);
    expect(keysymOf('é')).toBe(0xe9);
    expect(keysymOf('€')).toBe(0x010020ac);
    expect(keysymOf('\t')).toBe(XK.Tab);
    expect(keysymsOf('ls\r\n')).toEqual([0x6c, 0x73, XK.Return]);
    expect(keysymsOf('😀')).toEqual([0x0101f600]);
  });
});
