import '@testing-library/jest-dom/vitest';

// jsdom has no layout, so no ResizeObserver (Svelte's bind:clientHeight uses one); sizes stay 0 there.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};
