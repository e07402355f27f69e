// What this app did to each VM in this session (start, stop, delete, create…), for the detail pane.
export interface LogEntry {
  at: number;
  action: string;
  ok: boolean;
  message: string;
}

const entries = $state<Record<string, LogEntry[]>>({});

export function logAction(vmKey: string, action: string, ok: boolean, message = ''): void {
  entries[vmKey] = [...(entries[vmKey] ?? []), { at: Date.now(), action, ok, message }];
}

export function actionsOf(vmKey: string): LogEntry[] {
  return entries[vmKey] ?? [];
}
