// What the Machines rows copy to the clipboard: an address, the ssh command, a ~/.ssh/config entry.
// Each answers with the notice to show or the error, so the page only shows it.
import { toBackendError, type Backend, type BackendError } from './backend';
import type { Vm } from './bindings';
import { sshCommand, type Row } from './machines';

export type CopyOutcome = { notice: string } | { error: BackendError };

export async function copyText(text: string, done: string): Promise<CopyOutcome> {
  try {
    await navigator.clipboard.writeText(text);
    return { notice: done };
  } catch {
    return { error: { code: 'internal', message: 'The clipboard refused the text.', details: null } };
  }
}

/** `ssh -p PORT user@host`, with the user and port the backend resolves (saved host, template, record). */
export async function copySshCommand(backend: Backend, row: Row): Promise<CopyOutcome> {
  try {
    const target = await backend.sshTarget(row.accountId, $state.snapshot(row.vm) as Vm);
    if (!target.host) return { error: { code: 'not_found', message: target.host_note ?? 'This VM has no address yet.', details: null } };
    const command = sshCommand(target.user, target.host, target.port);
    return copyText(command, `Copied: ${command}`);
  } catch (raw) {
    return { error: toBackendError(raw) };
  }
}

export async function copySshConfigEntry(backend: Backend, row: Row): Promise<CopyOutcome> {
  try {
    const entry = await backend.sshConfigEntry(row.accountId, $state.snapshot(row.vm) as Vm);
    return copyText(entry, `Copied the ~/.ssh/config entry of ${row.vm.name}.`);
  } catch (raw) {
    return { error: toBackendError(raw) };
  }
}
