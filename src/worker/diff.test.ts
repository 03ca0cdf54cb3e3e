/** The one state diff: what a step changed on a vCPU (rings in the grids), and compare's A vs B. */
import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { Timeline } from '../replay/timeline.ts';
import { cpuDiff, sameVectors, vectorDiff } from './diff.ts';
import { cpuChange, cpuDetail, pinChanges } from './view.ts';

function timeline(text: string): Timeline {
  const s = mustParse(text);
  return new Timeline(
    s.config,
    s.steps.map((st) => st.action),
  );
}

describe('state diff', () => {
  it('vectorDiff: the vectors in exactly one of two sorted lists', () => {
    expect(vectorDiff([], [])).toEqual([]);
    expect(vectorDiff([0x31, 0x62], [0x62, 0x70])).toEqual([0x31, 0x70]);
    expect(vectorDiff([0x10, 0x20, 0x30], [])).toEqual([0x10, 0x20, 0x30]);
    expect(vectorDiff([], [0xff])).toEqual([0xff]);
    expect(vectorDiff([1, 2, 3], [1, 2, 3])).toEqual([]);
  });

  it('sameVectors compares lists element by element', () => {
    expect(sameVectors([1, 2], [1, 2])).toBe(true);
    expect(sameVectors([1, 2], [1, 3])).toBe(false);
    expect(sameVectors([1, 2], [1])).toBe(false);
    expect(sameVectors(undefined, [])).toBe(false);
    expect(sameVectors(undefined, undefined)).toBe(true);
  });

  it('names the bits a step flipped and the fields it changed (R3.6: IRR to ISR, PPR up)', () => {
    const t = timeline('vcpus 1\nmsi dest=0 vector=0x31\n');
    const c = cpuChange(t.stateAt(0).cpus[0], t.stateAt(1).cpus[0]);
    expect(c).toEqual({ sets: { isr: [0x31] }, fields: ['ppr', 'if', 'handlers'] });
  });

  it('is null when nothing a view shows changed', () => {
    const t = timeline('vcpus 2\nmsi dest=1 vector=0x31\n');
    expect(cpuChange(t.stateAt(0).cpus[0], t.stateAt(1).cpus[0])).toBeNull();
  });

  it('lists every difference between two configurations (compare)', () => {
    const a = timeline(
      'vcpus 1\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\ncpu 0 tpr 0x70\n',
    );
    const b = timeline('vcpus 1\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n');
    const d = cpuDiff(cpuDetail(a.last.cpus[0]), cpuDetail(b.last.cpus[0]));
    expect(d).toEqual({
      sets: { isr: [0x62], tmr: [0x62] },
      fields: ['tpr', 'ppr', 'if', 'handlers'],
    });
  });

  it('notices PV EOI and request changes', () => {
    const t = timeline('vcpus 1\ncpu 0 pv-eoi on\n');
    const c = cpuChange(t.stateAt(0).cpus[0], t.stateAt(1).cpus[0]);
    expect(c?.fields).toContain('pvEoi');
  });

  it('names the IOAPIC pins a step changed', () => {
    const t = timeline(
      'vcpus 1\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\nroute 3 vector=0x33\n',
    );
    expect(pinChanges(t.stateAt(0), t.stateAt(1))).toEqual([10]);
    expect(pinChanges(t.stateAt(1), t.stateAt(2))).toEqual([10]);
    expect(pinChanges(t.stateAt(2), t.stateAt(3))).toEqual([3]);
    expect(pinChanges(t.stateAt(3), t.stateAt(3))).toEqual([]);
  });
});
