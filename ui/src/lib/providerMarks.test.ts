import { describe, expect, it } from 'vitest';
import { contrast, luminance, markOf } from './providerMarks';

describe('provider marks', () => {
  it('gives each backend its own letter, on the account colour', () => {
    const letters = (['enclaive', 'hyperstack', 'lunanode', 'cloudvm', 'local'] as const).map((k) => markOf(k, '#2f6fde').letter);
    expect(new Set(letters).size).toBe(5);
    expect(markOf('hyperstack', '#2f6fde')).toMatchObject({ letter: 'H', background: '#2f6fde', name: 'Hyperstack' });
  });

  it('writes in black or white, whichever contrasts more, and falls back for a colour it cannot read', () => {
    expect(markOf('lunanode', '#ffeb3b').foreground).toBe('#000000');
    expect(markOf('lunanode', '#1b1f24').foreground).toBe('#ffffff');
    const odd = markOf('cloudvm', 'rebeccapurple');
    expect(odd.background).toBe('#5b6573');
    // Every mark's letter reaches at least AA for large text (3:1) on any colour.
    for (let v = 0; v < 256; v += 15) {
      const hex = `#${v.toString(16).padStart(2, '0').repeat(3)}`;
      const mark = markOf('enclaive', hex);
      expect(contrast(luminance(mark.background)!, luminance(mark.foreground)!)).toBeGreaterThanOrEqual(3);
    }
  });
});
