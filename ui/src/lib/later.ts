import type { Component } from 'svelte';

/**
 * A component kept out of the first bundle: `load()` imports it on first use and hands back the same promise
 * afterwards; `preload()` starts that import early (after the first screen) and forgets a failure, so a page
 * that could not load says so when it is opened, not before.
 */
export function later<P extends Record<string, any>>(importer: () => Promise<{ default: Component<P> }>) {
  let loading: Promise<Component<P>> | undefined;
  const load = () => {
    loading ??= importer().then(
      (module) => module.default,
      (error) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  return { load, preload: () => void load().catch(() => {}) };
}
