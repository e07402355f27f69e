import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import QemuStatus from './QemuStatus.svelte';
import { fakeBackend } from '../../test/fakeBackend';

describe('QemuStatus', () => {
  it('names the accelerator and says when it is slow', async () => {
    const backend = fakeBackend({
      localQemuStatus: vi.fn(async () => ({ system: '/usr/bin/qemu-system-x86_64', img: '/usr/bin/qemu-img', accel: 'tcg', accel_note: 'Slow: no hardware acceleration (kvm: a test guest did not reach long mode within 3 s).', version: 'QEMU emulator version 10.0.2' })),
    });
    render(QemuStatus, { backend });
    expect(await screen.findByTestId('qemu-slow')).toHaveTextContent('Slow: no hardware acceleration');
    expect(screen.getByTestId('qemu-status')).toHaveTextContent('accelerator tcg');
  });

  it('shows the one install command when QEMU is missing', async () => {
    const backend = fakeBackend({
      localQemuStatus: vi.fn(async () => {
        throw { code: 'not_found', message: 'QEMU is not installed on this computer.', details: { install: 'brew install qemu' } };
      }),
    });
    render(QemuStatus, { backend });
    expect(await screen.findByTestId('qemu-install')).toHaveTextContent('brew install qemu');
    expect(screen.queryByTestId('qemu-slow')).toBeNull();
  });
});
