export type Page = 'machines' | 'costs' | 'sizes' | 'accounts' | 'consoles' | 'activity' | 'settings';

export const pages: { id: Page; label: string; icon: string }[] = [
  { id: 'machines', label: 'Machines', icon: '▤' },
  { id: 'costs', label: 'Costs', icon: '¤' },
  { id: 'sizes', label: 'Sizes', icon: '⇅' },
  { id: 'accounts', label: 'Accounts', icon: '◎' },
  { id: 'consoles', label: 'Consoles', icon: '▸' },
  { id: 'activity', label: 'Activity', icon: '≡' },
  { id: 'settings', label: 'Settings', icon: '⚙' },
];

// The page the user left the app on comes back with the window.
const LAST_PAGE = 'vmdeck.lastPage';

export function pageAtStart(): Page {
  const saved = localStorage.getItem(LAST_PAGE);
  return pages.some((p) => p.id === saved) ? (saved as Page) : 'machines';
}

export function rememberPage(page: Page) {
  localStorage.setItem(LAST_PAGE, page);
}
