import '@testing-library/jest-dom/vitest';

// jsdom has no layout, so no ResizeObserver (Svelte's bind:clientHeight uses one); sizes stay 0 there.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

// jsdom draws no canvas (and logs "not implemented" for each try): charts get no context, as a browser
// without one would give them.
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
