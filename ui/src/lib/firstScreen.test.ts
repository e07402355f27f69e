import { describe, expect, it, vi } from 'vitest';
import { askFirstScreen, settledWithin } from './firstScreen';
import { fakeBackend } from '../test/fakeBackend';

describe('the first screen asked for before mounting', () => {
  it('asks for the accounts and the kept fleet once each', () => {
    const backend = fakeBackend();
    askFirstScreen(backend);
    expect(backend.listAccounts).toHaveBeenCalledTimes(1);
    expect(backend.cachedMachines).toHaveBeenCalledTimes(1);
  });

  it('waits for both answers, failed ones included', async () => {
    const backend = fakeBackend({ cachedMachines: vi.fn(async () => Promise.reject({ code: 'internal', message: 'x', details: null })) });
    const data = askFirstScreen(backend);
    await expect(settledWithin(data, 60_000)).resolves.toBeUndefined();
    await expect(data.cached).rejects.toMatchObject({ code: 'internal' });
  });

  it('never waits past the cap for a keychain that does not answer', async () => {
    vi.useFakeTimers();
    try {
      const backend = fakeBackend({ listAccounts: vi.fn(() => new Promise<never>(() => {})) });
      let settled = false;
      settledWithin(askFirstScreen(backend), 300).then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(299);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
