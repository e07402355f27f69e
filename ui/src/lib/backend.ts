// The only module that imports @tauri-apps/*. Components receive a `Backend` and never call `invoke`
// themselves, so they render in tests (and in a plain browser) with a mocked one.
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  Account,
  AuditEntry,
  AccountDraft,
  AccountListing,
  AccountView,
  AppError,
  AppInfo,
  CachedImage,
  Capabilities,
  Catalog,
  ConnectionReport,
  ConsoleTarget,
  CreateCheck,
  CreateRequest,
  HostKeyDecision,
  ImportItem,
  KeyPair,
  ManagedSshConfig,
  NotificationSettings,
  PowerAction,
  ProjectChoice,
  QemuInstall,
  SavedSshTarget,
  ServerEnvironment,
  SshCredential,
  SshOpened,
  SshTarget,
  StoredKey,
  Template,
  UpdateOffer,
  UpdateProgress,
  VaultConfig,
  VaultOverview,
  VaultStatus,
  Vm,
  VncCredential,
  VncOpened,
} from './bindings';
import { startMarks } from './firstScreen';
import { openTerminalSocket, type SshEvent, type TerminalSocket } from './terminalSocket';

export type { SshEvent };

export interface Backend {
  appInfo(): Promise<AppInfo>;
  /** What the user must be told at start (a settings file kept aside because it could not be read). */
  appNotices(): Promise<string[]>;
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
  /** What an import would add and what deserves a look (proxy, CA, plain http, Vault path); saves nothing. */
  previewImport(json: string): Promise<ImportItem[]>;
  /**
   * Every listing the Rust side makes while subscribed (at once, fast while a VM changes state, slowly
   * otherwise) and any failure to list; resolves to the function that unsubscribes.
   */
  watchMachines(onListing: (listings: AccountListing[]) => void, onError: (error: BackendError) => void): Promise<() => void>;
  /** The VMs of every account as last listed (kept on disk, no raw records), shown until the live listing. */
  cachedMachines(): Promise<AccountListing[]>;
  powerMachine(accountId: string, vmId: string, action: PowerAction): Promise<void>;
  deleteMachine(accountId: string, vmId: string): Promise<void>;
  getMachine(accountId: string, vmId: string): Promise<Vm>;
  capabilities(accountId: string): Promise<Capabilities>;
  /** Attaches (true) or detaches a VM's public IP, where the backend can. */
  setPublicIp(accountId: string, vmId: string, attached: boolean): Promise<void>;
  /** Regions, images, flavors, key pairs; cached for minutes unless `refresh`. */
  catalog(accountId: string, refresh: boolean): Promise<Catalog>;
  /** The backend's verdict on a wizard input, and the exact call Create would send. */
  checkCreate(accountId: string, request: CreateRequest): Promise<CreateCheck>;
  /** Sent once, never retried. */
  createMachines(accountId: string, request: CreateRequest): Promise<Vm[]>;
  cloneRequest(accountId: string, vm: Vm): Promise<CreateRequest>;
  importKey(accountId: string, name: string, publicKey: string, region: string | null): Promise<KeyPair>;
  listTemplates(): Promise<Template[]>;
  saveTemplate(template: Template): Promise<Template[]>;
  removeTemplate(name: string): Promise<Template[]>;
  /** The app's Vault settings, or (with `accountId`) that account's own. */
  vaultOverview(accountId?: string | null): Promise<VaultOverview>;
  /** Connects with these settings; they are saved only when that works. */
  vaultSave(config: VaultConfig, secret: string | null, accountId?: string | null): Promise<VaultStatus>;
  vaultForget(accountId?: string | null): Promise<void>;
  /** OIDC: opens the identity provider in the system browser and waits for it to report back. */
  vaultOidcLogin(config: VaultConfig, accountId?: string | null): Promise<VaultStatus>;
  /** The field names of the secret at `path` (never the values), read with the Vault the account uses. */
  vaultTestRead(path: string, accountId?: string | null): Promise<string[]>;
  /** Opens an SSH terminal; events (output, then closed) arrive in order on `onEvent`. */
  sshOpen(request: SshOpenRequest, onEvent: (event: SshEvent) => void): Promise<SshOpened>;
  sshInput(id: number, data: string): Promise<void>;
  sshResize(id: number, cols: number, rows: number): Promise<void>;
  sshClose(id: number): Promise<void>;
  sshForgetHostKey(host: string, port: number): Promise<number>;
  sshTarget(accountId: string, vm: Vm): Promise<SshTarget>;
  /** "Remember for this VM": saves (or, with null, forgets) the host, port and user the SSH dialog used. */
  sshTargetSave(accountId: string, vmId: string, target: SavedSshTarget | null): Promise<void>;
  /** The audit log, newest first. */
  auditList(): Promise<AuditEntry[]>;
  /** The VM's `Host` block for `~/.ssh/config`. */
  sshConfigEntry(accountId: string, vm: Vm): Promise<string>;
  /** The opt-in managed `~/.ssh/config.d/vmdeck`: whether it is on, where, and the `Include` line. */
  sshConfigManaged(): Promise<ManagedSshConfig>;
  sshConfigManagedSet(enabled: boolean): Promise<ManagedSshConfig>;
  /** Which desktop notifications the user wants (shown by the app itself, from Rust). */
  notificationsGet(): Promise<NotificationSettings>;
  notificationsSet(wanted: NotificationSettings): Promise<NotificationSettings>;
  /** Asks where to save `contents` in the system's save dialog and writes it; the path, or null if cancelled. */
  saveTextAs(suggestedName: string, contents: string): Promise<string | null>;
  /** The Cloud VM API server's environments.json (and machinetypes.json), read for the account form. */
  cloudvmReadServerFiles(environments: string, machineTypes: string | null): Promise<ServerEnvironment[]>;
  /** Waits until a VM's SSH server answers (a local VM still booting; clouds return at once). */
  machineSshReady(accountId: string, vmId: string): Promise<void>;
  /** QEMU as found on this computer (accelerator and its note), or an error with the install command. */
  localQemuStatus(): Promise<QemuInstall>;
  /** Images in the local-VM cache, with their size. */
  localImages(): Promise<CachedImage[]>;
  localImageRemove(id: string): Promise<CachedImage[]>;
  /** Runs OpenSSH's `ssh` in the platform's own terminal. */
  sshSystemTerminal(host: string, port: number, user: string): Promise<void>;
  sshKeysList(): Promise<StoredKey[]>;
  /** Keeps a private key in the OS keychain under `name`. */
  sshKeySave(name: string, privateKey: string): Promise<StoredKey[]>;
  sshKeyRemove(name: string): Promise<StoredKey[]>;
  /** Opens an http(s) link in the system browser. */
  openLink(url: string): Promise<void>;
  /** Starts a bridge to a VNC server; noVNC connects to the returned URL once. */
  vncOpen(accountId: string, vmId: string, host: string, port: number, credential: VncCredential): Promise<VncOpened>;
  vncClose(id: number): Promise<void>;
  machineConsole(accountId: string, vmId: string): Promise<ConsoleTarget>;
  /** A provider's console page in its own window, without access to the app's commands. */
  openConsoleWindow(url: string, title: string): Promise<void>;
  /** Asks the update server for a newer release; null when this is the newest. */
  updateCheck(): Promise<UpdateOffer | null>;
  /** Downloads the release the last check found, verifies its signature and installs it. */
  updateInstall(onProgress: (progress: UpdateProgress) => void): Promise<void>;
  /** Restarts the app (the installed update runs then). */
  appRestart(): Promise<void>;
  /** The first screen is painted (logged with the start-up time; `.ci/bench-start` waits for it). */
  firstScreen(): Promise<void>;
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

/** The open SSH terminals' sockets, by session id. */
const terminals = new Map<number, TerminalSocket>();

export const tauriBackend: Backend = {
  appNotices: () => call<string[]>('app_notices'),
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
  previewImport: (json) => call<ImportItem[]>('accounts_import_preview', { json }),
  watchMachines: async (onListing, onError) => {
    const unlisten = await Promise.all([
      listen<AccountListing[]>('fleet-listing', (event) => onListing(event.payload)),
      listen<AppError>('fleet-error', (event) => onError(toBackendError(event.payload))),
    ]);
    await call<void>('machines_watch', { on: true });
    return () => {
      for (const stop of unlisten) stop();
      call<void>('machines_watch', { on: false }).catch(() => {});
    };
  },
  cachedMachines: () => call<AccountListing[]>('machines_cached'),
  powerMachine: (accountId, vmId, action) => call<void>('machine_power', { accountId, vmId, action }),
  deleteMachine: (accountId, vmId) => call<void>('machine_delete', { accountId, vmId }),
  getMachine: (accountId, vmId) => call<Vm>('machine_get', { accountId, vmId }),
  capabilities: (accountId) => call<Capabilities>('account_capabilities', { accountId }),
  setPublicIp: (accountId, vmId, attached) => call<void>('machine_public_ip', { accountId, vmId, attached }),
  catalog: (accountId, refresh) => call<Catalog>('account_catalog', { accountId, refresh }),
  checkCreate: (accountId, request) => call<CreateCheck>('machine_create_check', { accountId, request }),
  createMachines: (accountId, request) => call<Vm[]>('machine_create', { accountId, request }),
  cloneRequest: (accountId, vm) => call<CreateRequest>('machine_clone_request', { accountId, vm }),
  importKey: (accountId, name, publicKey, region) =>
    call<KeyPair>('account_import_key', { accountId, name, publicKey, region }),
  listTemplates: () => call<Template[]>('templates_list'),
  saveTemplate: (template) => call<Template[]>('template_save', { template }),
  removeTemplate: (name) => call<Template[]>('template_remove', { name }),
  vaultOverview: (accountId = null) => call<VaultOverview>('vault_overview', { accountId }),
  vaultSave: (config, secret, accountId = null) => call<VaultStatus>('vault_save', { accountId, config, secret }),
  vaultForget: (accountId = null) => call<void>('vault_forget', { accountId }),
  vaultOidcLogin: (config, accountId = null) => call<VaultStatus>('vault_oidc_login', { accountId, config }),
  vaultTestRead: (path, accountId = null) => call<string[]>('vault_test_read', { accountId, path }),
  sshOpen: async (request, onEvent) => {
    const opened = await call<SshOpened>('ssh_open', { ...request });
    terminals.set(opened.id, openTerminalSocket(opened.url, (event) => {
      if (event.kind === 'closed') terminals.delete(opened.id);
      onEvent(event);
    }));
    return opened;
  },
  sshInput: async (id, data) => {
    const terminal = terminals.get(id);
    if (!terminal) throw { code: 'not_found', message: "This terminal's connection has ended.", details: null } satisfies BackendError;
    terminal.send(data);
  },
  sshResize: (id, cols, rows) => call<void>('ssh_resize', { id, cols, rows }),
  sshClose: (id) => {
    terminals.get(id)?.detach();
    terminals.delete(id);
    return call<void>('ssh_close', { id });
  },
  sshForgetHostKey: (host, port) => call<number>('ssh_forget_host_key', { host, port }),
  sshTarget: (accountId, vm) => call<SshTarget>('machine_ssh_target', { accountId, vm }),
  sshTargetSave: (accountId, vmId, target) => call<void>('machine_ssh_target_save', { accountId, vmId, target }),
  auditList: () => call<AuditEntry[]>('audit_list'),
  sshConfigEntry: (accountId, vm) => call<string>('ssh_config_entry', { accountId, vm }),
  sshConfigManaged: () => call<ManagedSshConfig>('ssh_config_managed'),
  sshConfigManagedSet: (enabled) => call<ManagedSshConfig>('ssh_config_managed_set', { enabled }),
  notificationsGet: () => call<NotificationSettings>('notifications_get'),
  notificationsSet: (wanted) => call<NotificationSettings>('notifications_set', { wanted }),
  saveTextAs: (suggestedName, contents) => call<string | null>('save_text_as', { suggestedName, contents }),
  cloudvmReadServerFiles: (environments, machineTypes) =>
    call<ServerEnvironment[]>('cloudvm_read_server_files', { environments, machineTypes }),
  machineSshReady: (accountId, vmId) => call<void>('machine_ssh_ready', { accountId, vmId }),
  localQemuStatus: () => call<QemuInstall>('local_qemu_status'),
  localImages: () => call<CachedImage[]>('local_images'),
  localImageRemove: (id) => call<CachedImage[]>('local_image_remove', { id }),
  sshSystemTerminal: (host, port, user) => call<void>('ssh_open_system_terminal', { host, port, user }),
  sshKeysList: () => call<StoredKey[]>('ssh_keys_list'),
  sshKeySave: (name, privateKey) => call<StoredKey[]>('ssh_key_save', { name, privateKey }),
  sshKeyRemove: (name) => call<StoredKey[]>('ssh_key_remove', { name }),
  openLink: (url) => call<void>('open_link', { url }),
  vncOpen: (accountId, vmId, host, port, credential) =>
    call<VncOpened>('vnc_open', { accountId, vmId, host, port, credential }),
  vncClose: (id) => call<void>('vnc_close', { id }),
  machineConsole: (accountId, vmId) => call<ConsoleTarget>('machine_console', { accountId, vmId }),
  openConsoleWindow: (url, title) => call<void>('console_open_window', { url, title }),
  updateCheck: () => call<UpdateOffer | null>('update_check'),
  updateInstall: (onProgress) => {
    const channel = new Channel<UpdateProgress>();
    channel.onmessage = onProgress;
    return call<void>('update_install', { onProgress: channel });
  },
  appRestart: () => call<void>('app_restart'),
  firstScreen: () => call<void>('app_first_screen', { pageMs: performance.now(), marks: startMarks() }),
};
