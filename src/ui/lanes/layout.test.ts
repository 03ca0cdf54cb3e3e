/** The lanes' layout: lanes in order, every shown event a node, arrows among shown events, repeated rounds grouped. */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../core/events.ts';
import { runScenario } from '../../replay/run.ts';
import { mustParse } from '../../replay/testing.ts';
import { findGroups, layoutLanes, matches } from './layout.ts';

function events(text: string, step: number): TraceEvent[] {
  let out: TraceEvent[] = [];
  runScenario(mustParse(text), { onEvents: (k, ev) => k === step && (out = ev) });
  return out;
}

const storm = `vcpus 1
guest all profile=windows
route 5 vector=0xa2 trigger=level dest=0 mask=0
run 10
assert 5
run 200
`;

describe('lanes layout', () => {
  it('puts devices/IOAPIC first, KVM second, then each vCPU involved; arrows follow causes', () => {
    const ev = events(
      'vcpus 2\nirqchip kernel\nroute 10 vector=0x62 trigger=level dest=1 mask=0\nassert 10\n',
      2,
    );
    const l = layoutLanes(ev);
    expect(l.lanes.map((x) => x.label)).toEqual(['Devices / IOAPIC', 'KVM / QEMU', 'vCPU 1']);
    expect(
      layoutLanes(
        events('vcpus 1\nroute 5 vector=0x41 trigger=level dest=0 mask=0\nassert 5\ncpu 0 eoi\n', 3),
      ).lanes.map((x) => x.label),
    ).toEqual(['Devices / IOAPIC', 'KVM / QEMU', 'vCPU 0']);
    expect(l.nodes.map((n) => n.index)).toEqual(ev.map((_e, i) => i));
    expect(l.arrows).toEqual(ev.flatMap((e, i) => (e.cause === null ? [] : [{ from: e.cause, to: i }])));
    for (const n of l.nodes)
      expect(l.lanes[n.lane].key).toBe(
        ev[n.index].lane === 'vcpu' ? `cpu${ev[n.index].cpu}` : ev[n.index].lane,
      );
  });

  it('collapses a storm into one group of identical rounds, and shows them all once expanded', () => {
    const ev = events(storm, 4);
    const groups = findGroups(ev);
    expect(groups.length).toBe(1);
    const g = groups[0];
    expect(g.repeats).toBeGreaterThanOrEqual(10);
    for (let r = 1; r < g.repeats; r++)
      for (let i = 0; i < g.period; i++)
        expect(ev[g.start + r * g.period + i].type).toBe(ev[g.start + i].type);
    const collapsed = layoutLanes(ev);
    expect(collapsed.nodes.length).toBe(ev.length - g.period * (g.repeats - 1));
    expect(collapsed.groups[0]).toMatchObject({ start: g.start, repeats: g.repeats });
    // No arrow points into a hidden round.
    const shown = new Set(collapsed.nodes.map((n) => n.index));
    for (const a of collapsed.arrows) expect(shown.has(a.from) && shown.has(a.to)).toBe(true);
    const open = layoutLanes(ev, { expanded: new Set([g.start]) });
    expect(open.nodes.length).toBe(ev.length);
    expect(open.groups).toEqual([]);
  });

  it('no group in a step without repeats', () => {
    expect(findGroups(events('vcpus 1\nmsi dest=0 vector=0x31\n', 1))).toEqual([]);
  });

  it('filters by type, cpu:N, pin:N and vec:V, all words at once', () => {
    const ev = events(
      'vcpus 2\nirqchip kernel\nroute 10 vector=0x62 trigger=level dest=1 mask=0\nassert 10\n',
      2,
    );
    const accept = ev.find((e) => e.type === 'kvm_apic_accept_irq')!;
    expect(matches(accept, 'accept')).toBe(true);
    expect(matches(accept, 'cpu:1 vec:0x62')).toBe(true);
    expect(matches(accept, 'cpu:0')).toBe(false);
    expect(matches(accept, 'pin:10')).toBe(false);
    const set = ev.find((e) => e.type === 'kvm_ioapic_set_irq')!;
    expect(matches(set, 'pin:10')).toBe(true);
    expect(layoutLanes(ev, { query: 'kvm_apic_accept' }).nodes.filter((n) => n.match).length).toBe(1);
  });

  it("draws at most maxLanes lanes: system lanes, the selected event's, then vCPUs the filter matches, then the first", () => {
    // A route on 40 vCPUs: every vCPU scans, so every vCPU has a lane.
    const ev = events('vcpus 40\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n', 1);
    const all = layoutLanes(ev);
    expect(all.lanes.length).toBe(42);
    expect(all.hiddenLanes).toBe(0);
    const capped = layoutLanes(ev, { maxLanes: 6 });
    expect(capped.lanes.map((l) => l.key)).toEqual(['ioapic', 'kvm', 'cpu0', 'cpu1', 'cpu2', 'cpu3']);
    expect(capped.hiddenLanes).toBe(36);
    // Events on lanes left out are not drawn and take no column; arrows only among drawn nodes.
    expect(capped.nodes.every((n) => n.lane < 6)).toBe(true);
    expect(capped.cols).toBe(capped.nodes.length);
    expect(capped.nodes.length).toBe(ev.filter((e) => e.lane !== 'vcpu' || e.cpu < 4).length);
    const drawn = new Set(capped.nodes.map((n) => n.index));
    expect(capped.arrows.every((a) => drawn.has(a.from) && drawn.has(a.to))).toBe(true);
    const last = ev.findLastIndex((e) => e.cpu === 39);
    expect(layoutLanes(ev, { maxLanes: 6, selected: last }).lanes.map((l) => l.key)).toContain('cpu39');
    expect(layoutLanes(ev, { maxLanes: 3, query: 'cpu:25' }).lanes.map((l) => l.key)).toEqual([
      'ioapic',
      'kvm',
      'cpu25',
    ]);
  });
});
