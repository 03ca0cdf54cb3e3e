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
} as const satisfies Record<string, readonly CounterFilter[]>;

export type CounterName = keyof typeof COUNTER_FILTERS;
export const COUNTER_NAMES = Object.keys(COUNTER_FILTERS) as CounterName[];

/**
 * Each counter's number in the packed keys: its place in COUNTER_NAMES. The core counts by number
 * (`count(m, CTR.exits, …)`), so that counting reads a constant instead of looking a name up.
 */
export const CTR = {
  injections: 0,
  'eoi-writes': 1,
  'eoi-exits': 2,
  'ioapic-eoi-exits': 3,
  'eoi-broadcasts': 4,
  'directed-eois': 5,
  'needless-eoi-exits': 6,
  scans: 7,
  reinjections: 8,
  storms: 9,
  'pv-eoi-elided': 10,
  'pv-eoi-applied': 11,
  exits: 12,
  'host-crashes': 13,
} as const satisfies Record<CounterName, number>;

export interface CounterKey {
  cpu?: number;
  vector?: number;
  pin?: number;
}

/**
 * Sparse counts in one open-addressing hash table made of two typed arrays, so that counting
 * allocates nothing and the table clones with two slices (and structured-clones as it is).
 * A count's key packs the counter and the filter values it was made with (each +1, 0 meaning
 * absent), so any filter combination can be summed.
 */
export interface Counters {
  /** Packed key + 1 per slot, 0 = empty; the length is a power of two, at most half full. */
  keys: Int32Array;
  counts: Float64Array;
  /** Slots in use. */
  used: number;
}

const PIN_SPAN = 25; // pins 0–23, +1
const VECTOR_SPAN = 257; // vectors 0–255, +1
const CPU_SPAN = 4097; // vCPUs 0–4095, +1; 14 counters × this × 257 × 25 < 2^31
const INITIAL_SLOTS = 64;

export function countersNew(): Counters {
  return { keys: new Int32Array(INITIAL_SLOTS), counts: new Float64Array(INITIAL_SLOTS), used: 0 };
}

export function countersClone(c: Counters): Counters {
  return { keys: c.keys.slice(), counts: c.counts.slice(), used: c.used };
}

function slotOf(keys: Int32Array, key: number): number {
  const mask = keys.length - 1;
  let h = Math.imul(key, 0x9e3779b1);
  h = (h ^ (h >>> 15)) & mask;
  for (;;) {
    const k = keys[h];
    if (k === key || k === 0) return h;
    h = (h + 1) & mask;
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

/** Adds one to counter `id` (CTR); -1 leaves a filter value out. */
export function countersAdd(c: Counters, id: number, cpu: number, vector: number, pin: number): void {
  const key = (((id * CPU_SPAN + cpu + 1) * VECTOR_SPAN + vector + 1) * PIN_SPAN + pin + 1) | 0;
  let s = slotOf(c.keys, key + 1);
  if (c.keys[s] === 0) {
    if ((c.used + 1) * 2 > c.keys.length) {
      grow(c);
      s = slotOf(c.keys, key + 1);
    }
    c.keys[s] = key + 1;
    c.used++;
  }
  c.counts[s]++;
}

/** Calls `f` with every count: its counter's id, its filter values (-1 = absent) and the count. */
function forEachCount(
  c: Counters,
  f: (id: number, cpu: number, vector: number, pin: number, n: number) => void,
): void {
  const { keys, counts } = c;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === 0) continue;
    const key = keys[i] - 1;
    const pin = (key % PIN_SPAN) - 1;
    const rest = Math.floor(key / PIN_SPAN);
    const vector = (rest % VECTOR_SPAN) - 1;
    const rest2 = Math.floor(rest / VECTOR_SPAN);
    f(Math.floor(rest2 / CPU_SPAN), (rest2 % CPU_SPAN) - 1, vector, pin, counts[i]);
  }
}

/** Sum of a counter over the entries that match every given filter. */
export function countersGet(c: Counters, name: CounterName, filter: CounterKey = {}): number {
  const want = CTR[name];
  let sum = 0;
  forEachCount(c, (id, cpu, vector, pin, n) => {
    if (id !== want) return;
    if (filter.cpu !== undefined && cpu !== filter.cpu) return;
    if (filter.vector !== undefined && vector !== filter.vector) return;
    if (filter.pin !== undefined && pin !== filter.pin) return;
    sum += n;
  });
  return sum;
}

export function countersTotals(c: Counters): Record<CounterName, number> {
  const sums = new Array<number>(COUNTER_NAMES.length).fill(0);
  forEachCount(c, (id, _cpu, _vector, _pin, n) => {
    sums[id] += n;
  });
  const out = {} as Record<CounterName, number>;
  COUNTER_NAMES.forEach((name, id) => {
    out[name] = sums[id];
  });
  return out;
}
