/**
 * A capped trace (Ctx.maxEvents, what the app keeps of a storm step) keeps exactly the first
 * events of the full trace and counts the others, although it builds none of them (ctx.ts traced).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mustParse } from '../replay/testing.ts';
import { scenarioText } from '../scenario/arbitrary.ts';
import { emit, eventOf, traced } from './ctx.ts';
import { Machine } from './machine.ts';

describe('a capped trace', () => {
  it('keeps the first maxEvents events of each step, causes and all, and counts the rest', () => {
    fc.assert(
      fc.property(scenarioText(30), fc.integer({ min: 0, max: 25 }), (text, cap) => {
        const s = mustParse(`${text}\nassert 3\nrun 40`);
        const full = Machine.boot(s.config, true);
        const capped = Machine.boot(s.config, true);
        capped.ctx.maxEvents = cap;
        for (const st of s.steps) {
          const all = full.apply(st.action).events;
          const kept = capped.apply(st.action).events;
          expect(kept).toEqual(all.slice(0, cap));
          expect(capped.ctx.droppedEvents).toBe(Math.max(0, all.length - cap));
        }
        expect(capped.state).toEqual(full.state);
      }),
      { numRuns: 150 },
    );
  });

  it('of a run stopped after K guest steps is the trace of run K (contract §4)', () => {
    fc.assert(
      fc.property(
        scenarioText(20),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 9 }),
        (text, k, chunk) => {
          const s = mustParse(`${text}\nassert 3\npulse 4`);
          const live = Machine.boot(s.config, true);
          const recorded = Machine.boot(s.config, true);
          for (const st of s.steps) for (const m of [live, recorded]) m.apply(st.action);
          const run = live.beginRun(1000);
          while (run.steps + chunk <= k && !run.advance(chunk));
          if (!run.done) run.advance(k - run.steps);
          const action = run.done ? { kind: 'run' as const, n: 1000 } : run.stop();
          expect(run.result().events).toEqual(recorded.apply(action).events);
          expect(live.state).toEqual(recorded.state);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('costs a storm run little: most of its events are counted, not built', () => {
    const s = mustParse(`vcpus 4
guest all profile=windows
run
route 5 vector=0xa2 trigger=level dest=1 mask=0
assert 5`);
    const m = Machine.boot(s.config, true);
    for (const st of s.steps) m.apply(st.action);
    m.ctx.maxEvents = 10;
    const r = m.apply({ kind: 'run', n: 2000 });
    expect(r.events).toHaveLength(10);
    expect(m.ctx.droppedEvents).toBeGreaterThan(10_000);
  });
});

describe('emit and eventOf', () => {
  it('emit itself keeps at most maxEvents and counts the rest, even when called without traced()', () => {
    const m = Machine.boot(mustParse('vcpus 1').config, true);
    const ctx = m.ctx;
    ctx.events = [];
    ctx.droppedEvents = 0;
    ctx.maxEvents = 2;
    ctx.recording = true;
    ctx.cause = -1;
    const fields = { apicid: 0 };
    expect(emit(ctx, 0, 'eoi_isr_empty', fields)).toBe(0);
    expect(ctx.recording).toBe(true);
    expect(emit(ctx, 0, 'eoi_isr_empty', fields)).toBe(1);
    // Full: nothing more is built (traced() now only counts).
    expect(ctx.recording).toBe(false);
    expect(emit(ctx, 0, 'eoi_isr_empty', fields)).toBe(-1);
    expect(ctx.events).toHaveLength(2);
    expect(ctx.droppedEvents).toBe(1);
    expect(traced(ctx)).toBe(false);
    expect(ctx.droppedEvents).toBe(2);
  });

  it('gives an event a vector only when it has one (not -1), and a pin only when it has one', () => {
    const m = Machine.boot(mustParse('vcpus 1').config, true);
    m.ctx.cause = -1;
    const eoi = (vector: number) => eventOf(m.ctx, 0, 'kvm_eoi', { apicid: 0, vector, accelerated: false });
    expect(eoi(0x62)).toMatchObject({ vector: 0x62, cause: null });
    expect('vector' in eoi(-1)).toBe(false);
    expect(eoi(0)).toMatchObject({ vector: 0 });
    expect('pin' in eoi(0x62)).toBe(false);
    m.ctx.cause = 3;
    const set = eventOf(m.ctx, -1, 'kvm_set_irq', { pin: 0, level: 1, routed: true });
    expect(set).toMatchObject({ pin: 0, cause: 3 });
    expect('vector' in set).toBe(false);
  });
});
