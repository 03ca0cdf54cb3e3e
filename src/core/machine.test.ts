/** The machine's event budget: a step keeps at most maxEvents events and counts the rest. */
import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { Machine } from './machine.ts';

describe('Machine events', () => {
  it('keeps the first maxEvents events of a step and counts the dropped ones', () => {
    const s = mustParse('vcpus 1\nroute 10 vector=0x62 trigger=level dest=0 mask=0\n');
    const all = Machine.boot(s.config, true).apply(s.steps[0].action).events;
    expect(all.length).toBeGreaterThan(3);
    const m = Machine.boot(s.config, true);
    m.ctx.maxEvents = 3;
    const r = m.apply(s.steps[0].action);
    expect(r.events).toEqual(all.slice(0, 3));
    expect(m.ctx.droppedEvents).toBe(all.length - 3);
    const exact = Machine.boot(s.config, true);
    exact.ctx.maxEvents = all.length;
    expect(exact.apply(s.steps[0].action).events).toEqual(all);
    expect(exact.ctx.droppedEvents).toBe(0);
  });
});
