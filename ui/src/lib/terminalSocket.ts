// An SSH terminal's bytes on its own local WebSocket (the URL `ssh_open` returns, with a one-time token):
// keystrokes go out as text messages, output comes in as binary messages, then one text message says how
// the shell ended (`SshClosed`). Through the app's IPC each keystroke crossed the main thread twice; this
// way its echo arrives sooner (issue 17).
import type { AppError, SshClosed } from './bindings';

/** What a terminal receives, in order: output, then one `closed`. */
export type SshEvent = { kind: 'output'; bytes: Uint8Array } | ({ kind: 'closed' } & SshClosed);

export interface TerminalSocket {
  /** Types `data`; what is typed before the socket is open is sent once it is. */
  send(data: string): void;
  /** Stops listening and lets the socket go (the app closes the shell itself). */
  detach(): void;
}

const LOST: AppError = {
  code: 'unreachable',
  message: "The terminal's connection inside VMDeck ended before the shell did.",
  details: null,
};

export function openTerminalSocket(url: string, onEvent: (event: SshEvent) => void): TerminalSocket {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const early: string[] = [];
  let ended = false;
  const end = (event: SshEvent) => {
    if (ended) return;
    ended = true;
    onEvent(event);
  };
  socket.onopen = () => {
    for (const data of early.splice(0)) socket.send(data);
  };
  socket.onmessage = (message) => {
    if (typeof message.data === 'string') {
      const closed = JSON.parse(message.data) as SshClosed;
      end({ kind: 'closed', exit_status: closed.exit_status ?? null, error: closed.error ?? null });
    } else if (!ended) {
      onEvent({ kind: 'output', bytes: new Uint8Array(message.data as ArrayBuffer) });
    }
  };
  // Closed without a word from the shell: the engine's side went away (or never answered).
  socket.onclose = () => end({ kind: 'closed', exit_status: null, error: LOST });
  return {
    send(data) {
      if (socket.readyState === WebSocket.CONNECTING) early.push(data);
      else if (socket.readyState === WebSocket.OPEN) socket.send(data);
    },
    detach() {
      ended = true;
      socket.close();
    },
  };
}
