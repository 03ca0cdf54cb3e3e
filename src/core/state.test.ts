/**
 * Copies of the state have the shape of the originals (the same fields in the same order), so
 * that a machine restarted from a keyframe or a snapshot runs the core over objects of one shape.
 */
import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { Machine } from './machine.ts';
import type { MachineState } from './state.ts';
import { cloneMachineState, newMachineState } from './state.ts';

/** Every object reachable from `s` with its path, keyed by a path without indices. */
function shapes(s: MachineState): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (o: unknown, path: string) => {
    if (o === null || typeof o !== 'object' || ArrayBuffer.isView(o) || o instanceof Map) return;
    if (path === 'config' || path === 'vm.apicMap') return; // shared, not copied
    if (Array.isArray(o)) {
      for (const x of o) walk(x, `${path}[]`);
      return;
    }
    const keys = Object.keys(o).join(',');
    const seen = out.get(path);
    if (seen !== undefined) expect(keys, path).toBe(seen);
    out.set(path, keys);
    for (const [k, v] of Object.entries(o)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(s, '');
  return out;
}

describe('state copies', () => {
  it('have the fields of the state they copy, in the same order, down to every object', () => {
    for (const text of [
      `vcpus 3
guest all profile=windows
run
route 5 vector=0xa2 trigger=level dest=1 mask=0
assert 5
run 7
snapshot a
cpu 0 ioapic-rte 5 vector=0xa3`,
      'vcpus 2\nsecure-avic on\nmsi dest=1 vector=0x40 trigger=level',
    ]) {
      const s = mustParse(text);
      const fresh = newMachineState(s.config);
      const m = Machine.boot(s.config, false);
      for (const st of s.steps) m.apply(st.action);
      const a = shapes(fresh);
      const b = shapes(m.state);
      const c = shapes(cloneMachineState(m.state));
      const d = shapes(Machine.fromState(m.state).state);
      for (const other of [b, c, d])
        for (const [path, keys] of other) if (a.has(path)) expect(keys, path).toBe(a.get(path));
      expect([...c]).toEqual([...b]);
    }
  });
});

describe('APICv at power-on', () => {
  it('is active unless `apicv off`, Secure AVIC, or an inhibit of the map', () => {
    const active = (text: string) => newMachineState(mustParse(text).config).cpus.map((v) => v.apicvActive);
    expect(active('vcpus 2\napicv on')).toEqual([true, true]);
    expect(active('vcpus 2\napicv off')).toEqual([false, false]);
    expect(active('vcpus 2\nsecure-avic on')).toEqual([false, false]);
  });
});

describe('a copy shares nothing that changes', () => {
  it('every register bitmap of a copy is its own, Secure AVIC’s included', () => {
    const s = mustParse('vcpus 1\nsecure-avic on\nmsi dest=0 vector=0x40 trigger=level');
    const m = Machine.boot(s.config, false);
    for (const st of s.steps) m.apply(st.action);
    const copy = cloneMachineState(m.state);
    const [a, b] = [m.state.cpus[0], copy.cpus[0]];
    const bitmaps = (v: typeof a) => [
      v.irr,
      v.isr,
      v.tmr,
      v.ioapicHandledVectors,
      v.eoiExitBitmap,
      v.savic!.irr,
      v.savic!.isr,
      v.savic!.tmr,
    ];
    const before = bitmaps(a).map((x) => [...x]);
    for (const x of bitmaps(b)) x.fill(0xffffffff);
    expect(bitmaps(a).map((x) => [...x])).toEqual(before);
  });
});
