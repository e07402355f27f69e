import { describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { tauriBackend } = await import('./backend');

describe('tauriBackend', () => {
  it('invokes the Rust command by name', async () => {
    invoke.mockResolvedValueOnce({ name: 'vmdeck' });
    await expect(tauriBackend.appInfo()).resolves.toEqual({ name: 'vmdeck' });
    expect(invoke).toHaveBeenCalledWith('app_info', undefined);
  });

  it('passes a Rust AppError on as a plain {code, message, details}', async () => {
    invoke.mockRejectedValueOnce({ code: 'keychain_locked', message: 'Unlock it.', details: { cause: 'x' }, extra: 1 });
    const err = await tauriBackend.appInfo().catch((e) => e);
    expect(err).toStrictEqual({ code: 'keychain_locked', message: 'Unlock it.', details: { cause: 'x' } });
  });

  it('does not mistake a DOMException (numeric code) for an AppError', async () => {
    invoke.mockRejectedValueOnce(new DOMException('could not be cloned', 'DataCloneError'));
    const err = await tauriBackend.appInfo().catch((e) => e);
    expect(err).toMatchObject({ code: 'internal', message: 'could not be cloned' });
  });

  it('turns a bare IPC string into an internal error instead of leaking text to parse', async () => {
    invoke.mockRejectedValueOnce('Command app_info not allowed by ACL');
    const err = await tauriBackend.appInfo().catch((e) => e);
    expect(err).toMatchObject({ code: 'internal', message: 'Command app_info not allowed by ACL' });
    expect(err.details).toEqual({ source: 'ipc' });
  });
});
