/** Keyframed replay: seek, events of a step, appending, and the keyframe memory budget. */
import { describe, expect, it } from 'vitest';
import { Machine } from '../core/machine.ts';
import { mustParse } from './testing.ts';
import { Timeline } from './timeline.ts';

const s = mustParse(`vcpus 2
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 eoi
cpu 0 iret
cpu 0 service 10
cpu 0 eoi
cpu 0 iret
msi dest=1 vector=0x41
`);
const actions = s.steps.map((st) => st.action);

describe('Timeline', () => {
  it('gives each step the events a traced run gives it', () => {
    const t = new Timeline(s.config, actions, { interval: 2 });
    const m = Machine.boot(s.config, true);
    actions.forEach((a, i) => {
      expect(t.eventsOf(i + 1)).toEqual(m.apply(a).events);
    });
    expect(t.eventsOf(0)).toEqual([]);
  });

  it('appends steps to the last state and seeks back into earlier ones', () => {
    const t = new Timeline(s.config, actions.slice(0, 3), { interval: 1 });
    t.append(actions[3]);
    expect(t.length).toBe(4);
    expect(t.stateAt(4)).toEqual(new Timeline(s.config, actions.slice(0, 4)).last);
    expect(t.stateAt(2)).toEqual(new Timeline(s.config, actions.slice(0, 2)).last);
  });

  it('thins keyframes to stay within its memory budget', () => {
    const many = Array.from({ length: 5000 }, (_, i) => actions[i % actions.length]);
    const t = new Timeline(s.config, many, { interval: 1, budgetBytes: 64 * 7000 });
    expect(t.keyframeCount).toBeLessThanOrEqual(64);
    expect(t.keyframeCount).toBeGreaterThan(16);
    expect(t.stateAt(4321)).toEqual(new Timeline(s.config, many.slice(0, 4321), { interval: 100000 }).last);
  });

  it('replays a step alike in any order of requests, and leaves its keyframe as it was', () => {
    const fresh = (k: number) => new Timeline(s.config, actions, { interval: 2 }).replayStep(k, 5);
    const t = new Timeline(s.config, actions, { interval: 2 });
    // Forward (the last replay's end), back, from a keyframe, from between keyframes, again.
    for (const k of [1, 2, 3, 8, 2, 5, 4, 5, 3, 8]) {
      const r = t.replayStep(k, 5);
      expect(r).toEqual(fresh(k));
      expect(r.before).toEqual(t.stateAt(k - 1));
      expect(r.after).toEqual(t.stateAt(k));
    }
    expect(t.stateAt(0)).toEqual(Machine.boot(s.config).state);
  });

  it('keeps the last two replays: the step replayed ahead and the one on screen', () => {
    const t = new Timeline(s.config, actions, { interval: 2 });
    const three = t.replayStep(3, 5);
    const four = t.replayStep(4, 5);
    expect(t.replayStep(3, 5)).toBe(three);
    expect(t.replayStep(4, 5)).toBe(four);
    t.replayStep(6, 5);
    expect(t.replayStep(4, 5)).toBe(four);
    expect(t.replayStep(3, 5)).not.toBe(three);
    // Another cap is another replay (same states, other events kept).
    expect(t.replayStep(4, 1)).not.toBe(four);
  });

  it('rejects steps outside the timeline', () => {
    const t = new Timeline(s.config, actions);
    expect(() => t.stateAt(actions.length + 1)).toThrow(RangeError);
  });
});
