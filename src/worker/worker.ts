/// <reference lib="webworker" />
/**
 * The Web Worker that hosts the emulator; the UI thread never runs it. Long runs advance in
 * slices so that `stop` is heard, and post at most one live frame per animation frame.
 */

import { chromeTrace, traceText } from '../share/trace-export.ts';
import { createSliceQueue, FIRST_BUDGET, FRAME_MS, nextBudget } from './pace.ts';
import type { Request, Response } from './protocol.ts';
import { Session } from './session.ts';

const session = new Session();
let current = 0;
// Heartbeats during long loads: the UI's hang watchdog hears them.
session.onProgress = (done, total) => post({ type: 'progress', id: current, steps: done, limit: total });
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (r: Response) => scope.postMessage(r);

/** Guest steps per slice, adjusted to keep each slice near SLICE_MS; live frames at most every FRAME_MS (pace.ts). */
const slices = createSliceQueue();
let run: { id: number; detailed: number[]; budget: number; lastFrame: number; stop: boolean } | null = null;

function pumpRun(): void {
  if (!run) return;
  const r = run;
  const t0 = performance.now();
  const done = r.stop || session.runChunk(r.budget);
  const dt = performance.now() - t0;
  r.budget = nextBudget(r.budget, dt);
  if (done) {
    const ended = session.endRun(r.stop);
    run = null;
    if (ended.ok) post({ type: 'run-ended', id: r.id, info: ended.info });
    post({ type: 'frame', id: r.id, frame: session.frame(session.length, r.detailed) });
    return;
  }
  const now = performance.now();
  if (now - r.lastFrame >= FRAME_MS) {
    r.lastFrame = now;
    const p = session.runProgress;
    if (p) post({ type: 'progress', id: r.id, steps: p.steps, limit: p.limit });
    post({ type: 'frame', id: r.id, frame: session.liveFrame(r.detailed), live: true });
  }
  slices.next(pumpRun);
}

function handle(req: Request): void {
  current = req.id;
  switch (req.type) {
    case 'load': {
      const r = session.load(req.text);
      if (!r.ok) return post({ type: 'error', id: req.id, errors: r.errors });
      post({ type: 'loaded', id: req.id, info: r.info });
      post({
        type: 'frame',
        id: req.id,
        frame: session.frame(req.step ?? session.length, req.detailed, req.event ?? null),
      });
      return;
    }
    case 'seek':
      post({ type: 'frame', id: req.id, frame: session.frame(req.step, req.detailed, req.event ?? null) });
      return;
    case 'append': {
      const r = session.append(req.lines, req.at);
      if (!r.ok) return post({ type: 'error', id: req.id, errors: r.errors });
      post({ type: 'loaded', id: req.id, info: r.info });
      post({ type: 'frame', id: req.id, frame: session.frame(session.length, req.detailed) });
      return;
    }
    case 'run': {
      const r = session.beginRun(req.n, req.at);
      if (!r.ok) return post({ type: 'error', id: req.id, errors: r.errors });
      post({ type: 'loaded', id: req.id, info: r.info });
      run = { id: req.id, detailed: req.detailed, budget: FIRST_BUDGET, lastFrame: 0, stop: false };
      slices.next(pumpRun);
      return;
    }
    case 'stop':
      if (run) run.stop = true;
      return;
    case 'export': {
      const steps = session.traceSteps();
      const info = session.info();
      const text =
        req.what === 'chrome-trace'
          ? JSON.stringify(chromeTrace(steps, info.vcpus, info.title ?? 'scenario'))
          : traceText(steps, req.what === 'trace-why');
      post({ type: 'exported', id: req.id, what: req.what, text });
      return;
    }
    case 'crash':
      throw new Error('worker crash requested by a test');
    case 'hang': {
      const until = performance.now() + req.ms;
      while (performance.now() < until) {
        // Busy on purpose: the UI's watchdog must notice and restart the worker.
      }
      return;
    }
  }
}

scope.onmessage = (e: MessageEvent<Request>) => {
  // A request other than `stop` ends a run first, as a stop would.
  if (
    run &&
    e.data.type !== 'stop' &&
    e.data.type !== 'crash' &&
    e.data.type !== 'hang' &&
    e.data.type !== 'export'
  ) {
    run.stop = true;
    pumpRun();
  }
  handle(e.data);
};
