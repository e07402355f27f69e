// Opening SSH sessions into console tabs: output delivered in order (also what arrives before the tab
// exists), the echo time of keystrokes as the latency shown, and reconnecting with the same target and
// credentials — by the user, or by itself when a session dropped shortly after the computer slept.
import type { Backend, SshEvent, SshOpenRequest } from './backend';
import type { SshCredential } from './bindings';
import { addConsole, type SshTab } from './consoles.svelte';

/** A timer that fires much later than asked means the machine was asleep. */
const TICK_MS = 5000;
const SLEPT_AFTER_MS = 20000;
/** A session that drops within this long after waking is reopened without asking. */
const AFTER_WAKE_MS = 3 * 60 * 1000;
let lastTick = Date.now();
let wokeAt = 0;
if (typeof window !== 'undefined') {
  setInterval(() => {
    const now = Date.now();
    if (now - lastTick > SLEPT_AFTER_MS) wokeAt = now;
    lastTick = now;
  }, TICK_MS);
}

/** For tests: pretend the machine just woke up. */
export function markWokeUp(at = Date.now()) {
  wokeAt = at;
}

/** The most output kept for a terminal that is not on screen; older output makes way, with a note. */
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;
const DROPPED = new TextEncoder().encode('\r\n[VMDeck: earlier output was dropped while this tab was hidden]\r\n');

function keepPending(tab: SshTab, bytes: Uint8Array) {
  tab.pending.push(bytes);
  let total = tab.pending.reduce((sum, chunk) => sum + chunk.length, 0);
  if (total <= MAX_PENDING_BYTES) return;
  while (total > MAX_PENDING_BYTES - DROPPED.length && tab.pending.length > 1) {
    total -= tab.pending.shift()!.length;
  }
  if (tab.pending[0] !== DROPPED) tab.pending.unshift(DROPPED);
}

async function attach(backend: Backend, request: SshOpenRequest, tabOf: () => SshTab | undefined) {
  let ready = false;
  let sessionId = -1;
  const early: SshEvent[] = [];
  const handle = (event: SshEvent) => {
    const tab = tabOf();
    // Events of an earlier session of this tab (before a reconnect) are old news.
    if (!tab || tab.id !== sessionId) return;
    if (event.kind === 'output') {
      const bytes = event.bytes;
      const typedAt = tab.inputAt;
      if (typedAt !== null) {
        tab.echoMs = performance.now() - typedAt;
        tab.inputAt = null;
      }
      if (tab.sink) tab.sink(bytes, typedAt);
      else keepPending(tab, bytes);
      return;
    }
    tab.status = 'closed';
    tab.closedReason = event.error?.message ?? (event.exit_status != null ? `exit status ${event.exit_status}` : null);
    const dropped = event.error != null;
    // A tab that must ask for a password again cannot reopen by itself.
    if (dropped && Date.now() - wokeAt < AFTER_WAKE_MS && tab.reopen && !tab.asksFor) {
      tab.status = 'reconnecting';
      tab.reopen().catch((raw) => {
        tab.status = 'closed';
        tab.closedReason = (raw as { message?: string }).message ?? String(raw);
      });
    }
  };
  const opened = await backend.sshOpen(request, (event) => (ready ? handle(event) : early.push(event)));
  sessionId = opened.id;
  return {
    opened,
    /** Called once the tab carries this session's id: delivers what came early, then goes live. */
    go() {
      ready = true;
      for (const event of early.splice(0)) handle(event);
    },
  };
}

/** The typed secret of a credential (a password, a key's passphrase), if it has one. */
function typedSecret(credential: SshCredential): { label: string; without: SshCredential; with: (secret: string) => SshCredential } | null {
  if (credential.kind === 'password' && credential.password) {
    return { label: 'Password', without: { ...credential, password: '' }, with: (password) => ({ ...credential, password }) };
  }
  if ((credential.kind === 'key_file' || credential.kind === 'stored_key') && credential.passphrase) {
    return { label: 'Passphrase', without: { ...credential, passphrase: null }, with: (passphrase) => ({ ...credential, passphrase }) };
  }
  return null;
}

/**
 * Opens a session into a new tab. A typed password or passphrase is kept for reconnects only when
 * `rememberSecret` (the dialog's "remember for this tab"); otherwise a reconnect asks for it again.
 */
export async function openSshTab(backend: Backend, request: SshOpenRequest, vmName: string, rememberSecret = false): Promise<SshTab> {
  let tab: SshTab | undefined;
  const first = await attach(backend, request, () => tab);
  tab = addConsole(first.opened.id, `${first.opened.user}@${vmName}`);
  const self = tab;
  const secret = rememberSecret ? null : typedSecret(request.credential);
  // What this tab keeps for reconnects: the request without the secret the user did not ask to keep.
  const kept: SshOpenRequest = secret ? { ...request, credential: secret.without } : request;
  self.asksFor = secret?.label ?? null;
  self.reopen = async (typed?: string) => {
    self.status = 'reconnecting';
    const again = await attach(backend, secret ? { ...kept, credential: secret.with(typed ?? '') } : kept, () => self);
    self.id = again.opened.id;
    self.status = 'connected';
    self.closedReason = null;
    again.go();
  };
  first.go();
  return self;
}
