/**
 * 256-bit vector sets, laid out like the LAPIC's IRR/ISR/TMR: eight 32-bit registers,
 * vector V in register V >> 5, bit V & 31 (R2.2).
 */
import { hex } from './hex.ts';

export type Bitmap = Uint32Array;

export function bitmapNew(): Bitmap {
  return new Uint32Array(8);
}

export function bitmapFrom(vectors: Iterable<number>): Bitmap {
  const b = bitmapNew();
  for (const v of vectors) bitmapSet(b, v);
  return b;
}

export function bitmapSet(b: Bitmap, v: number): void {
  b[v >>> 5] |= 1 << (v & 31);
}

export function bitmapClear(b: Bitmap, v: number): void {
  b[v >>> 5] &= ~(1 << (v & 31));
}

export function bitmapTest(b: Bitmap, v: number): boolean {
  return (b[v >>> 5] & (1 << (v & 31))) !== 0;
}

/** Highest set vector, or -1 (KVM: lapic.c apic_find_highest_vector()). */
export function bitmapHighest(b: Bitmap): number {
  for (let r = 7; r >= 0; r--) {
    const w = b[r];
    if (w !== 0) return (r << 5) + 31 - Math.clz32(w);
  }
  return -1;
}

export function bitmapIsEmpty(b: Bitmap): boolean {
  return (b[0] | b[1] | b[2] | b[3] | b[4] | b[5] | b[6] | b[7]) === 0;
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
