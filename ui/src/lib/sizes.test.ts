import { describe, expect, it } from 'vitest';
import { filterSizes, parseSizeFilter, sizeRow, sortSizes } from './sizes';
import type { Flavor } from './bindings';

const flavor = (name: string, vcpu: number, ram: number, perHour: number | null, currency: string | null, gpu: string | null = null, gpus = 0): Flavor => ({
  id: name, name, region: 'CANADA-1', vcpu, ram_gb: ram, disk_gb: 100, gpu, gpu_count: gpus, available: true,
  price: perHour == null && currency == null ? null : { per_hour: perHour, per_month: null, currency, as_given: null },
});

const rows = [
  sizeRow('h', 'Hyperstack lab', flavor('n3-A100x1', 28, 120, 1.35, null, 'A100-80G-PCIe', 1)),
  sizeRow('h', 'Hyperstack lab', flavor('n3-A100x2', 56, 240, 2.7, null, 'A100-80G-PCIe', 2)),
  sizeRow('e', 'enclaive team', flavor('small', 2, 4, 0.04, 'EUR')),
  sizeRow('e', 'enclaive team', flavor('big', 16, 64, 0.5, 'EUR')),
  sizeRow('l', 'Toronto', flavor('m.4', 4, 4, null, null)),
];

describe('compare sizes', () => {
  it('reads "≥ 8 vCPU, ≥ 32 GB, A100" as minimums and words', () => {
    expect(parseSizeFilter('≥ 8 vCPU, ≥ 32 GB, A100')).toEqual({ minVcpu: 8, minRamGb: 32, minGpus: null, words: ['a100'] });
    expect(parseSizeFilter('>=2 gpus canada')).toEqual({ minVcpu: null, minRamGb: null, minGpus: 2, words: ['canada'] });
    expect(parseSizeFilter('')).toEqual({ minVcpu: null, minRamGb: null, minGpus: null, words: [] });
  });

  it('filters by the minimums and by name, GPU, region or account', () => {
    const names = (q: string) => filterSizes(rows, parseSizeFilter(q)).map((r) => r.flavor.name);
    expect(names('≥ 8 vCPU, ≥ 32 GB, A100')).toEqual(['n3-A100x1', 'n3-A100x2']);
    expect(names('≥ 2 GPUs')).toEqual(['n3-A100x2']);
    expect(names('16 vcpu enclaive')).toEqual(['big']);
    expect(names('toronto')).toEqual(['m.4']);
  });

  it('sorts cheapest first within each currency, sizes without a price last', () => {
    expect(sortSizes(rows).map((r) => r.flavor.name)).toEqual(['n3-A100x1', 'n3-A100x2', 'small', 'big', 'm.4']);
  });

  it('derives month, per-vCPU and per-GB prices in the given currency', () => {
    const small = rows[2];
    expect(small.perMonth).toBeCloseTo(29.2);
    expect(small.perVcpu).toBeCloseTo(0.02);
    expect(small.perGbRam).toBeCloseTo(0.01);
    expect(small.currency).toBe('EUR');
    expect(rows[4]).toMatchObject({ perHour: null, perMonth: null, perVcpu: null });
  });
});
