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
 * The counts, as numbers in typed arrays, so that counting allocates nothing and a clone is three
 * slices (the object structured-clones as it is). Counters filtered by at most one of cpu or pin
 * are dense: one row per counter, indexed by that value + 1 (0 = counted without it). The
 * counters filtered by cpu and vector are sparse, in an open-addressing hash table whose key
 * packs the counter and its filter values (each +1, 0 meaning absent), so any filter
 * combination can be summed.
 */
export interface Counters {
  /** Dense rows, `span` entries each, in DENSE_ROW order. */
  dense: Float64Array;
  span: number;
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

/** Per counter: its dense row, or -1 when it is hashed (filtered by cpu and vector). */
const DENSE_ROW: number[] = [];
/** Per counter: what its dense row is indexed by. */
const DENSE_BY: ('cpu' | 'pin' | null)[] = [];
let rows = 0;
for (const name of COUNTER_NAMES) {
  const f: readonly CounterFilter[] = COUNTER_FILTERS[name];
  const dense = f.length === 0 || (f.length === 1 && f[0] !== 'vector');
  DENSE_ROW.push(dense ? rows++ : -1);
  DENSE_BY.push(dense && f.length ? (f[0] as 'cpu' | 'pin') : null);
}
const DENSE_ROWS = rows;

/** Empty counters for a VM of `vcpus` vCPUs. */
export function countersNew(vcpus: number): Counters {
  const span = Math.max(vcpus, PIN_SPAN - 1) + 1;
  return {
    dense: new Float64Array(DENSE_ROWS * span),
    span,
    keys: new Int32Array(INITIAL_SLOTS),
    counts: new Float64Array(INITIAL_SLOTS),
    used: 0,
  };
}

export function countersClone(c: Counters): Counters {
  return {
    dense: c.dense.slice(),
    span: c.span,
    keys: c.keys.slice(),
    counts: c.counts.slice(),
    used: c.used,
  };
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
  const row = DENSE_ROW[id];
  if (row >= 0) {
    // A dense counter is only ever counted with its own filter value (the others are -1).
    c.dense[row * c.span + (DENSE_BY[id] === 'pin' ? pin : cpu) + 1]++;
    return;
  }
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
  COUNTER_NAMES.forEach((_, id) => {
    const row = DENSE_ROW[id];
    if (row < 0) return;
    for (let i = 0; i < c.span; i++) {
      const n = c.dense[row * c.span + i];
      if (n === 0) continue;
      if (DENSE_BY[id] === 'pin') f(id, -1, -1, i - 1, n);
      else f(id, i - 1, -1, -1, n);
    }
  });
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
