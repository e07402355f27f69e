// A Backend for component tests: every call fails loudly unless the test supplies it, and an in-memory
// account list that behaves like the Rust side (ids, has_secret, no secret in what is returned).
import { vi } from 'vitest';
import type { Backend } from '../lib/backend';
import type { Account, AccountDraft, AccountListing, AccountView } from '../lib/bindings';

export function fakeBackend(overrides: Partial<Backend> = {}): Backend {
  const unexpected = (name: string) =>
    vi.fn(async () => {
      throw { code: 'internal', message: `${name} was not expected in this test`, details: null };
    });
  const base: Backend = {
    appInfo: unexpected('appInfo'),
    appNotices: vi.fn(async () => []),
    listAccounts: vi.fn(async () => []),
    addAccount: unexpected('addAccount'),
    updateAccount: unexpected('updateAccount'),
    removeAccount: unexpected('removeAccount'),
    duplicateAccount: unexpected('duplicateAccount'),
    testAccount: unexpected('testAccount'),
    enclaiveProjects: unexpected('enclaiveProjects'),
    exportAccounts: unexpected('exportAccounts'),
    importAccounts: unexpected('importAccounts'),
    previewImport: unexpected('previewImport'),
    watchMachines: delivering([]),
    cachedMachines: vi.fn(async () => []),
    powerMachine: unexpected('powerMachine'),
    deleteMachine: unexpected('deleteMachine'),
    getMachine: unexpected('getMachine'),
    capabilities: unexpected('capabilities'),
    setPublicIp: unexpected('setPublicIp'),
    catalog: unexpected('catalog'),
    checkCreate: unexpected('checkCreate'),
    createMachines: unexpected('createMachines'),
    cloneRequest: unexpected('cloneRequest'),
    importKey: unexpected('importKey'),
    listTemplates: vi.fn(async () => []),
    saveTemplate: unexpected('saveTemplate'),
    removeTemplate: unexpected('removeTemplate'),
    vaultOverview: vi.fn(async () => ({ config: null, from_environment: false, has_secret: false, status: null, problem: null })),
    vaultSave: unexpected('vaultSave'),
    vaultForget: unexpected('vaultForget'),
    vaultOidcLogin: unexpected('vaultOidcLogin'),
    vaultTestRead: unexpected('vaultTestRead'),
    sshOpen: unexpected('sshOpen'),
    sshInput: vi.fn(async () => {}),
    sshResize: vi.fn(async () => {}),
    sshClose: vi.fn(async () => {}),
    sshForgetHostKey: unexpected('sshForgetHostKey'),
    sshTarget: unexpected('sshTarget'),
    sshTargetSave: unexpected('sshTargetSave'),
    auditList: vi.fn(async () => []),
    sshConfigEntry: unexpected('sshConfigEntry'),
    sshConfigManaged: vi.fn(async () => ({ enabled: false, path: '/home/ada/.ssh/config.d/vmdeck', include_line: 'Include /home/ada/.ssh/config.d/vmdeck', hosts: null })),
    sshConfigManagedSet: unexpected('sshConfigManagedSet'),
    notificationsGet: vi.fn(async () => ({ creates: true, changes: true })),
    notificationsSet: unexpected('notificationsSet'),
    saveTextAs: unexpected('saveTextAs'),
    cloudvmReadServerFiles: unexpected('cloudvmReadServerFiles'),
    sshSystemTerminal: vi.fn(async () => {}),
    machineSshReady: vi.fn(async () => {}),
    localQemuStatus: unexpected('localQemuStatus'),
    localImages: vi.fn(async () => []),
    localImageRemove: unexpected('localImageRemove'),
    sshKeysList: vi.fn(async () => []),
    sshKeySave: unexpected('sshKeySave'),
    sshKeyRemove: unexpected('sshKeyRemove'),
    openLink: unexpected('openLink'),
    vncOpen: unexpected('vncOpen'),
    vncClose: vi.fn(async () => {}),
    machineConsole: unexpected('machineConsole'),
    openConsoleWindow: unexpected('openConsoleWindow'),
    updateCheck: vi.fn(async () => null),
    updateInstall: unexpected('updateInstall'),
    appRestart: unexpected('appRestart'),
    firstScreen: vi.fn(async () => {}),
  };
  return { ...base, ...overrides };
}

/** A fleet watch that delivers one listing as soon as the view subscribes, as the Rust side lists at once. */
export function delivering(listings: AccountListing[]): Backend['watchMachines'] {
  return vi.fn(async (onListing: (listings: AccountListing[]) => void) => {
    onListing(listings);
    return () => {};
  });
}

/** Accounts kept in memory; `secrets` shows what reached the "keychain". */
export function memoryAccounts() {
  const accounts: Account[] = [];
  const secrets = new Map<string, string>();
  let next = 1;
  const view = (a: Account): AccountView => ({ ...a, has_secret: secrets.has(a.id) });
  const backend = fakeBackend({
    listAccounts: vi.fn(async () => accounts.map(view)),
    addAccount: vi.fn(async (draft: AccountDraft, secret: string) => {
      const account: Account = { id: `acct-${next++}`, journal: 'saved', ...JSON.parse(JSON.stringify(draft)) };
      accounts.push(account);
      secrets.set(account.id, secret);
      return account;
    }),
    updateAccount: vi.fn(async (id: string, draft: AccountDraft, secret: string | null) => {
      const index = accounts.findIndex((a) => a.id === id);
      accounts[index] = { ...accounts[index], ...JSON.parse(JSON.stringify(draft)) };
      if (secret) secrets.set(id, secret);
      return accounts[index];
    }),
    removeAccount: vi.fn(async (id: string) => {
      accounts.splice(accounts.findIndex((a) => a.id === id), 1);
      secrets.delete(id);
    }),
  });
  return { backend, accounts, secrets };
}
