/**
 * A set of 64-bit state hashes (two 32-bit lanes) in one open-addressing Int32Array: 8 bytes a
 * slot, at most half full, so a stored state costs 16–32 bytes here and allocates nothing.
 */

/**
 * Two lanes of FNV-1a-style multiply–xor over the 32-bit words `words[from, to)`, each finished
 * by an avalanche: the 64-bit hash of one segment of a state (codec.ts). Each lane runs as two
 * chains, over the even and the odd words, so that the multiplies of a word pair overlap.
 */
export function hashRange(words: Int32Array, from: number, to: number): { h1: number; h2: number } {
  const length = to - from;
  let a1 = 0x811c9dc5 ^ length;
  let b1 = 0x050c5d1f;
  let a2 = 0x9e3779b9 ^ Math.imul(length, 0x85ebca6b);
  let b2 = 0x1b873593;
  let i = from;
  for (; i + 1 < to; i += 2) {
    const w0 = words[i];
    const w1 = words[i + 1];
    a1 = Math.imul(a1 ^ w0, 0x01000193);
    b1 = Math.imul(b1 ^ w1, 0x01000193);
    a2 = Math.imul(a2 ^ w0, 0x5bd1e995);
    a2 ^= a2 >>> 15;
    b2 = Math.imul(b2 ^ w1, 0x5bd1e995);
    b2 ^= b2 >>> 15;
  }
  if (i < to) {
    const w = words[i];
    a1 = Math.imul(a1 ^ w, 0x01000193);
    a2 = Math.imul(a2 ^ w, 0x5bd1e995);
    a2 ^= a2 >>> 15;
  }
  // The odd chain joins the even one as one more (mixed) word.
  return finish(
    Math.imul(a1 ^ Math.imul(b1 ^ (b1 >>> 16), 0x85ebca6b), 0x01000193),
    Math.imul(a2 ^ Math.imul(b2 ^ (b2 >>> 13), 0xc2b2ae35), 0x5bd1e995),
  );
}

/**
 * A state's 64-bit hash from its segments' (h1[k], h2[k]), k < n, as hashRange makes them: a
 * segment the step left as it was keeps its hash, and only the changed ones are hashed again.
 */
export function hashSegments(h1s: Int32Array, h2s: Int32Array, n: number): { h1: number; h2: number } {
  let h1 = 0x811c9dc5 ^ n;
  let h2 = 0x9e3779b9 ^ Math.imul(n, 0x85ebca6b);
  for (let k = 0; k < n; k++) {
    h1 = Math.imul(h1 ^ h1s[k], 0x01000193);
    h1 ^= h1 >>> 13;
    h2 = Math.imul(h2 ^ h2s[k], 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return finish(h1, h2);
}

function finish(a: number, b: number): { h1: number; h2: number } {
  let h1 = a;
  let h2 = b;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0x27d4eb2f);
  h2 ^= h2 >>> 15;
  HASH.h1 = h1 | 0;
  HASH.h2 = h2 | 0;
  return HASH;
}
/** The one result object the hashes fill (no allocation per state). */
const HASH = { h1: 0, h2: 0 };

/** Slots of HashSet's cache of recent hashes. */
const RECENT = 1 << 12;

export class HashSet {
  /** Pairs (h1, h2); (0, 0) marks an empty slot (a real (0, 0) hash is stored as (0, 1)). */
  private slots: Int32Array;
  /**
   * The hashes added or found last, direct-mapped: most states a search meets again it met
   * shortly before, and this small table answers them without a cache miss in the large one.
   * Everything in it is in the set.
   */
  private readonly recent = new Int32Array(RECENT * 2);
  private mask: number;
  size = 0;

  constructor(capacityPow2 = 1 << 16) {
    this.slots = new Int32Array(capacityPow2 * 2);
    this.mask = capacityPow2 - 1;
  }

  /** Bytes the table holds. */
  get bytes(): number {
    return this.slots.byteLength + this.recent.byteLength;
  }

  /** Adds the hash; returns false when it was already there. */
  add(h1: number, h2In: number): boolean {
    const h2 = h1 === 0 && h2In === 0 ? 1 : h2In;
    const r = ((h1 ^ (h2 >>> 7)) & (RECENT - 1)) * 2;
    const recent = this.recent;
    if (recent[r] === h1 && recent[r + 1] === h2) return false;
    recent[r] = h1;
    recent[r + 1] = h2;
    const slots = this.slots;
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = slots[i * 2];
      const b = slots[i * 2 + 1];
      if (a === 0 && b === 0) break;
      if (a === h1 && b === h2) return false;
      i = (i + 1) & this.mask;
    }
    slots[i * 2] = h1;
    slots[i * 2 + 1] = h2;
    if (++this.size * 2 > this.mask + 1) this.grow();
    return true;
  }

  has(h1: number, h2In: number): boolean {
    const h2 = h1 === 0 && h2In === 0 ? 1 : h2In;
    const slots = this.slots;
    let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = slots[i * 2];
      const b = slots[i * 2 + 1];
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    const slots = this.slots;
    for (let j = 0; j < old.length; j += 2) {
      const h1 = old[j];
      const h2 = old[j + 1];
      if (h1 === 0 && h2 === 0) continue;
      let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
      while (slots[i * 2] !== 0 || slots[i * 2 + 1] !== 0) i = (i + 1) & this.mask;
      slots[i * 2] = h1;
      slots[i * 2 + 1] = h2;
    }
  }
}
