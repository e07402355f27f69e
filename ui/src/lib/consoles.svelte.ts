// The open consoles (SSH terminals and VNC screens), shared by the Machines page (which opens them) and the
// Consoles page (which shows them). SSH output that arrives before a terminal is on screen is kept until it is.
import type { VncCredential } from './bindings';

export interface SshTab {
  kind: 'ssh';
  /** Unique across kinds: `ssh-<id>`. */
  key: string;
  /** The backend's terminal id. */
  id: number;
  title: string;
  status: 'connected' | 'reconnecting' | 'closed';
  closedReason: string | null;
  /** Opens a new session with the same target and credentials into this tab (set by sshSessions); a
   * typed password or passphrase the user did not ask to remember is passed in again. */
  reopen: ((secret?: string) => Promise<void>) | null;
  /** What a reconnect asks for again ("Password", "Passphrase"), or null when it needs nothing typed. */
  asksFor: string | null;
  /** When the last keystroke was sent and not yet answered, and how long the last answer took to arrive. */
  inputAt: number | null;
  echoMs: number | null;
  /** From that keystroke until xterm.js drew its answer: what the user sees (set by the terminal). */
  echoDrawnMs: number | null;
  /** The first frame after that answer arrived, from the keystroke: what any drawing had to wait for. */
  echoFrameMs: number | null;
  /** Set by the mounted terminal; output goes straight to it, with when the keystroke it answers was typed. */
  sink: ((bytes: Uint8Array, typedAt: number | null) => void) | null;
  pending: Uint8Array[];
}

export interface VncTarget {
  /** The VM the console belongs to: the backend connects only to its addresses. */
  accountId: string;
  vmId: string;
  host: string;
  port: number;
  credential: VncCredential;
}

export interface VncTab {
  kind: 'vnc';
  key: string;
  /** The backend's bridge id; a reconnect opens a new bridge (its token works once). */
  id: number;
  url: string;
  title: string;
  target: VncTarget;
}

export type ConsoleTab = SshTab | VncTab;

export const consoles = $state<{ tabs: ConsoleTab[]; active: string | null }>({ tabs: [], active: null });

export function addConsole(id: number, title: string): SshTab {
  const tab: SshTab = {
    kind: 'ssh', key: `ssh-${id}`, id, title, status: 'connected', closedReason: null, reopen: null, asksFor: null, inputAt: null, echoMs: null, echoDrawnMs: null, echoFrameMs: null, sink: null, pending: [],
  };
  consoles.tabs.push(tab);
  consoles.active = tab.key;
  return consoles.tabs[consoles.tabs.length - 1] as SshTab;
}

let vncSerial = 0;

export function addVncConsole(id: number, url: string, title: string, target: VncTarget): VncTab {
  const tab: VncTab = { kind: 'vnc', key: `vnc-${++vncSerial}`, id, url, title, target };
  consoles.tabs.push(tab);
  consoles.active = tab.key;
  return consoles.tabs[consoles.tabs.length - 1] as VncTab;
}

export function findConsole(id: number): SshTab | undefined {
  return consoles.tabs.find((t): t is SshTab => t.kind === 'ssh' && t.id === id);
}

export function deliver(id: number, bytes: Uint8Array) {
  const tab = findConsole(id);
  if (!tab) return;
  if (tab.sink) tab.sink(bytes, null);
  else tab.pending.push(bytes);
}

export function removeConsole(key: string) {
  const index = consoles.tabs.findIndex((t) => t.key === key);
  if (index >= 0) consoles.tabs.splice(index, 1);
  if (consoles.active === key) consoles.active = consoles.tabs[0]?.key ?? null;
}
