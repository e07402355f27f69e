export type Page = 'machines' | 'accounts' | 'consoles' | 'settings';

export const pages: { id: Page; label: string; icon: string }[] = [
  { id: 'machines', label: 'Machines', icon: '▤' },
  { id: 'accounts', label: 'Accounts', icon: '◎' },
  { id: 'consoles', label: 'Consoles', icon: '▸' },
  { id: 'settings', label: 'Settings', icon: '⚙' },
];
