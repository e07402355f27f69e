import type { Component } from 'svelte';

/**
 * A component kept out of the first bundle: `load()` imports it on first use and hands back the same promise
 * afterwards; a failed import is tried again on the next use. Nothing is preloaded: each page loaded
 * stays in the web process's memory, and a page from the app's own binary loads in milliseconds.
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
  return { load };
}
