import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitmapClear,
  bitmapFrom,
  bitmapHighest,
  bitmapIsEmpty,
  bitmapNew,
  bitmapSet,
  bitmapTest,
  bitmapVectors,
  formatVectorSet,
} from './bitmap.ts';

describe('bitmap (R2.2)', () => {
  it('places vector V in register V >> 5, bit V & 31', () => {
    const b = bitmapNew();
    bitmapSet(b, 0x62);
    expect(b[3]).toBe(1 << 2);
    bitmapSet(b, 0xff);
    expect(b[7] >>> 0).toBe(0x80000000);
  });

  it('finds the highest set vector, scanning from register 7 down (apic_find_highest_vector)', () => {
    expect(bitmapHighest(bitmapNew())).toBe(-1);
    expect(bitmapHighest(bitmapFrom([0x31, 0x62, 0x45]))).toBe(0x62);
    expect(bitmapHighest(bitmapFrom([0, 255]))).toBe(255);
  });

  it('agrees with a Set model on random operations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 255 })), { maxLength: 200 }),
        (ops) => {
          const b = bitmapNew();
          const model = new Set<number>();
          for (const [set, v] of ops) {
            if (set) {
              bitmapSet(b, v);
              model.add(v);
            } else {
              bitmapClear(b, v);
              model.delete(v);
            }
          }
          const sorted = [...model].sort((x, y) => x - y);
          expect(bitmapVectors(b)).toEqual(sorted);
          expect(bitmapHighest(b)).toBe(sorted.length ? sorted[sorted.length - 1] : -1);
          expect(bitmapIsEmpty(b)).toBe(sorted.length === 0);
          // The summary word: bit R while register R is non-zero.
          for (let r = 0; r < 8; r++) expect(((b[8] >>> r) & 1) === 1).toBe(b[r] !== 0);
          for (let v = 0; v < 256; v += 17) expect(bitmapTest(b, v)).toBe(model.has(v));
        },
      ),
    );
  });

  it('formats sets in the scenario language notation', () => {
    expect(formatVectorSet([])).toBe('{}');
    expect(formatVectorSet([0x30, 0x62])).toBe('{0x30, 0x62}');
  });
});
