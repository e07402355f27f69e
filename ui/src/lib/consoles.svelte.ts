// The open terminals, shared by the Machines page (which opens them) and the Consoles page (which shows
// them). Output that arrives before a terminal is on screen is kept until it is.

export interface ConsoleTab {
  id: number;
  title: string;
  status: 'connected' | 'closed';
  closedReason: string | null;
  /** Set by the mounted terminal; output goes straight to it. */
  sink: ((bytes: Uint8Array) => void) | null;
  pending: Uint8Array[];
}

export const consoles = $state<{ tabs: ConsoleTab[]; active: number | null }>({ tabs: [], active: null });

export function addConsole(id: number, title: string): ConsoleTab {
  const tab: ConsoleTab = { id, title, status: 'connected', closedReason: null, sink: null, pending: [] };
  consoles.tabs.push(tab);
  consoles.active = id;
  return consoles.tabs[consoles.tabs.length - 1];
}

export function findConsole(id: number): ConsoleTab | undefined {
  return consoles.tabs.find((t) => t.id === id);
}

export function deliver(id: number, bytes: Uint8Array) {
  const tab = findConsole(id);
  if (!tab) return;
  if (tab.sink) tab.sink(bytes);
  else tab.pending.push(bytes);
}

export function removeConsole(id: number) {
  const index = consoles.tabs.findIndex((t) => t.id === id);
  if (index >= 0) consoles.tabs.splice(index, 1);
  if (consoles.active === id) consoles.active = consoles.tabs[0]?.id ?? null;
}

export function decodeBase64(data: string): Uint8Array {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
