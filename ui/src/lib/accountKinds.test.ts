import { describe, expect, it } from 'vitest';
import { colors, nextColor } from './accountKinds';

describe('account colours', () => {
  it('gives a new account the first colour no account has, and cycles once all are taken', () => {
    expect(nextColor([])).toBe(colors[0]);
    expect(nextColor([colors[0], colors[2]])).toBe(colors[1]);
    expect(nextColor([...colors])).toBe(colors[0]);
    expect(nextColor([...colors, colors[0]])).toBe(colors[1]);
  });
});
