import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import CommandPalette from './CommandPalette.svelte';
import type { AccountView, Vm } from '../bindings';
import type { Row } from '../machines';

const toronto = { id: 'l', label: 'Toronto', color: '#123456', has_secret: true } as unknown as AccountView;
const vm = (id: string, name: string) =>
  ({ id, name, provider: 'lunanode', state: 'running', raw_state: 'active', region: null, image: null, created: null, labels: [], security_rules: [], ssh_port: 22, extra: null, flavor: null, addresses: [] }) as unknown as Vm;
const rows: Row[] = [{ vm: vm('1', 'web-1'), accountId: 'l', account: toronto }, { vm: vm('2', 'web-2'), accountId: 'l', account: toronto }];

function open() {
  const onrun = vi.fn();
  const onclose = vi.fn();
  render(CommandPalette, { accounts: [toronto], rows, onrun, onclose });
  return { onrun, onclose, input: screen.getByRole('combobox', { name: 'Command' }) };
}

describe('CommandPalette', () => {
  it('is a labelled dialog with the field focused, and runs the best match with Enter', async () => {
    const { onrun, input } = open();
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeInTheDocument();
    expect(input).toHaveFocus();
    await userEvent.keyboard('ssh web');
    const options = screen.getAllByRole('option').map((o) => o.textContent);
    // Each VM entry starts with its provider mark (L: Lunanode), hidden from screen readers.
    expect([...options].sort()).toEqual(['L ssh web-1 Toronto', 'L ssh web-2 Toronto']);
    expect(screen.getAllByTestId('provider-mark').every((m) => m.getAttribute('aria-hidden') === 'true')).toBe(true);
    expect(input).toHaveAttribute('aria-activedescendant', 'palette-0');
    await userEvent.keyboard('{ArrowDown}');
    expect(screen.getAllByRole('option')[1]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{Enter}');
    // Equal matches come in either order: the second one shown is the one run.
    expect(onrun).toHaveBeenCalledWith({ kind: 'vm', action: 'ssh', accountId: 'l', vmId: options[1]!.includes('web-2') ? '2' : '1' });
  });

  it('asks before an action on many VMs, and Esc steps back, then closes', async () => {
    const { onrun, onclose } = open();
    await userEvent.keyboard('stop all');
    await userEvent.keyboard('{Enter}');
    expect(onrun).not.toHaveBeenCalled();
    expect(screen.getByTestId('palette-confirm')).toHaveTextContent('Stop 2 running VMs in Toronto? Enter to confirm');
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByTestId('palette-confirm')).toBeNull();
    expect(onclose).not.toHaveBeenCalled();
    await userEvent.keyboard('{Enter}{Enter}');
    expect(onrun).toHaveBeenCalledWith({ kind: 'all', action: 'stop', accountId: 'l', vmIds: ['1', '2'] });
    await userEvent.keyboard('{Escape}');
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('keeps focus in the field on Tab and says when nothing matches', async () => {
    const { input } = open();
    await userEvent.keyboard('zzzz');
    expect(screen.getByRole('option')).toHaveTextContent('Nothing matches “zzzz”.');
    await userEvent.tab();
    expect(input).toHaveFocus();
  });
});
