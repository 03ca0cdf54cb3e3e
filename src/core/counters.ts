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
export const COUNTER_NAMES = Object.keys(COUNTER_FILTERS) as CounterName[];

export interface CounterKey {
  cpu?: number;
  vector?: number;
  pin?: number;
}

/**
 * Sparse counts: one map per counter, keyed by the filter values the count was made with
 * (a number packing cpu, vector and pin, each +1 so that 0 means absent), so any filter
 * combination can be summed. Numeric keys keep the hot path free of string building.
 */
export type Counters = Record<CounterName, Map<number, number>>;

const PIN_SPAN = 25; // pins 0–23, +1
const VECTOR_SPAN = 257; // vectors 0–255, +1

export function countersNew(): Counters {
  const c = {} as Counters;
  for (const n of COUNTER_NAMES) c[n] = new Map();
  return c;
}

export function countersClone(c: Counters): Counters {
  const out = {} as Counters;
  for (const n of COUNTER_NAMES) out[n] = new Map(c[n]);
  return out;
}

/** Adds one; -1 leaves a filter value out. */
export function countersAdd(c: Counters, name: CounterName, cpu: number, vector: number, pin: number): void {
  const m = c[name];
  const key = ((cpu + 1) * VECTOR_SPAN + (vector + 1)) * PIN_SPAN + (pin + 1);
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Sum of a counter over the entries that match every given filter. */
export function countersGet(c: Counters, name: CounterName, filter: CounterKey = {}): number {
  let sum = 0;
  for (const [key, n] of c[name]) {
    const pin = (key % PIN_SPAN) - 1;
    const vector = (Math.floor(key / PIN_SPAN) % VECTOR_SPAN) - 1;
    const cpu = Math.floor(key / PIN_SPAN / VECTOR_SPAN) - 1;
    if (filter.cpu !== undefined && cpu !== filter.cpu) continue;
    if (filter.vector !== undefined && vector !== filter.vector) continue;
    if (filter.pin !== undefined && pin !== filter.pin) continue;
    sum += n;
  }
  return sum;
}

export function countersTotals(c: Counters): Record<CounterName, number> {
  const out = {} as Record<CounterName, number>;
  for (const n of COUNTER_NAMES) out[n] = countersGet(c, n);
  return out;
}

/** Every entry of one counter with its filter values decoded (-1 where the count has none). */
export function countersEntries(
  c: Counters,
  name: CounterName,
): { cpu: number; vector: number; pin: number; n: number }[] {
  const out: { cpu: number; vector: number; pin: number; n: number }[] = [];
  for (const [key, n] of c[name]) {
    out.push({
      pin: (key % PIN_SPAN) - 1,
      vector: (Math.floor(key / PIN_SPAN) % VECTOR_SPAN) - 1,
      cpu: Math.floor(key / PIN_SPAN / VECTOR_SPAN) - 1,
      n,
    });
  }
  return out;
}
