/**
 * A long step can be shown (issue 14.5): a long `run` loaded from text is traced as it runs, so
 * showing it needs no second run; the worker beats while it runs one, so the UI's watchdog
 * (HANG_MS) never takes it for hung; the keyframe at its end survives thinning.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkedRun } from '../core/machine.ts';
import { MUTATING } from '../replay/testing.ts';
import { Timeline } from '../replay/timeline.ts';
import { parseScenario } from '../scenario/parse.ts';
import { HANG_MS } from './host.ts';
import { MAX_STEP_EVENTS, Session } from './session.ts';
import { stateView } from './view.ts';

const LONG = `vcpus 4
guest all profile=windows
kvm storm-limit=1000000
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
run 300000
wait 1us
`;

afterEach(() => vi.restoreAllMocks());

describe('long steps', () => {
  // A 300 000-step run: seconds under a mutation run's coverage instrumentation, and a test of
  // the worker's pacing more than of the core's results.
  it.skipIf(MUTATING)('loads a long run with heartbeats, then shows it without running it again', () => {
    const s = new Session();
    const beats: number[] = [];
    s.onProgress = () => beats.push(performance.now());
    const t0 = performance.now();
    expect(s.load(LONG).ok).toBe(true);
    const t1 = performance.now();
    // Beats all through the run, none far apart (the watchdog waits HANG_MS = 6 s; the first
    // chunk, cold and recording its 3000 events, is the slowest).
    const marks = [t0, ...beats, t1];
    const gaps = marks.slice(1).map((t, i) => t - marks[i]);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...gaps), JSON.stringify(gaps)).toBeLessThan(HANG_MS / 3);

    const advance = vi.spyOn(ChunkedRun.prototype, 'advance');
    const f = s.frame(3);
    const last = s.frame(4);
    expect(advance).not.toHaveBeenCalled();
    expect(f.step).toBe(3);
    expect(last.step).toBe(4);

    // The same as replaying the step from scratch with the same cap.
    advance.mockRestore();
    const p = parseScenario(LONG);
    if (!p.ok) throw new Error('LONG parses');
    const fresh = new Timeline(
      p.scenario.config,
      p.scenario.steps.map((st) => st.action),
    ).replayStep(3, MAX_STEP_EVENTS);
    expect(f.events.length).toBe(MAX_STEP_EVENTS);
    expect(f.events).toEqual(fresh.events);
    expect(f.droppedEvents).toBe(fresh.dropped);
    expect(f.view.time).toBe(stateView(fresh.after, []).time);
  });

  it.skipIf(MUTATING)('keeps the keyframe at a long step’s end when keyframes are thinned', () => {
    const p = parseScenario(`${LONG.replace('run 300000\n', 'run 150000\n')}${'wait 1us\n'.repeat(400)}`);
    if (!p.ok) throw new Error('parses');
    // A tiny budget: keyframes are thinned many times over.
    const t = new Timeline(
      p.scenario.config,
      p.scenario.steps.map((st) => st.action),
      {
        interval: 4,
        budgetBytes: 16 * 5300,
      },
    );
    const advance = vi.spyOn(ChunkedRun.prototype, 'advance');
    t.stateAt(3);
    t.stateAt(200);
    expect(advance).not.toHaveBeenCalled();
  });
});
