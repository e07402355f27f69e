import { describe, expect, it, vi } from 'vitest';
import { MAX_PENDING_BYTES, markWokeUp, openSshTab } from './sshSessions';
import { fakeBackend } from '../test/fakeBackend';
import type { SshEvent } from './backend';

const request = { host: '203.0.113.5', port: 22, user: 'ubuntu', credential: { kind: 'agent' as const }, decision: { kind: 'known_only' as const }, cols: 80, rows: 24 };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('');

function sessions() {
  const listeners: ((event: SshEvent) => void)[] = [];
  let next = 10;
  const backend = fakeBackend({
    sshOpen: vi.fn(async (_request, onEvent) => {
      listeners.push(onEvent);
      // Output can come before the call returns.
      onEvent({ kind: 'output', bytes: bytes(`hello ${next}\n`) });
      return { id: next++, user: 'ubuntu', url: 'ws://127.0.0.1:1/ssh', fingerprint: 'SHA256:x' };
    }),
  });
  return { backend, listeners };
}

describe('SSH sessions in tabs', () => {
  it('keeps early output in order and shows the echo time of a keystroke', async () => {
    const { backend, listeners } = sessions();
    const tab = await openSshTab(backend, request, 'web');
    listeners[0]({ kind: 'output', bytes: bytes('$ ') });
    expect(text(tab.pending)).toBe('hello 10\n$ ');
    tab.inputAt = performance.now() - 40;
    listeners[0]({ kind: 'output', bytes: bytes('l') });
    expect(tab.echoMs).toBeGreaterThanOrEqual(40);
    expect(tab.inputAt).toBeNull();
    // A mounted terminal hears when the keystroke its output answers was typed, to time the drawing.
    const sink = vi.fn();
    tab.sink = sink;
    tab.inputAt = performance.now() - 5;
    const typedAt = tab.inputAt;
    listeners[0]({ kind: 'output', bytes: bytes('s') });
    listeners[0]({ kind: 'output', bytes: bytes('\r\n') });
    expect(sink.mock.calls.map(([bytes, at]) => [new TextDecoder().decode(bytes), at])).toEqual([['s', typedAt], ['\r\n', null]]);
  });

  it('reconnects with the same request into the same tab and ignores the old session', async () => {
    const { backend, listeners } = sessions();
    const tab = await openSshTab(backend, request, 'web');
    listeners[0]({ kind: 'closed', exit_status: null, error: { code: 'unreachable', message: 'The connection dropped.', details: null } });
    expect(tab.status).toBe('closed');
    expect(tab.closedReason).toBe('The connection dropped.');
    await tab.reopen!();
    expect(backend.sshOpen).toHaveBeenLastCalledWith(request, expect.any(Function));
    expect(tab.id).toBe(11);
    expect(tab.status).toBe('connected');
    listeners[0]({ kind: 'closed', exit_status: 0, error: null });
    expect(tab.status).toBe('connected');
    expect(text(tab.pending)).toContain('hello 11');
  });

  it('reopens by itself when a session drops soon after the computer slept, but not otherwise', async () => {
    const { backend, listeners } = sessions();
    markWokeUp(0);
    const tab = await openSshTab(backend, request, 'web');
    listeners[0]({ kind: 'closed', exit_status: null, error: { code: 'timeout', message: 'No keepalive answer.', details: null } });
    expect(tab.status).toBe('closed');
    expect(backend.sshOpen).toHaveBeenCalledTimes(1);

    markWokeUp();
    const again = await openSshTab(backend, request, 'db');
    listeners[1]({ kind: 'closed', exit_status: null, error: { code: 'timeout', message: 'No keepalive answer.', details: null } });
    await vi.waitFor(() => expect(again.status).toBe('connected'));
    expect(backend.sshOpen).toHaveBeenCalledTimes(3);
    // A clean logout is not a drop: no reconnect.
    listeners[2]({ kind: 'closed', exit_status: 0, error: null });
    expect(again.status).toBe('closed');
  });

  it('keeps a typed password for reconnects only when asked to, and never reopens alone without it', async () => {
    const { backend, listeners } = sessions();
    const withPassword = { ...request, credential: { kind: 'password' as const, password: 'typed-pw' } };
    markWokeUp();
    const tab = await openSshTab(backend, withPassword, 'web');
    expect(tab.asksFor).toBe('Password');
    // Dropped right after waking: with no password kept it waits for the user instead of reopening.
    listeners[0]({ kind: 'closed', exit_status: null, error: { code: 'timeout', message: 'No keepalive answer.', details: null } });
    expect(tab.status).toBe('closed');
    expect(backend.sshOpen).toHaveBeenCalledTimes(1);
    await tab.reopen!('typed-again');
    expect(backend.sshOpen).toHaveBeenLastCalledWith({ ...withPassword, credential: { kind: 'password', password: 'typed-again' } }, expect.any(Function));
    // What the tab holds for later has no password in it: a reconnect without typing sends none.
    await tab.reopen!();
    expect(backend.sshOpen).toHaveBeenLastCalledWith({ ...withPassword, credential: { kind: 'password', password: '' } }, expect.any(Function));

    const kept = await openSshTab(backend, withPassword, 'db', true);
    expect(kept.asksFor).toBeNull();
    await kept.reopen!();
    expect(backend.sshOpen).toHaveBeenLastCalledWith(withPassword, expect.any(Function));
  });

  it('keeps at most a bounded amount of output for a hidden tab, newest first kept', async () => {
    const { backend, listeners } = sessions();
    const tab = await openSshTab(backend, request, 'web');
    const mib = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 10; i++) listeners[0]({ kind: 'output', bytes: bytes(mib) });
    listeners[0]({ kind: 'output', bytes: bytes('the end') });
    const kept = tab.pending.reduce((sum, chunk) => sum + chunk.length, 0);
    expect(kept).toBeLessThanOrEqual(MAX_PENDING_BYTES);
    expect(text(tab.pending.slice(0, 1))).toContain('earlier output was dropped');
    expect(text(tab.pending.slice(-1))).toBe('the end');
  });
});

