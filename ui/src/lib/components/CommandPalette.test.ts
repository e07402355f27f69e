import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import CommandPalette from './CommandPalette.svelte';
import type { Entry } from '../palette';

const entries: Entry[] = [
  { id: 'page:settings', title: 'Go to Settings', hint: 'Page', intent: { kind: 'page', page: 'settings' } },
  { id: 'ssh:l/1', title: 'ssh web-1', hint: 'Toronto', intent: { kind: 'vm', action: 'ssh', accountId: 'l', vmId: '1' } },
  { id: 'stop:l/1', title: 'Stop web-1', hint: 'Toronto', intent: { kind: 'vm', action: 'stop', accountId: 'l', vmId: '1' } },
  {
    id: 'stop-all:l', title: 'Stop all in Toronto', hint: '2 running', confirm: 'Stop 2 running VMs in Toronto?',
    intent: { kind: 'all', action: 'stop', accountId: 'l', vmIds: ['1', '2'] },
  },
];

function open() {
  const onrun = vi.fn();
  const onclose = vi.fn();
  render(CommandPalette, { entries, onrun, onclose });
  return { onrun, onclose, input: screen.getByRole('combobox', { name: 'Command' }) };
}

describe('CommandPalette', () => {
  it('is a labelled dialog with the field focused, and runs the best match with Enter', async () => {
    const { onrun, input } = open();
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeInTheDocument();
    expect(input).toHaveFocus();
    await userEvent.keyboard('web-1');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['ssh web-1 Toronto', 'Stop web-1 Toronto']);
    expect(input).toHaveAttribute('aria-activedescendant', 'palette-0');
    await userEvent.keyboard('{ArrowDown}');
    expect(screen.getAllByRole('option')[1]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{Enter}');
    expect(onrun).toHaveBeenCalledWith({ kind: 'vm', action: 'stop', accountId: 'l', vmId: '1' });
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
    expect(onrun).toHaveBeenCalledWith(entries[3].intent);
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
