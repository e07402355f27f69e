// The only module that imports @tauri-apps/*. Components receive a `Backend` and never call `invoke`
// themselves, so they render in tests (and in a plain browser) with a mocked one.
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  Account,
  AccountDraft,
  AccountListing,
  AccountView,
  AppError,
  AppInfo,
  ConnectionReport,
  PowerAction,
  HostKeyDecision,
  ProjectChoice,
  SshCredential,
  SshEvent,
  SshOpened,
  SshTarget,
  Vm,
  VaultConfig,
  VaultOverview,
  VaultStatus,
} from './bindings';

export interface Backend {
  appInfo(): Promise<AppInfo>;
  listAccounts(): Promise<AccountView[]>;
  addAccount(draft: AccountDraft, secret: string): Promise<Account>;
  updateAccount(id: string, draft: AccountDraft, secret: string | null): Promise<Account>;
  removeAccount(id: string): Promise<void>;
  duplicateAccount(id: string): Promise<Account>;
  /** Tests typed settings; without a secret, the saved account `id`'s own secret is used. */
  testAccount(draft: AccountDraft, secret: string | null, id: string | null): Promise<ConnectionReport>;
  /** The projects of an enclaive team, signed in with the typed (or saved) secret. */
  enclaiveProjects(draft: AccountDraft, secret: string | null, id: string | null): Promise<ProjectChoice[]>;
  exportAccounts(): Promise<string>;
  importAccounts(json: string): Promise<Account[]>;
  listMachines(): Promise<AccountListing[]>;
  powerMachine(accountId: string, vmId: string, action: PowerAction): Promise<void>;
  deleteMachine(accountId: string, vmId: string): Promise<void>;
  vaultOverview(): Promise<VaultOverview>;
  /** Connects with these settings; they are saved only when that works. */
  vaultSave(config: VaultConfig, secret: string | null): Promise<VaultStatus>;
  vaultForget(): Promise<void>;
  /** The field names of the secret at `path` (never the values). */
  vaultTestRead(path: string): Promise<string[]>;
  /** Opens an SSH terminal; events (output, then closed) arrive in order on `onEvent`. */
  sshOpen(request: SshOpenRequest, onEvent: (event: SshEvent) => void): Promise<SshOpened>;
  sshInput(id: number, data: string): Promise<void>;
  sshResize(id: number, cols: number, rows: number): Promise<void>;
  sshClose(id: number): Promise<void>;
  sshForgetHostKey(host: string, port: number): Promise<number>;
  sshTarget(accountId: string, vm: Vm): Promise<SshTarget | null>;
  /** Runs OpenSSH's `ssh` in the platform's own terminal. */
  sshSystemTerminal(host: string, port: number, user: string): Promise<void>;
}

export interface SshOpenRequest {
  host: string;
  port: number;
  user: string;
  credential: SshCredential;
  decision: HostKeyDecision;
  cols: number;
  rows: number;
}

/**
 * What every backend call rejects with: the Rust `AppError`, a plain object with a stable `code` the UI
 * branches on. Plain on purpose: it crosses the IPC boundary, is kept in component state and is
 * compared in tests, none of which an Error subclass does well.
 */
export type BackendError = AppError;

function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string';
}

/** Anything `invoke` rejects with becomes a BackendError; a bare string means the IPC layer itself failed. */
export function toBackendError(raw: unknown): BackendError {
  if (isAppError(raw)) return { code: raw.code, message: raw.message, details: raw.details ?? null };
  const own = (raw as { message?: unknown } | null)?.message;
  const message = typeof own === 'string' ? own : String(raw);
  return { code: 'internal', message, details: { source: 'ipc' } };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toBackendError(raw);
  }
}

export const tauriBackend: Backend = {
  appInfo: () => call<AppInfo>('app_info'),
  listAccounts: () => call<AccountView[]>('accounts_list'),
  addAccount: (draft, secret) => call<Account>('account_add', { draft, secret }),
  updateAccount: (id, draft, secret) => call<Account>('account_update', { id, draft, secret }),
  removeAccount: (id) => call<void>('account_remove', { id }),
  duplicateAccount: (id) => call<Account>('account_duplicate', { id }),
  testAccount: (draft, secret, id) => call<ConnectionReport>('account_test', { draft, secret, id }),
  enclaiveProjects: (draft, secret, id) => call<ProjectChoice[]>('account_projects', { draft, secret, id }),
  exportAccounts: () => call<string>('accounts_export'),
  importAccounts: (json) => call<Account[]>('accounts_import', { json }),
  listMachines: () => call<AccountListing[]>('machines_list'),
  powerMachine: (accountId, vmId, action) => call<void>('machine_power', { accountId, vmId, action }),
  deleteMachine: (accountId, vmId) => call<void>('machine_delete', { accountId, vmId }),
  vaultOverview: () => call<VaultOverview>('vault_overview'),
  vaultSave: (config, secret) => call<VaultStatus>('vault_save', { config, secret }),
  vaultForget: () => call<void>('vault_forget'),
  vaultTestRead: (path) => call<string[]>('vault_test_read', { path }),
  sshOpen: (request, onEvent) => {
    const onEventChannel = new Channel<SshEvent>();
    onEventChannel.onmessage = onEvent;
    return call<SshOpened>('ssh_open', { ...request, onEvent: onEventChannel });
  },
  sshInput: (id, data) => call<void>('ssh_input', { id, data }),
  sshResize: (id, cols, rows) => call<void>('ssh_resize', { id, cols, rows }),
  sshClose: (id) => call<void>('ssh_close', { id }),
  sshForgetHostKey: (host, port) => call<number>('ssh_forget_host_key', { host, port }),
  sshTarget: (accountId, vm) => call<SshTarget | null>('machine_ssh_target', { accountId, vm }),
  sshSystemTerminal: (host, port, user) => call<void>('ssh_open_system_terminal', { host, port, user }),
};
