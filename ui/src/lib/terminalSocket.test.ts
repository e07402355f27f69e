import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTerminalSocket, type SshEvent } from './terminalSocket';

/** A stand-in for the browser's WebSocket: records what is sent, and lets the test play the engine. */
class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 3;
  static last: FakeSocket;
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.();
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
}

describe('an SSH terminal socket', () => {
  beforeEach(() => vi.stubGlobal('WebSocket', FakeSocket));
  afterEach(() => vi.unstubAllGlobals());

  it('sends keys typed while connecting once open, and hands on output then how the shell ended', () => {
    const events: SshEvent[] = [];
    const terminal = openTerminalSocket('ws://127.0.0.1:1/ssh?token=t', (event) => events.push(event));
    const socket = FakeSocket.last;
    expect(socket.binaryType).toBe('arraybuffer');
    terminal.send('l');
    expect(socket.sent).toEqual([]);
    socket.open();
    terminal.send('s');
    expect(socket.sent).toEqual(['l', 's']);
    socket.onmessage?.({ data: new TextEncoder().encode('ls\r\n').buffer });
    socket.onmessage?.({ data: JSON.stringify({ exit_status: 0, error: null }) });
    socket.close();
    const shown = events.map((event) => (event.kind === 'output' ? new TextDecoder().decode(event.bytes) : event));
    expect(shown).toEqual(['ls\r\n', { kind: 'closed', exit_status: 0, error: null }]);
  });

  it('says the connection was lost when the socket closes without a word from the shell', () => {
    const events: SshEvent[] = [];
    openTerminalSocket('ws://127.0.0.1:1/ssh?token=t', (event) => events.push(event));
    FakeSocket.last.open();
    FakeSocket.last.close();
    expect(events).toEqual([{ kind: 'closed', exit_status: null, error: expect.objectContaining({ code: 'unreachable' }) }]);
  });

  it('is silent once detached (its tab was closed)', () => {
    const events: SshEvent[] = [];
    const terminal = openTerminalSocket('ws://127.0.0.1:1/ssh?token=t', (event) => events.push(event));
    FakeSocket.last.open();
    terminal.detach();
    expect(FakeSocket.last.readyState).toBe(FakeSocket.CLOSED);
    expect(events).toEqual([]);
  });
});
