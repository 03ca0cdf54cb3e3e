/** Property tests: random scenarios never throw, keep the invariants, and replay deterministically. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MUTATING, mustParse } from '../replay/testing.ts';
import { Timeline } from '../replay/timeline.ts';
import { scenarioText } from '../scenario/arbitrary.ts';
import { bitmapTest } from './bitmap.ts';
import { guestHasInterrupt, guestPpr, ppr } from './lapic.ts';
import { Machine } from './machine.ts';
import type { MachineState } from './state.ts';

/** Invariants that hold at every step boundary. */
function checkInvariants(s: MachineState): void {
  for (const v of s.cpus) {
    expect(ppr(v)).toBeGreaterThanOrEqual(v.tpr); // R3.2: PPR ≥ TPR
    if (v.savic) expect(guestPpr(v)).toBeGreaterThanOrEqual(v.savic.tpr);
    if (s.vm.crashed) continue;
    // §4 Steps: quiescent: every vCPU back in the guest, no request or kick left.
    expect(v.inGuest).toBe(true);
    expect(v.kickPending).toBe(false);
    expect(v.requests).toBe(0);
    // §4 Steps: nobody has IF = 1 and a deliverable interrupt it has not taken.
    if (v.rflagsIf) expect(guestHasInterrupt(v)).toBe(-1);
    // R9.3 / R9.4: an armed PV EOI stands for exactly the cached in-service vector until the next exit.
    if (v.pvEoiPending) expect(v.highestIsrCache >= 0 && bitmapTest(v.isr, v.highestIsrCache)).toBe(true);
  }
  s.ioapic.rte.forEach((e) => {
    if (e.remoteIrr) expect(e.trigger).toBe(1); // remote IRR only on level pins (R5.5 step 3, R6)
  });
  expect(s.ioapic.irr >>> 24).toBe(0);
}

describe('properties of random scenarios', () => {
  it('never throw and keep the invariants at every step', () => {
    fc.assert(
      fc.property(scenarioText(), (text) => {
        const s = mustParse(text);
        const m = Machine.boot(s.config, true);
        checkInvariants(m.state);
        for (const st of s.steps) {
          const r = m.apply(st.action);
          for (const ev of r.events) expect(ev.why.length).toBeGreaterThan(0);
          checkInvariants(m.state);
        }
      }),
      { numRuns: MUTATING ? 40 : 400 },
    );
  });

  it('replaying from a keyframe gives the same state as replaying from the start', () => {
    fc.assert(
      fc.property(scenarioText(30), fc.integer({ min: 1, max: 5 }), (text, interval) => {
        const s = mustParse(text);
        const actions = s.steps.map((st) => st.action);
        const t = new Timeline(s.config, actions, { interval });
        const fresh = Machine.boot(s.config, false);
        for (let k = 0; k <= actions.length; k++) {
          if (k > 0) fresh.apply(actions[k - 1]);
          expect(t.stateAt(k)).toEqual(fresh.state);
        }
      }),
      { numRuns: MUTATING ? 10 : 100 },
    );
  });

  it('are deterministic: the same scenario gives the same events and counters', () => {
    fc.assert(
      fc.property(scenarioText(30), (text) => {
        const s = mustParse(text);
        const a = Machine.boot(s.config, true);
        const b = Machine.boot(s.config, true);
        for (const st of s.steps) expect(a.apply(st.action).events).toEqual(b.apply(st.action).events);
        expect(a.state).toEqual(b.state);
      }),
      { numRuns: MUTATING ? 10 : 100 },
    );
  });

  it('a run advanced in chunks, or stopped after K guest steps, equals run N, or run K', () => {
    fc.assert(
      fc.property(
        scenarioText(20),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 60 }),
        (text, chunk, k) => {
          const s = mustParse(`${text}\nassert 3\npulse 4`);
          const a = Machine.boot(s.config, false);
          const b = Machine.boot(s.config, false);
          const c = Machine.boot(s.config, false);
          for (const st of s.steps) for (const m of [a, b, c]) m.apply(st.action);
          a.apply({ kind: 'run', n: 200 });
          const r = b.beginRun(200);
          while (!r.advance(chunk));
          expect(b.state).toEqual(a.state);
          const stopped = c.beginRun(1000);
          stopped.advance(k);
          const recorded = stopped.stop();
          const d = Machine.boot(s.config, false);
          for (const st of s.steps) d.apply(st.action);
          d.apply(recorded);
          expect(c.state).toEqual(d.state);
        },
      ),
      { numRuns: MUTATING ? 15 : 150 },
    );
  });
});

describe('the random scenarios cover v1.1', () => {
  it('include the new statements and actions, so the properties above run over them', () => {
    const texts = fc.sample(scenarioText(40), { numRuns: 300, seed: 11 }).join('\n');
    for (const s of [
      'ioapic-rte',
      'x2apic-api 32bit-ids',
      'cpuid=x2apic',
      'apic-id',
      'dfr 0x5fffffff',
      'delivery=lowest',
    ])
      expect(texts).toContain(s);
  });
});
