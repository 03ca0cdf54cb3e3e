/** The worker's exploration (issue 10): progress while it runs, a report with share links, Stop. */
import { describe, expect, it } from 'vitest';
import { decodeFragment } from '../share/url.ts';
import { createWorkerHandler } from './handler.ts';
import type { Request, Response } from './protocol.ts';

function worker() {
  const got: Response[] = [];
  let wake: (() => void) | null = null;
  const handle = createWorkerHandler((r) => {
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

// Seed 001 (R7.3, R7.5), the retarget and the in-flight EOI done.
const SEED = `vcpus 2
apicv off
kvm stale-eoi-rescan=off
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
route 10 dest=1
cpu 0 eoi
explore actions assert deassert eoi iret service
explore action msi dest=0 vector=0x62
explore lints needless-eoi-exit
`;

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
});
