import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell serves ui/dist (tauri.conf.json `frontendDist`); `npm run dev` serves the same UI
// in a plain browser, where src/lib/backend.ts reports that no Rust backend is attached.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // Svelte's client build (not its server one) for component tests under jsdom.
  resolve: { conditions: ['browser'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.ts'],
  },
});
