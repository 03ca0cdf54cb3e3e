/** The worker's exploration (issue 10): progress while it runs, a report with share links, Stop. */
import { describe, expect, it, vi } from 'vitest';
import { seed001 } from '../explore/testing.ts';
import { decodeFragment } from '../share/url.ts';
import { createWorkerHandler } from './handler.ts';
import { HANG_MS, WorkerHost } from './host.ts';
import type { Request, Response } from './protocol.ts';
import { requestProblem, responseProblem } from './protocol.ts';

function worker() {
  const got: Response[] = [];
  let wake: (() => void) | null = null;
  const handle = createWorkerHandler((r) => {
    // Every answer is one of the protocol's (the UI's host takes any other for a crash).
    expect(responseProblem(r)).toBeNull();
    got.push(r);
    wake?.();
  });
  const until = async (f: (r: Response) => boolean): Promise<Response> => {
    for (;;) {
      const r = got.find(f);
      if (r) return r;
      await new Promise<void>((w) => {
        wake = w;
      });
    }
  };
  return { got, until, send: (req: Request) => handle(req) };
}

const SEED = seed001('off');

describe('explore in the worker', () => {
  it('reports each violation with a share link that opens the counterexample at its failing step', async () => {
    const w = worker();
    w.send({ type: 'load', id: 1, text: SEED, detailed: [] });
    w.send({ type: 'explore', id: 2, depth: 5 });
    const done = await w.until((r) => r.type === 'explore-done');
    if (done.type !== 'explore-done') throw new Error('no report');
    expect(done.id).toBe(2);
    expect(done.report.stats).toMatchObject({ depth: 5, maxDepth: 5, cut: 'depth' });
    const [v] = done.report.violations;
    expect(v).toMatchObject({ property: 'needless-eoi-exit', step: 8 });
    const link = decodeFragment(v.link!);
    expect(link.ok && link.state.step).toBe(8);
    expect(link.ok && link.state.text).toMatch(/expect count needless-eoi-exits cpu=0 vector=0x62 <= 0\n$/);
  });

  it('stops on explore-stop and says it was cut', async () => {
    const w = worker();
    w.send({
      type: 'load',
      id: 1,
      text: 'vcpus 2\nroute 3 vector=0x33 trigger=level dest=0 mask=0\nroute 4 vector=0x44 trigger=level dest=1 mask=0\n',
      detailed: [],
    });
    w.send({ type: 'explore', id: 2, depth: 40 });
    w.send({ type: 'explore-stop', id: 3 });
    const done = await w.until((r) => r.type === 'explore-done');
    expect(done.type === 'explore-done' && done.report.stats.cut).toBe('stopped');
  });

  it('answers an exploration that a newer one replaces with what it found (each request its report)', async () => {
    const w = worker();
    w.send({ type: 'load', id: 1, text: SEED, detailed: [] });
    w.send({ type: 'explore', id: 2, depth: 40 });
    w.send({ type: 'explore', id: 3, depth: 5 });
    const first = await w.until((r) => r.type === 'explore-done' && r.id === 2);
    expect(first.type === 'explore-done' && first.report.stats.cut).toBe('stopped');
    const second = await w.until((r) => r.type === 'explore-done' && r.id === 3);
    expect(second.type === 'explore-done' && second.report.violations.map((v) => v.property)).toEqual([
      'needless-eoi-exit',
    ]);
    expect(w.got.filter((r) => r.type === 'explore-done')).toHaveLength(2);
  });

  it('is in the protocol both ways: its requests, progress and report pass the validators (issue 14.7)', () => {
    expect(requestProblem({ type: 'explore', id: 1 })).toBeNull();
    expect(requestProblem({ type: 'explore', id: 1, depth: 8, maxStates: 1000 })).toBeNull();
    expect(requestProblem({ type: 'explore-stop', id: 2 })).toBeNull();
    expect(requestProblem({ type: 'explore', id: 1, depth: 0 })).toBe('explore: bad depth');
    expect(requestProblem({ type: 'explore', id: 1, depth: '8' })).toBe('explore: bad depth');
    expect(requestProblem({ type: 'explore-stop', id: 2, all: true })).toBe(
      'explore-stop: unknown field all',
    );
    const progress = { type: 'explore-progress', id: 1, states: 5, distinct: 3, depth: 1, maxDepth: 8 };
    expect(responseProblem(progress)).toBeNull();
    expect(responseProblem({ ...progress, states: -1 })).toBe('explore-progress: bad states');
    const stats = { states: 5, distinct: 3, depth: 1, maxDepth: 8, cut: false };
    const report = { violations: [{ property: 'irq-storm', step: 3, why: 'R5.6 d: …', link: null }], stats };
    expect(responseProblem({ type: 'explore-done', id: 1, report })).toBeNull();
    expect(
      responseProblem({ type: 'explore-done', id: 1, report: { ...report, stats: { ...stats, cut: 1 } } }),
    ).toBe('explore-done: bad report');
    expect(
      responseProblem({ type: 'explore-done', id: 1, report: { ...report, violations: [{ property: 1 }] } }),
    ).toBe('explore-done: bad report');
  });
});

describe('explore in the host (issue 14.6 watchdog)', () => {
  it('owes the exploration until its report: progress is heard, explore-stop owes nothing', () => {
    vi.useFakeTimers();
    try {
      const failures: string[] = [];
      let w: { onmessage: ((e: { data: unknown }) => void) | null } | null = null;
      const factory = () => {
        const x = { onmessage: null, onerror: null, onmessageerror: null, postMessage() {}, terminate() {} };
        w = x;
        return x as unknown as Worker;
      };
      const host = new WorkerHost(
        () => {},
        (kind) => failures.push(kind),
        factory,
      );
      const id = host.send({ type: 'explore', depth: 8 });
      // A long exploration: it reports progress now and then, and is not taken for hung.
      for (let t = 0; t < 4; t++) {
        vi.advanceTimersByTime(HANG_MS - 1000);
        w!.onmessage?.({
          data: { type: 'explore-progress', id, states: t, distinct: t, depth: 1, maxDepth: 8 },
        });
      }
      expect(failures).toEqual([]);
      host.send({ type: 'explore-stop' });
      const stats = { states: 4, distinct: 4, depth: 1, maxDepth: 8, cut: 'stopped' };
      w!.onmessage?.({ data: { type: 'explore-done', id, report: { violations: [], stats } } });
      // Nothing owed now (not even the stop): silence is no hang.
      vi.advanceTimersByTime(HANG_MS * 3);
      expect(failures).toEqual([]);
      // Without progress an exploration that never reports is a hang.
      host.send({ type: 'explore' });
      vi.advanceTimersByTime(HANG_MS + 1500);
      expect(failures).toEqual(['hang']);
      host.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});
