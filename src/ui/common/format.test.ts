import { describe, expect, it } from 'vitest';
import { grouped } from './format.ts';

describe('grouped', () => {
  it('writes counts as toLocaleString("en-US") does', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 1_000_000, 4_294_967_295, 2 ** 53 - 1, -1234, 1.5])
      expect(grouped(n)).toBe(n.toLocaleString('en-US'));
    expect(grouped(1_234_567)).toBe('1,234,567');
  });
});
