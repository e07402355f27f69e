// Which key presses are the platform's terminal copy/paste shortcuts. Plain Ctrl+C stays an interrupt
// for the remote shell, so Linux and Windows use Ctrl+Shift+C/V (as GNOME Terminal and Windows Terminal
// do); macOS uses ⌘C/⌘V.
export type ClipboardAction = 'copy' | 'paste' | null;

interface Keys {
  key: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

export function clipboardAction(event: Keys, platform: string): ClipboardAction {
  const mac = /mac/i.test(platform);
  const key = event.key.toLowerCase();
  if (event.altKey || (key !== 'c' && key !== 'v')) return null;
  const chord = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && event.shiftKey && !event.metaKey;
  if (!chord) return null;
  return key === 'c' ? 'copy' : 'paste';
}
