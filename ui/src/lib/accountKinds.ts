// What the account form shows for each backend: its fields, defaults and the name of its secret.
import type { AccountDraft, AccountSettings, AccountView, ProviderKind } from './bindings';

export interface FieldSpec {
  key: string;
  label: string;
  placeholder?: string;
  help?: string;
  optional?: boolean;
}

export interface KindSpec {
  kind: ProviderKind;
  title: string;
  secretLabel: string;
  fields: FieldSpec[];
  defaults: AccountSettings;
}

export const kinds: KindSpec[] = [
  {
    kind: 'hyperstack',
    title: 'Hyperstack',
    secretLabel: 'API key',
    fields: [
      { key: 'base_url', label: 'API address' },
      { key: 'default_environment', label: 'Default environment', optional: true },
    ],
    defaults: { kind: 'hyperstack', base_url: 'https://infrahub-api.nexgencloud.com/v1', default_environment: null },
  },
  {
    kind: 'lunanode',
    title: 'Lunanode',
    secretLabel: 'API key',
    fields: [
      { key: 'base_url', label: 'API address' },
      { key: 'api_id', label: 'API ID', placeholder: '16 characters' },
      { key: 'default_region', label: 'Default region', placeholder: 'toronto', optional: true },
    ],
    defaults: { kind: 'lunanode', base_url: 'https://dynamic.lunanode.com', api_id: '', default_region: null },
  },
  {
    kind: 'enclaive',
    title: 'enclaive Multi-Cloud Platform',
    secretLabel: 'Password',
    fields: [
      { key: 'base_url', label: 'API address', placeholder: 'https://…' },
      { key: 'email', label: 'Email' },
      { key: 'team_id', label: 'Team ID' },
      { key: 'project_id', label: 'Project ID' },
      {
        key: 'vault_address',
        label: 'Team’s Vault address',
        placeholder: 'https://vault.…',
        help: 'enclaive’s sign-in hands out a token for your team’s Vault: with its address here, SSH reads the VMs’ root logins from it with no other Vault set up.',
        optional: true,
      },
    ],
    defaults: { kind: 'enclaive', base_url: '', sign_in: 'password', email: '', team_id: '', project_id: '', vault_address: null },
  },
  {
    kind: 'cloudvm',
    title: 'Cloud VM API',
    secretLabel: 'Secret key',
    fields: [
      { key: 'base_url', label: 'Server address', placeholder: 'http://localhost:8080' },
      { key: 'access_key', label: 'Access key' },
      { key: 'environment', label: 'Environment', help: 'A name from the server’s environments.json' },
      { key: 'machine_types', label: 'Machine types', help: 'Comma-separated names from machinetypes.json', optional: true },
      {
        key: 'ssh_host_template',
        label: 'SSH host template',
        placeholder: '{name}.lab.example',
        help: 'The server reports no addresses: each VM’s SSH host from its {name} or {id}. A host saved in the SSH dialog wins.',
        optional: true,
      },
    ],
    defaults: { kind: 'cloudvm', base_url: 'http://localhost:8080', access_key: '', environment: '', machine_types: [], ssh_host_template: null },
  },
  {
    kind: 'local',
    title: 'This computer',
    secretLabel: '',
    fields: [],
    defaults: { kind: 'local' },
  },
];

/** Whether accounts of this kind sign in with a secret (everything but This computer). */
export function needsSecret(kind: ProviderKind): boolean {
  return kind !== 'local';
}

export function kindSpec(kind: ProviderKind): KindSpec {
  return kinds.find((k) => k.kind === kind)!;
}

export const colors = ['#2f6fde', '#22884a', '#c2410c', '#9333ea', '#0e7490', '#b91c1c'];

/** A new account's colour: the first one no account has yet, so accounts tell apart in the Machines list. */
export function nextColor(taken: string[]): string {
  return colors.find((c) => !taken.includes(c)) ?? colors[taken.length % colors.length];
}

export function emptyDraft(kind: ProviderKind, color = colors[0]): AccountDraft {
  return {
    label: '',
    color,
    settings: structuredClone(kindSpec(kind).defaults),
    vault_path_template: kind === 'enclaive' ? 'enclaive-static/data/{teamId}/user/root' : null,
    proxy: null,
    ca_certificate_pem: null,
  };
}

export function draftOf(view: AccountView): AccountDraft {
  const { label, color, settings, vault_path_template, proxy, ca_certificate_pem } = view;
  return structuredClone({ label, color, settings, vault_path_template, proxy, ca_certificate_pem });
}

/** Reads a settings field as text for an input. */
export function fieldText(settings: AccountSettings, key: string): string {
  const value = (settings as Record<string, unknown>)[key];
  if (Array.isArray(value)) return value.join(', ');
  return value == null ? '' : String(value);
}

/** Writes an input's text back into the settings, with the field's type. */
export function setField(settings: AccountSettings, key: string, text: string, optional: boolean): AccountSettings {
  const next = { ...settings } as Record<string, unknown>;
  if (key === 'machine_types') {
    next[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
  } else {
    next[key] = optional && text.trim() === '' ? null : text;
  }
  return next as AccountSettings;
}
