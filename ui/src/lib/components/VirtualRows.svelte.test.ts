import { render } from '@testing-library/svelte';
import { createRawSnippet, flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import VirtualRows from './VirtualRows.svelte';

type Item = { id: string };
const row = createRawSnippet((item: () => Item) => ({
  render: () => `<div role="row"><button data-id="${item().id}">${item().id}</button></div>`,
  setup: (element) => {
    // The raw snippet renders once; keep its text in step as the slot is refilled, as a component would.
    const button = element.querySelector('button')!;
    $effect(() => {
      button.dataset.id = item().id;
      button.textContent = item().id;
    });
  },
}));
const items = (...ids: string[]) => ids.map((id) => ({ id }));

describe('VirtualRows', () => {
  it('refills its row slots in place and takes the focus back when the focused slot shows another item', async () => {
    const view = render(VirtualRows<Item>, { items: items('a', 'b', 'c'), key: (i: Item) => i.id, row, label: 'VMs' });
    const slots = () => [...view.container.querySelectorAll('button')];
    const [first] = slots();
    first.focus();

    // A new listing with the same items in the same places: the focus stays where it is.
    await view.rerender({ items: items('a', 'b', 'c') });
    flushSync();
    expect(document.activeElement).toBe(first);

    // Sorted the other way: the same element now shows another VM, so it must not keep the focus.
    await view.rerender({ items: items('c', 'b', 'a') });
    flushSync();
    expect(slots()[0]).toBe(first);
    expect(first.dataset.id).toBe('c');
    expect(document.activeElement).toBe(view.getByTestId('virtual-rows'));
  });
});
