import { mount } from 'svelte';
import App from './App.svelte';
import { tauriBackend } from './lib/backend';
import { askFirstScreen, settledWithin } from './lib/firstScreen';
import { pageAtStart } from './lib/navigation';
import { applyTheme, followSystemTheme } from './lib/theme';
import './app.css';

// Marks of the start path, logged with the first-screen line (firstScreen.ts, startMarks).
performance.mark('script');
// Before anything is painted: the first frame is already in the chosen theme.
applyTheme();
followSystemTheme();

// Machines is painted once, with the accounts and the last known fleet in it (lib/firstScreen.ts).
const firstScreen = pageAtStart() === 'machines' ? askFirstScreen(tauriBackend) : undefined;
(firstScreen ? settledWithin(firstScreen, 300) : Promise.resolve()).then(() => {
  performance.mark('answers');
  mount(App, { target: document.getElementById('app')!, props: { backend: tauriBackend, firstScreen } });
  performance.mark('mounted');
});
