// The Machines table's columns (issue 19): which are shown, how wide, and how dense the rows are, kept on
// this computer. Widths are weights: the columns share the table's width in their proportions and never go
// below their minimum, so the table always fits and no column stands half empty.
import type { SortKey } from './machines';

export type ColumnId = 'name' | 'account' | 'state' | 'ip' | 'region' | 'size' | 'price' | 'age';

export interface ColumnSpec {
  id: ColumnId;
  label: string;
  sort?: SortKey;
  /** Never narrower (px): state, address and the like must not be cut. */
  min: number;
  /** The default weight, about its width in px at 1200 px. */
  width: number;
  /** Name and state are always shown. */
  hideable: boolean;
}

export const MACHINE_COLUMNS: ColumnSpec[] = [
  { id: 'name', label: 'Name', sort: 'name', min: 120, width: 200, hideable: false },
  { id: 'account', label: 'Account', sort: 'account', min: 96, width: 160, hideable: true },
  { id: 'state', label: 'State', sort: 'state', min: 78, width: 78, hideable: false },
  { id: 'ip', label: 'Public IP', min: 110, width: 110, hideable: true },
  { id: 'region', label: 'Region', sort: 'region', min: 56, width: 90, hideable: true },
  { id: 'size', label: 'Size', min: 84, width: 150, hideable: true },
  { id: 'price', label: 'Price', sort: 'price', min: 60, width: 90, hideable: true },
  { id: 'age', label: 'Age', sort: 'age', min: 44, width: 50, hideable: true },
];

export interface ColumnPrefs {
  widths: Partial<Record<ColumnId, number>>;
  hidden: ColumnId[];
  compact: boolean;
}

const KEY = 'vmdeck.machineColumns';
export const DEFAULT_PREFS: ColumnPrefs = { widths: {}, hidden: [], compact: false };

/** The saved preferences; anything unreadable or unknown falls back to the defaults. */
export function loadPrefs(storage: Pick<Storage, 'getItem'> = localStorage): ColumnPrefs {
  try {
    const raw = JSON.parse(storage.getItem(KEY) ?? 'null');
    if (!raw || typeof raw !== 'object') return { ...DEFAULT_PREFS };
    const known = new Set(MACHINE_COLUMNS.map((c) => c.id));
    const widths: ColumnPrefs['widths'] = {};
    for (const [id, w] of Object.entries(raw.widths ?? {})) {
      if (known.has(id as ColumnId) && typeof w === 'number' && w > 0 && w < 5000) widths[id as ColumnId] = w;
    }
    const hideable = new Set(MACHINE_COLUMNS.filter((c) => c.hideable).map((c) => c.id));
    const hidden = Array.isArray(raw.hidden) ? raw.hidden.filter((id: unknown) => hideable.has(id as ColumnId)) : [];
    return { widths, hidden, compact: raw.compact === true };
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

export function savePrefs(prefs: ColumnPrefs, storage: Pick<Storage, 'setItem'> = localStorage) {
  try {
    storage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // A full or disabled storage only costs the remembered layout.
  }
}

export const visibleColumns = (prefs: ColumnPrefs, dropped: ColumnId[] = []) =>
  MACHINE_COLUMNS.filter((c) => !prefs.hidden.includes(c.id) && !dropped.includes(c.id));

/** The columns let go first when the table is too narrow for every shown column's minimum. */
const DROP_ORDER: ColumnId[] = ['age', 'region', 'price', 'size', 'ip', 'account'];
/** The select-box column and the actions column (px), before and after the ones above. */
const PICK_PX = 28;
const ACTIONS_PX = 132;
/** The row's padding on both sides, and the gap between cells (px; MachineTable's grid). */
const PADDING_PX = 16;
const GAP = 4;

/**
 * The shown columns that do not fit `width` (px) even at their minimum, least useful first: they leave the
 * table until it is wide enough again (a detail pane open beside it, a narrow window), rather than spill out
 * of it. Name and state always stay.
 */
export function overflowing(prefs: ColumnPrefs, width: number): ColumnId[] {
  if (!width) return [];
  let shown = visibleColumns(prefs);
  const need = () => PICK_PX + ACTIONS_PX + PADDING_PX + shown.reduce((sum, c) => sum + c.min + GAP, GAP);
  const dropped: ColumnId[] = [];
  for (const id of DROP_ORDER) {
    if (need() <= width) break;
    if (!shown.some((c) => c.id === id)) continue;
    shown = shown.filter((c) => c.id !== id);
    dropped.push(id);
  }
  return dropped;
}

export const widthOf = (prefs: ColumnPrefs, column: ColumnSpec) => prefs.widths[column.id] ?? column.width;

/** The grid of the header and every row: the checkbox, the visible columns, the actions. */
export function gridTemplate(prefs: ColumnPrefs, dropped: ColumnId[] = []): string {
  const columns = visibleColumns(prefs, dropped).map((c) => `minmax(${c.min}px, ${Math.round(widthOf(prefs, c))}fr)`);
  return [`${PICK_PX}px`, ...columns, `${ACTIONS_PX}px`].join(' ');
}

/** `column` made `factor` times as wide (a drag or an arrow key), within sane bounds. */
export function resized(prefs: ColumnPrefs, column: ColumnSpec, factor: number): ColumnPrefs {
  const width = Math.min(2000, Math.max(column.min / 4, widthOf(prefs, column) * factor));
  return { ...prefs, widths: { ...prefs.widths, [column.id]: width } };
}

export const ROW_HEIGHT = { comfortable: 40, compact: 30 };
