/**
 * A long run's checkpoints (issue 14.6): a session loaded with the text and the last checkpoint
 * of a run records that `run K` from it, and is then the session that running it gives; a
 * checkpoint that does not fit is refused and the run is replayed. The handler posts them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunSoFar } from '../replay/recorded.ts';
import { MUTATING } from '../replay/testing.ts';
import { Timeline } from '../replay/timeline.ts';
import { createWorkerHandler } from './handler.ts';
import type { Response } from './protocol.ts';
import { checkpointRun, responseProblem } from './protocol.ts';
import { Session } from './session.ts';

const storm = `vcpus 8
kvm storm-limit=1000000
guest all profile=windows
run
route 3 vector=0xa3 trigger=level dest=2 mask=0
assert 3
expect cpu 2 isr has 0xa3
route 4 vector=0xb4 trigger=level dest=5 mask=0
assert 4
`;

/**
 * The checkpoint the page keeps after `chunks` chunks of a run started on `text`: each one
 * taken as the handler takes it (the events since the last) and structured-cloned, their events
 * put together.
 */
function checkpointAfter(text: string, chunk: number, chunks: number): RunSoFar {
  const s = new Session();
  expect(s.load(text).ok).toBe(true);
  expect(s.beginRun(1_000_000_000, s.length).ok).toBe(true);
  const events: RunSoFar['events'] = [];
  let c: RunSoFar | null = null;
  for (let i = 0; i < chunks; i++) {
    expect(s.runChunk(chunk)).toBe(false);
    c = structuredClone(s.runCheckpoint(events.length));
    events.push(...c!.events);
  }
  return { ...c!, events };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a session restarted from a run checkpoint', () => {
  it.skipIf(MUTATING)('records run K from it and is the session that running run K gives', () => {
    const cp = checkpointAfter(storm, 1499, 40);
    expect(cp.dropped).toBeGreaterThan(0);
    const text = `${storm}run ${cp.steps}\n`;
    const recorded = vi.spyOn(Timeline.prototype, 'appendRecorded');
    const given = new Session();
    expect(given.load(text, [], cp).ok).toBe(true);
    expect(recorded.mock.results.map((r) => r.value)).toEqual([null]);
    const replayed = new Session();
    expect(replayed.load(text).ok).toBe(true);
    expect(given.info()).toEqual(replayed.info());
    const k = given.length;
    for (const detailed of [[], [2, 5]])
      expect(given.frame(k, detailed)).toEqual(replayed.frame(k, detailed));
    expect(given.frame(k, [], 7)).toEqual(replayed.frame(k, [], 7));
    expect(given.frame(k - 1)).toEqual(replayed.frame(k - 1));
    // It goes on as the other does.
    for (const x of [given, replayed]) expect(x.append(['cpu 2 eoi', 'run 3000'], k).ok).toBe(true);
    expect(given.frame(k + 2)).toEqual(replayed.frame(k + 2));
  });

  it('refuses one that does not fit its text and runs the step instead', () => {
    const cp = checkpointAfter(storm, 97, 3);
    const recorded = vi.spyOn(Timeline.prototype, 'appendRecorded');
    // A text whose run is one guest step longer (not even offered), a text of another
    // configuration, a state whose virtual time is not that of its guest steps (both refused).
    for (const [text, spoilt, offered] of [
      [`${storm}run ${cp.steps + 1}\n`, cp, false],
      [`${storm.replace('storm-limit=1000000', 'storm-limit=999999')}run ${cp.steps}\n`, cp, true],
      [`${storm}run ${cp.steps}\n`, { ...cp, state: { ...cp.state, time: cp.state.time + 1 } }, true],
    ] as const) {
      recorded.mockClear();
      const given = new Session();
      expect(given.load(text, [], spoilt).ok).toBe(true);
      expect(recorded.mock.results.map((r) => typeof r.value)).toEqual(offered ? ['string'] : []);
      const replayed = new Session();
      replayed.load(text);
      expect(given.info()).toEqual(replayed.info());
      expect(given.frame(given.length)).toEqual(replayed.frame(replayed.length));
    }
  });
});

describe('the worker during a long run', () => {
  it('posts checkpoints of the protocol whose events, put together, are the run’s trace', async () => {
    const out: Response[] = [];
    // Node runs a chain of self-posted messages before any timer: the run's slices go through
    // timers here (as in the store's tests), so that the test's own timers get their turn.
    const channel = globalThis.MessageChannel;
    Reflect.deleteProperty(globalThis, 'MessageChannel');
    const handle = createWorkerHandler((r) => out.push(structuredClone(r)));
    globalThis.MessageChannel = channel;
    handle({ type: 'load', id: 1, text: storm, detailed: [] });
    handle({ type: 'run', id: 2, n: 1_000_000_000, at: 5, detailed: [] });
    const checkpoints = () => out.filter((r) => r.type === 'run-checkpoint');
    await vi.waitUntil(() => checkpoints().length >= 2, { timeout: 10_000, interval: 20 });
    handle({ type: 'stop', id: 3 });
    await vi.waitUntil(() => out.some((r) => r.type === 'frame' && r.id === 2 && !r.live), {
      timeout: 10_000,
    });
    for (const r of out) expect(responseProblem(r)).toBeNull();
    const cps = checkpoints();
    for (const c of cps) expect(c.id).toBe(2);
    const steps = cps.map((c) => (c.type === 'run-checkpoint' ? c.steps : -1));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const events = cps.flatMap((c) => (c.type === 'run-checkpoint' ? checkpointRun(c)!.events : []));
    const end = out.findLast((r) => r.type === 'frame' && r.id === 2);
    // The stopped run's trace begins as the checkpoints' (its root is renamed `run K` at the end).
    expect(end?.type === 'frame' && end.frame.events.slice(1, events.length)).toEqual(events.slice(1));
  });
});
