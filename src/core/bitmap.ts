/**
 * 256-bit vector sets, laid out like the LAPIC's IRR/ISR/TMR: eight 32-bit registers,
 * vector V in register V >> 5, bit V & 31 (R2.2). A ninth word, SUMMARY, has bit R set while
 * register R is non-zero, so that the highest vector is found in constant time instead of by
 * scanning the registers down (KVM's apic_find_highest_vector() scans; the result is the same).
 * Every write goes through the functions below, which keep it.
 */
import { hex } from './hex.ts';

export type Bitmap = Uint32Array;

const SUMMARY = 8;

export function bitmapNew(): Bitmap {
  return new Uint32Array(9);
}

export function bitmapFrom(vectors: Iterable<number>): Bitmap {
  const b = bitmapNew();
  for (const v of vectors) bitmapSet(b, v);
  return b;
}

// `1 << v` is `1 << (v & 31)`: a shift count is taken mod 32. Writing it so keeps these functions
// small enough that the JIT always inlines bitmapTest and has more room to inline the others.

export function bitmapSet(b: Bitmap, v: number): void {
  const r = v >>> 5;
  b[r] |= 1 << v;
  b[SUMMARY] |= 1 << r;
}

export function bitmapClear(b: Bitmap, v: number): void {
  const r = v >>> 5;
  const w = b[r] & ~(1 << v);
  b[r] = w;
  if (w === 0) b[SUMMARY] &= ~(1 << r);
}

export function bitmapTest(b: Bitmap, v: number): boolean {
  return (b[v >>> 5] & (1 << v)) !== 0;
}

/** Highest set vector, or -1 (KVM: lapic.c apic_find_highest_vector()). */
export function bitmapHighest(b: Bitmap): number {
  const summary = b[SUMMARY];
  if (summary === 0) return -1;
  const r = 31 - Math.clz32(summary);
  return (r << 5) + 31 - Math.clz32(b[r]);
}

export function bitmapIsEmpty(b: Bitmap): boolean {
  return b[SUMMARY] === 0;
}

export function bitmapZero(b: Bitmap): void {
  b.fill(0);
}

export function bitmapCopy(dst: Bitmap, src: Bitmap): void {
  dst.set(src);
}

/** The set vectors in ascending order. */
export function bitmapVectors(b: Bitmap): number[] {
  const out: number[] = [];
  for (let r = 0; r < 8; r++) {
    let w = b[r];
    while (w !== 0) {
      const bit = 31 - Math.clz32(w);
      out.push((r << 5) + bit);
      w &= ~(1 << bit);
    }
  }
  return out.sort((x, y) => x - y);
}

/** `{0x30, 0x62}`, the scenario language's set syntax. */
export function formatVectorSet(vectors: readonly number[]): string {
  return `{${vectors.map(hex).join(', ')}}`;
}
