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

export interface CounterKey {
  cpu?: number;
  vector?: number;
  pin?: number;
}

/**
 * Sparse counts: one map per counter, keyed by the filter values the count was made with
 * (`cpu|vector|pin`, empty where absent), so any filter combination can be summed.
 */
export type Counters = Record<CounterName, Map<string, number>>;

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

function keyOf(k: CounterKey): string {
  return `${k.cpu ?? ''}|${k.vector ?? ''}|${k.pin ?? ''}`;
}

export function countersAdd(c: Counters, name: CounterName, k: CounterKey): void {
  const m = c[name];
  const key = keyOf(k);
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Sum of a counter over the entries that match every given filter. */
export function countersGet(c: Counters, name: CounterName, filter: CounterKey = {}): number {
  let sum = 0;
  for (const [key, n] of c[name]) {
    const [cpu, vector, pin] = key.split('|');
    if (filter.cpu !== undefined && cpu !== String(filter.cpu)) continue;
    if (filter.vector !== undefined && vector !== String(filter.vector)) continue;
    if (filter.pin !== undefined && pin !== String(filter.pin)) continue;
    sum += n;
  }
  return sum;
}

export function countersTotals(c: Counters): Record<CounterName, number> {
  const out = {} as Record<CounterName, number>;
  for (const n of COUNTER_NAMES) out[n] = countersGet(c, n);
  return out;
}
