/** The counters (dense rows and a hash table) give the sums a plain list of counts gives (contract §7 counters). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CounterName, Counters, CpuCounter, CpuVectorCounter, PinCounter } from './counters.ts';
import {
  COUNTER_FILTERS,
  COUNTER_NAMES,
  CTR,
  countersAddCpu,
  countersAddCpuVector,
  countersAddPin,
  countersClone,
  countersEntries,
  countersGet,
  countersNew,
  countersTotals,
  DENSE_ROWS,
  LOW_INJECTIONS,
} from './counters.ts';

/** Counts as the core does, through the entry point the counter's filters call for. */
function add(c: Counters, name: CounterName, cpu: number, vector: number, pin: number): void {
  const f: readonly string[] = COUNTER_FILTERS[name];
  const id = CTR[name];
  if (f.includes('vector')) countersAddCpuVector(c, id as CpuVectorCounter, cpu, vector);
  else if (f.includes('pin')) countersAddPin(c, id as PinCounter, pin);
  else countersAddCpu(c, id as CpuCounter, cpu);
}

describe('counters', () => {
  it('CTR numbers the counters 0–14, the dense ones (at most a cpu or a pin filter) first', () => {
    expect(COUNTER_NAMES.map((n) => CTR[n]).sort((a, b) => a - b)).toEqual(COUNTER_NAMES.map((_, i) => i));
    for (const n of COUNTER_NAMES)
      expect(CTR[n] < DENSE_ROWS).toBe(!(COUNTER_FILTERS[n] as readonly string[]).includes('vector'));
    expect(Object.keys(countersTotals(countersNew(1)))).toEqual(COUNTER_NAMES);
  });

  it('sum every filter combination as a list of the counts does, through growth and clones', () => {
    // As the core counts: with the filter values the counter carries, the others left out (-1).
    const count = fc
      .record({
        name: fc.constantFrom(...COUNTER_NAMES),
        cpu: fc.integer({ min: -1, max: 4095 }),
        vector: fc.integer({ min: -1, max: 255 }),
        pin: fc.integer({ min: -1, max: 23 }),
      })
      .map((k) => {
        const f: readonly string[] = COUNTER_FILTERS[k.name];
        return {
          name: k.name,
          cpu: f.includes('cpu') ? k.cpu : -1,
          vector: f.includes('vector') ? k.vector : -1,
          pin: f.includes('pin') ? k.pin : -1,
        };
      });
    fc.assert(
      fc.property(fc.array(count, { maxLength: 400, size: 'max' }), fc.nat(400), (counts, cloneAt) => {
        let c = countersNew(4096);
        counts.forEach((k, i) => {
          if (i === cloneAt) c = countersClone(c);
          add(c, k.name, k.cpu, k.vector, k.pin);
        });
        const sum = (name: CounterName, f: { cpu?: number; vector?: number; pin?: number }) =>
          counts.filter(
            (k) =>
              k.name === name &&
              (f.cpu === undefined || k.cpu === f.cpu) &&
              (f.vector === undefined || k.vector === f.vector) &&
              (f.pin === undefined || k.pin === f.pin),
          ).length;
        const totals = countersTotals(c);
        for (const name of COUNTER_NAMES) expect(totals[name]).toBe(sum(name, {}));
        for (const k of counts.slice(0, 20)) {
          for (const f of [
            { cpu: k.cpu },
            { vector: k.vector },
            { pin: k.pin },
            { cpu: k.cpu, vector: k.vector },
          ])
            expect(countersGet(c, k.name, f)).toBe(sum(k.name, f));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a clone counts on its own', () => {
    const a = countersNew(4096);
    countersAddCpu(a, CTR.exits, 3);
    const b = countersClone(a);
    countersAddCpu(b, CTR.exits, 3);
    expect(countersGet(a, 'exits', { cpu: 3 })).toBe(1);
    expect(countersGet(b, 'exits', { cpu: 3 })).toBe(2);
    expect(structuredClone(b)).toEqual(b);
  });

  it('keep every count of 3000 distinct keys while the table grows from 64 slots to 8192', () => {
    // Far more keys than the first table holds: every growth rehashes, and probing runs past
    // the home slot whenever two keys share one (thousands of times at half full).
    const c = countersNew(4096);
    const keys: { cpu: number; vector: number; n: number }[] = [];
    for (let i = 0; i < 3000; i++)
      keys.push({ cpu: (i * 37) % 4096, vector: (i * 11) % 256, n: 1 + (i % 5) });
    const model = new Map<string, number>();
    for (const k of keys) {
      for (let j = 0; j < k.n; j++) countersAddCpuVector(c, CTR['eoi-exits'], k.cpu, k.vector);
      model.set(`${k.cpu}:${k.vector}`, (model.get(`${k.cpu}:${k.vector}`) ?? 0) + k.n);
    }
    expect(c.keys.length).toBe(8192);
    expect(c.used).toBe(model.size);
    for (const k of keys)
      expect(countersGet(c, 'eoi-exits', { cpu: k.cpu, vector: k.vector })).toBe(
        model.get(`${k.cpu}:${k.vector}`),
      );
    const entries = countersEntries(c, 'eoi-exits');
    expect(entries.length).toBe(model.size);
    for (const e of entries) {
      expect(e.pin).toBe(-1);
      expect(e.n).toBe(model.get(`${e.cpu}:${e.vector}`));
    }
    const sum = [...model.values()].reduce((a, b) => a + b, 0);
    expect(countersGet(c, 'eoi-exits')).toBe(sum);
    expect(countersGet(c, 'eoi-exits', { vector: 0 })).toBe(
      keys.filter((k) => k.vector === 0).reduce((a, k) => a + k.n, 0),
    );
    // The other sparse counters share the table and stay apart.
    expect(countersEntries(c, 'injections')).toEqual([]);
  });

  it('list only the entries that were counted, for dense and sparse counters alike', () => {
    const c = countersNew(8);
    for (const name of COUNTER_NAMES) expect(countersEntries(c, name), name).toEqual([]);
    countersAddCpu(c, CTR.exits, 2);
    countersAddCpu(c, CTR['host-crashes'], -1);
    countersAddPin(c, CTR.storms, 5);
    countersAddCpuVector(c, CTR.injections, 1, 0x31);
    expect(countersEntries(c, 'exits')).toEqual([{ cpu: 2, vector: -1, pin: -1, n: 1 }]);
    expect(countersEntries(c, 'host-crashes')).toEqual([{ cpu: -1, vector: -1, pin: -1, n: 1 }]);
    expect(countersEntries(c, 'storms')).toEqual([{ cpu: -1, vector: -1, pin: 5, n: 1 }]);
    expect(countersEntries(c, 'injections')).toEqual([{ cpu: 1, vector: 0x31, pin: -1, n: 1 }]);
    expect(countersEntries(c, 'eoi-exits')).toEqual([]);
    expect(countersEntries(c, 'scans')).toEqual([]);
  });

  it('total the injections of vectors 0x00–0x0f apart, for the low-vector lint, and nothing else', () => {
    const c = countersNew(4);
    for (let v = 0; v < 0x20; v++) {
      countersAddCpuVector(c, CTR.injections, 0, v);
      countersAddCpuVector(c, CTR['eoi-exits'], 0, v);
      countersAddCpuVector(c, CTR['directed-eois'], 1, v);
    }
    expect(c.totals[LOW_INJECTIONS]).toBe(16);
    countersAddCpuVector(c, CTR.injections, 3, 0x0f);
    countersAddCpuVector(c, CTR.injections, 3, 0x10);
    expect(c.totals[LOW_INJECTIONS]).toBe(17);
    expect(countersGet(c, 'injections')).toBe(0x22);
  });
});
