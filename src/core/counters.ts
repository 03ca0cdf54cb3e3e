/** The counters of the scenario language (contract §7), with the filters each one carries. */

export type CounterFilter = 'cpu' | 'vector' | 'pin';

export const COUNTER_FILTERS = {
  injections: ['cpu', 'vector'],
  'eoi-writes': ['cpu'],
  'eoi-exits': ['cpu', 'vector'],
  'ioapic-eoi-exits': ['cpu', 'vector'],
  'eoi-broadcasts': ['cpu', 'vector'],
  'directed-eois': ['cpu', 'vector'],
  'needless-eoi-exits': ['cpu', 'vector'],
  scans: ['cpu'],
  reinjections: ['pin'],
  storms: ['pin'],
  'pv-eoi-elided': ['cpu'],
  'pv-eoi-applied': ['cpu'],
  exits: ['cpu'],
  'host-crashes': [],
  'empty-eois': ['cpu'],
} as const satisfies Record<string, readonly CounterFilter[]>;

export type CounterName = keyof typeof COUNTER_FILTERS;
/** In the contract's order, which totals and JSON follow. */
export const COUNTER_NAMES = Object.keys(COUNTER_FILTERS) as CounterName[];

/**
 * Each counter's number. The core counts by number (`countCpu(ctx, CTR.exits, …)`), so that
 * counting reads a constant instead of looking a name up. The counters with at most a cpu or a
 * pin filter come first: their number is their row in Counters.dense.
 */
export const CTR = {
  'eoi-writes': 0,
  scans: 1,
  'pv-eoi-elided': 2,
  'pv-eoi-applied': 3,
  exits: 4,
  'host-crashes': 5,
  'empty-eois': 6,
  reinjections: 7,
  storms: 8,
  injections: 9,
  'eoi-exits': 10,
  'ioapic-eoi-exits': 11,
  'eoi-broadcasts': 12,
  'directed-eois': 13,
  'needless-eoi-exits': 14,
} as const satisfies Record<CounterName, number>;

type Ctr = typeof CTR;
/** Counters filtered by cpu alone (or by nothing: counted with cpu -1). */
export type CpuCounter = Ctr[
  | 'eoi-writes'
  | 'scans'
  | 'pv-eoi-elided'
  | 'pv-eoi-applied'
  | 'exits'
  | 'host-crashes'
  | 'empty-eois'];
export type PinCounter = Ctr['reinjections' | 'storms'];
export type CpuVectorCounter = Ctr[
  | 'injections'
  | 'eoi-exits'
  | 'ioapic-eoi-exits'
  | 'eoi-broadcasts'
  | 'directed-eois'
  | 'needless-eoi-exits'];

/** Rows of Counters.dense: the cpu and pin counters. */
export const DENSE_ROWS = 9;
const FIRST_PIN_ROW = CTR.reinjections;

export interface CounterKey {
  cpu?: number;
  vector?: number;
  pin?: number;
}

/**
 * The counts, as numbers in typed arrays, so that counting allocates nothing and a clone is three
 * slices (the object structured-clones as it is). Counters filtered by at most a cpu or a pin are
 * dense: row CTR[name], indexed by that value + 1 (0 = counted without it). The counters filtered
 * by cpu and vector are sparse, in an open-addressing hash table whose key packs the counter and
 * its filter values (each +1), so that any filter combination can be summed.
 */
export interface Counters {
  /** DENSE_ROWS rows of `span` entries. */
  dense: Float64Array;
  span: number;
  /** Packed key + 1 per slot, 0 = empty; the length is a power of two, at most half full. */
  keys: Int32Array;
  counts: Float64Array;
  /** Slots in use. */
  used: number;
  /**
   * Per counter number, the sum of its counts (one more add per count): totals without a walk,
   * and a cheap "did it grow" for the lints.
   */
  totals: Float64Array;
}

/** totals[LOW_INJECTIONS]: the injections of vectors 0x00–0x0f (the low-vector lint's counter). */
export const LOW_INJECTIONS = 15;

const VECTOR_SPAN = 257; // vectors 0–255, +1
const CPU_SPAN = 4097; // vCPUs 0–4095, +1; 15 counters × this × 257 < 2^31
const INITIAL_SLOTS = 64;

/** Empty counters for a VM of `vcpus` vCPUs. */
export function countersNew(vcpus: number): Counters {
  const span = Math.max(vcpus, 24) + 1; // vCPUs or pins 0–23, +1
  return {
    dense: new Float64Array(DENSE_ROWS * span),
    span,
    keys: new Int32Array(INITIAL_SLOTS),
    counts: new Float64Array(INITIAL_SLOTS),
    used: 0,
    totals: new Float64Array(COUNTER_NAMES.length + 1),
  };
}

export function countersClone(c: Counters): Counters {
  return {
    dense: c.dense.slice(),
    span: c.span,
    keys: c.keys.slice(),
    counts: c.counts.slice(),
    used: c.used,
    totals: c.totals.slice(),
  };
}

/** Adds one to a counter filtered by cpu (-1 = without it). */
export function countersAddCpu(c: Counters, id: CpuCounter, cpu: number): void {
  c.dense[id * c.span + cpu + 1]++;
  c.totals[id]++;
}

/** Adds one to a counter filtered by pin. */
export function countersAddPin(c: Counters, id: PinCounter, pin: number): void {
  c.dense[id * c.span + pin + 1]++;
  c.totals[id]++;
}

/** The slot where a key's probe starts. */
function homeOf(keys: Int32Array, key: number): number {
  const h = Math.imul(key, 0x9e3779b1);
  return (h ^ (h >>> 15)) & (keys.length - 1);
}

/** The slot holding `key`, or the empty slot where it goes. */
function slotOf(keys: Int32Array, key: number): number {
  const mask = keys.length - 1;
  for (let h = homeOf(keys, key); ; h = (h + 1) & mask) {
    const k = keys[h];
    if (k === key || k === 0) return h;
  }
}

function grow(c: Counters): void {
  const { keys, counts } = c;
  c.keys = new Int32Array(keys.length * 2);
  c.counts = new Float64Array(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === 0) continue;
    const s = slotOf(c.keys, keys[i]);
    c.keys[s] = keys[i];
    c.counts[s] = counts[i];
  }
}

/** The slot of `key`, added if new: the rest of a probe that did not find it at home. */
function slotFor(c: Counters, key: number): number {
  let s = slotOf(c.keys, key);
  if (c.keys[s] !== 0) return s;
  if ((c.used + 1) * 2 > c.keys.length) {
    grow(c);
    s = slotOf(c.keys, key);
  }
  c.keys[s] = key;
  c.used++;
  return s;
}

/**
 * Adds one to a counter filtered by cpu and vector (-1 = without it). A key is nearly always
 * found in its home slot; the probe beyond it and the insertion are apart, so that what the JIT
 * inlines at every count stays small.
 */
export function countersAddCpuVector(c: Counters, id: CpuVectorCounter, cpu: number, vector: number): void {
  const key = (((id * CPU_SPAN + cpu + 1) * VECTOR_SPAN + vector + 1) | 0) + 1;
  let s = homeOf(c.keys, key);
  if (c.keys[s] !== key) s = slotFor(c, key);
  c.counts[s]++;
  c.totals[id]++;
  if (vector < 16 && id === CTR.injections) c.totals[LOW_INJECTIONS]++;
}

/** Sum of a counter over the entries that match every given filter. */
export function countersGet(c: Counters, name: CounterName, filter: CounterKey = {}): number {
  if (filter.cpu === undefined && filter.vector === undefined && filter.pin === undefined)
    return c.totals[CTR[name]];
  let sum = 0;
  countersForEach(c, name, (cpu, vector, pin, n) => {
    if (filter.cpu !== undefined && cpu !== filter.cpu) return;
    if (filter.vector !== undefined && vector !== filter.vector) return;
    if (filter.pin !== undefined && pin !== filter.pin) return;
    sum += n;
  });
  return sum;
}

export function countersTotals(c: Counters): Record<CounterName, number> {
  const out = {} as Record<CounterName, number>;
  for (const name of COUNTER_NAMES) out[name] = c.totals[CTR[name]];
  return out;
}

/**
 * Calls `f` with every nonzero entry of one counter (its filter values, -1 where absent): a
 * dense counter walks its own row only, a sparse one the hash table.
 */
export function countersForEach(
  c: Counters,
  name: CounterName,
  f: (cpu: number, vector: number, pin: number, n: number) => void,
): void {
  const want = CTR[name];
  if (want < DENSE_ROWS) {
    const { dense, span } = c;
    const base = want * span;
    const pinRow = want >= FIRST_PIN_ROW;
    for (let i = 0; i < span; i++) {
      const n = dense[base + i];
      if (n === 0) continue;
      if (pinRow) f(-1, -1, i - 1, n);
      else f(i - 1, -1, -1, n);
    }
    return;
  }
  const { keys, counts } = c;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === 0) continue;
    const key = keys[i] - 1;
    const rest = Math.floor(key / VECTOR_SPAN);
    if (Math.floor(rest / CPU_SPAN) !== want) continue;
    f((rest % CPU_SPAN) - 1, (key % VECTOR_SPAN) - 1, -1, counts[i]);
  }
}

/** Every entry of one counter with its filter values decoded (-1 where the count has none). */
export function countersEntries(
  c: Counters,
  name: CounterName,
): { cpu: number; vector: number; pin: number; n: number }[] {
  const out: { cpu: number; vector: number; pin: number; n: number }[] = [];
  countersForEach(c, name, (cpu, vector, pin, n) => {
    out.push({ cpu, vector, pin, n });
  });
  return out;
}
