/**
 * A long run is traced as it runs (Timeline.beginRun with a cap), so that its frame needs no
 * replay: the frame must be exactly the one a replay of the recorded step gives (contract §4:
 * a stopped run is `run K`).
 */
import { describe, expect, it } from 'vitest';
import { Session } from './session.ts';

const storm = `vcpus 8
kvm storm-limit=50
guest all profile=windows
run
route 3 vector=0xa3 trigger=level dest=2 mask=0
assert 3
route 4 vector=0xb4 trigger=level dest=5 mask=0
assert 4
`;

/** A storm that goes on: the storm limit is never reached. */
const endless = storm.replace('storm-limit=50', 'storm-limit=1000000');

/** Runs `run n` in chunks of `chunk` guest steps, stopping after `stopAfter` chunks (or never). */
function runLive(n: number, chunk: number, stopAfter: number | null, text = storm) {
  const s = new Session();
  expect(s.load(text).ok).toBe(true);
  expect(s.beginRun(n, s.length).ok).toBe(true);
  let chunks = 0;
  let done = false;
  while (!done && (stopAfter === null || chunks < stopAfter)) {
    done = s.runChunk(chunk);
    chunks++;
  }
  expect(s.endRun(!done).ok).toBe(true);
  return s;
}

describe('the frame of a long run', () => {
  for (const [what, n, chunk, stopAfter, text] of [
    ['a run that ends by itself (storm limit)', 5000, 97, null, storm],
    ['a run stopped after some chunks', 100_000, 131, 7, endless],
    ['a run stopped before any guest step', 1000, 10, 0, endless],
    ['a run that meets its limit', 640, 64, null, endless],
    ['a run stopped after some chunks, short', 100_000, 3, 5, endless],
  ] as const) {
    it(`is the replay's, events and dropped count included: ${what}`, () => {
      const live = runLive(n, chunk, stopAfter, text);
      const replayed = new Session();
      expect(replayed.load(live.text).ok).toBe(true);
      expect(replayed.text).toBe(live.text);
      const k = live.length;
      for (const detailed of [[], [2, 5]])
        expect(live.frame(k, detailed)).toEqual(replayed.frame(k, detailed));
      // Sub-steps replay the step; they agree with the run's own trace.
      expect(live.frame(k, [], 5)).toEqual(replayed.frame(k, [], 5));
      const f = live.frame(k);
      expect(f.events.at(-1)?.type === 'run_done' || f.droppedEvents > 0).toBe(true);
    });
  }

  it('keeps the trace of a long run and leaves the steps after it untraced', () => {
    const live = runLive(100_000, 500, 20, endless);
    const f = live.frame(live.length);
    expect(f.events).toHaveLength(3000);
    expect(f.droppedEvents).toBeGreaterThan(10_000);
    expect(live.append(['cpu 2 eoi'], live.length).ok).toBe(true);
    const replayed = new Session();
    replayed.load(live.text);
    expect(live.frame(live.length)).toEqual(replayed.frame(replayed.length));
    expect(live.frame(live.length - 1)).toEqual(replayed.frame(replayed.length - 1));
  });
});
