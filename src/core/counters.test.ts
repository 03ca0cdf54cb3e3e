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
  countersGet,
  countersNew,
  countersTotals,
  DENSE_ROWS,
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
      fc.property(fc.array(count, { maxLength: 400 }), fc.nat(400), (counts, cloneAt) => {
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
});
