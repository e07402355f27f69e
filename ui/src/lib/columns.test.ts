import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, gridTemplate, overflowing, type ColumnPrefs, loadPrefs, MACHINE_COLUMNS, resized, savePrefs, visibleColumns } from './columns';

const memory = () => {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
};

describe('machine columns', () => {
  it('lays out every column by default, each at least its minimum, actions last', () => {
    const template = gridTemplate(DEFAULT_PREFS);
    expect(template.split(' minmax')).toHaveLength(MACHINE_COLUMNS.length + 1);
    expect(template).toMatch(/^28px minmax\(120px, 200fr\)/);
    expect(template).toMatch(/ 132px$/);
  });

  it('hides columns, resizes one, and keeps all of it across a restart', () => {
    const storage = memory();
    const size = MACHINE_COLUMNS.find((c) => c.id === 'size')!;
    let prefs: ColumnPrefs = { ...resized(DEFAULT_PREFS, size, 1.5), hidden: ['region'], compact: true };
    savePrefs(prefs, storage);
    prefs = loadPrefs(storage);
    expect(prefs.widths.size).toBe(225);
    expect(visibleColumns(prefs).map((c) => c.id)).not.toContain('region');
    expect(prefs.compact).toBe(true);
    expect(gridTemplate(prefs)).toContain('minmax(84px, 225fr)');
  });

  it('ignores what it cannot use: unknown columns, bad widths, columns that may not hide, broken JSON', () => {
    const storage = memory();
    storage.setItem('vmdeck.machineColumns', JSON.stringify({ widths: { name: -5, size: 'wide', bogus: 10, age: 60 }, hidden: ['name', 'state', 'ip', 'x'], compact: 'yes' }));
    expect(loadPrefs(storage)).toEqual({ widths: { age: 60 }, hidden: ['ip'], compact: false });
    storage.setItem('vmdeck.machineColumns', '{not json');
    expect(loadPrefs(storage)).toEqual(DEFAULT_PREFS);
  });

  it('lets the least useful columns go when the table is too narrow, and keeps name and state', () => {
    expect(overflowing(DEFAULT_PREFS, 1200)).toEqual([]);
    expect(overflowing(DEFAULT_PREFS, 0)).toEqual([]);
    const narrow = overflowing(DEFAULT_PREFS, 520);
    expect(narrow.slice(0, 2)).toEqual(['age', 'region']);
    expect(visibleColumns(DEFAULT_PREFS, overflowing(DEFAULT_PREFS, 100)).map((c) => c.id)).toEqual(['name', 'state']);
    // A column the user hid is not counted twice.
    expect(overflowing({ ...DEFAULT_PREFS, hidden: ['age'] }, 520)[0]).toBe('region');
    expect(gridTemplate(DEFAULT_PREFS, ['age'])).not.toContain('minmax(44px');
  });

  it('never shrinks a column to nothing', () => {
    const age = MACHINE_COLUMNS.find((c) => c.id === 'age')!;
    let prefs = DEFAULT_PREFS;
    for (let i = 0; i < 50; i++) prefs = resized(prefs, age, 0.5);
    expect(prefs.widths.age).toBeGreaterThanOrEqual(age.min / 4);
  });
});
