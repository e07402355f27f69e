// X11 keysyms for "type the clipboard" (RFB KeyEvent carries keysyms). Latin-1 characters are their own
// keysym; every other Unicode character is 0x01000000 + its code point (the X11 convention noVNC also uses).
export const XK = {
  Return: 0xff0d,
  Tab: 0xff09,
  BackSpace: 0xff08,
  Escape: 0xff1b,
  Delete: 0xffff,
  Control_L: 0xffe3,
  Alt_L: 0xffe9,
  Super_L: 0xffeb,
  F1: 0xffbe,
} as const;

export function keysymOf(char: string): number {
  if (char === '\n' || char === '\r') return XK.Return;
  if (char === '\t') return XK.Tab;
  const code = char.codePointAt(0)!;
  if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return code;
  return 0x01000000 + code;
}

/** The keysyms to type `text`, one per character; "\r\n" counts as one Return. */
export function keysymsOf(text: string): number[] {
  return [...text.replace(/\r\n/g, '\n')].map(keysymOf);
}

/** Key combinations the toolbar offers, pressed in order and released in reverse. */
export const combos: { label: string; keys: { keysym: number; code: string }[] }[] = [
  { label: 'Ctrl+Alt+F1', keys: [{ keysym: XK.Control_L, code: 'ControlLeft' }, { keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.F1, code: 'F1' }] },
  { label: 'Ctrl+Alt+F2', keys: [{ keysym: XK.Control_L, code: 'ControlLeft' }, { keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.F1 + 1, code: 'F2' }] },
  { label: 'Ctrl+Alt+F7', keys: [{ keysym: XK.Control_L, code: 'ControlLeft' }, { keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.F1 + 6, code: 'F7' }] },
  { label: 'Alt+Tab', keys: [{ keysym: XK.Alt_L, code: 'AltLeft' }, { keysym: XK.Tab, code: 'Tab' }] },
  { label: 'Super', keys: [{ keysym: XK.Super_L, code: 'MetaLeft' }] },
  { label: 'Esc', keys: [{ keysym: XK.Escape, code: 'Escape' }] },
];
