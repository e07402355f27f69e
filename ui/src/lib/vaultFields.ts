// The Vault field mapping as the Settings page shows it. The engine's FieldMapping::apply takes the
// roles in this order and each field once, so the preview here does the same.
import type { FieldMapping } from './bindings';

export const fieldRoles: { key: keyof FieldMapping; label: string }[] = [
  { key: 'username', label: 'User name' },
  { key: 'password', label: 'Password' },
  { key: 'private_key', label: 'SSH private key' },
  { key: 'passphrase', label: 'Key passphrase' },
  { key: 'vnc_password', label: 'VNC password' },
];

/** The engine's defaults (vault/credentials.rs). */
export function defaultFields(): FieldMapping {
  return {
    username: ['username', 'user', 'login'],
    password: ['password', 'pass'],
    private_key: ['ssh_private_key', 'private_key', 'id_ed25519', 'id_rsa', 'key'],
    passphrase: ['passphrase', 'key_passphrase'],
    vnc_password: ['vnc_password', 'vnc'],
  };
}

/** Which fetched field each role would use. */
export function mappedFields(mapping: FieldMapping, present: string[]): { role: string; label: string; field: string | null }[] {
  const left = new Set(present);
  return fieldRoles.map(({ key, label }) => {
    const field = mapping[key].find((name) => left.has(name)) ?? null;
    if (field) left.delete(field);
    return { role: key, label, field };
  });
}
