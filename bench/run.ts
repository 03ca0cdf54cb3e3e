/**
 * Guest-run benchmarks (issue 13, goal 3): `run` on a 64-vCPU windows storm with tracing off,
 * in Node on the Machine itself and through the worker's run loop (Session + the worker's pacing,
 * pace.ts, with its live frames), the capped traced replay the app makes of a run's step, and what
 * a Stop costs until the run's final frame is ready.
 *
 * Timing: the minimum over many short windows (a few ms each). The machine these run on is often
 * shared; a window the scheduler did not interrupt shows the code's own cost, and comparing runs
 * of the same code shows whether that is stable.
 */
import { Machine } from '../src/core/machine.ts';
import { mustParse } from '../src/replay/testing.ts';
import { createSliceQueue, FIRST_BUDGET, FRAME_MS, nextBudget } from '../src/worker/pace.ts';
import { MAX_STEP_EVENTS, Session } from '../src/worker/session.ts';
import type { Figure } from './core.ts';
import { isolated } from './isolated.ts';

const now = () => performance.now();

/** The storm bench/ui.ts runs in the browser: 64 windows guests, 8 level pins kept high (split). */
export const WINDOWS64_STORM = `vcpus 64\nkvm storm-limit=1000000\nguest all profile=windows\nrun\n${Array.from({ length: 8 }, (_, i) => `route ${i} vector=0x${(0xa0 + i).toString(16)} trigger=level dest=${i * 8} mask=0\nassert ${i}`).join('\n')}\n`;

/** Guest steps per second of `run` on the storm, best window of `steps` guest steps. */
export function stormStepsPerS(windows: number, steps: number, traceCap: number | null): number {
  const s = mustParse(WINDOWS64_STORM);
  const m = Machine.boot(s.config, false);
  for (const st of s.steps) m.apply(st.action);
  if (traceCap !== null) {
    m.tracing = true;
    m.ctx.maxEvents = traceCap;
  }
  // Long enough for every window (the storm limit, 1e6 EOIs per pin, is never reached).
  const run = m.beginRun(Number.MAX_SAFE_INTEGER);
  let best = 0;
  for (let w = 0; w < windows; w++) {
    const t0 = now();
    run.advance(steps);
    best = Math.max(best, steps / ((now() - t0) / 1000));
  }
  return best;
}

/**
 * The worker's run loop in Node: the same Session calls, slice sizing and live-frame cadence as
 * handler.ts pumpRun, with each message structured-cloned as postMessage would, and the next slice
 * queued as handler.ts queues it. Stops after `ms`, as the Stop button does, and times the final
 * frame the worker then posts.
 */
export async function workerLoop(ms: number) {
  const session = new Session();
  const loaded = session.load(WINDOWS64_STORM);
  if (!loaded.ok) throw new Error('storm does not load');
  const detailed = [0, 8, 16, 24];
  // What the worker does on a load before the user starts the run: the last step's frame.
  structuredClone(session.frame(session.length, detailed));
  session.beginRun(1_000_000_000, session.length);
  const slices = createSliceQueue();
  let budget = FIRST_BUDGET;
  let lastFrame = 0;
  let inSlices = 0;
  let inFrames = 0;
  let frames = 0;
  // The best rate between two live frames: a period of slices, one frame and the queueing.
  let best = 0;
  let periodStart = 0;
  let periodSteps = 0;
  let bestSlice = 0;
  const t0 = now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      const s0 = now();
      const done = session.runChunk(budget);
      const dt = now() - s0;
      inSlices += dt;
      if (!done && dt > 0) bestSlice = Math.max(bestSlice, budget / (dt / 1000));
      budget = nextBudget(budget, dt);
      const t = now();
      if (done || t - t0 >= ms) return resolve();
      if (t - lastFrame >= FRAME_MS) {
        const p = session.runProgress;
        const steps = p?.steps ?? 0;
        if (frames > 0) best = Math.max(best, (steps - periodSteps) / ((t - periodStart) / 1000));
        periodStart = t;
        periodSteps = steps;
        lastFrame = t;
        structuredClone({ type: 'progress', id: 1, steps: p?.steps, limit: p?.limit });
        structuredClone({ type: 'frame', id: 1, frame: session.liveFrame(detailed), live: true });
        inFrames += now() - t;
        frames++;
      }
      slices.next(pump);
    };
    slices.next(pump);
  });
  const wall = now() - t0;
  const steps = session.runProgress?.steps ?? 0;
  const e0 = now();
  const ended = session.endRun(true);
  const info = structuredClone(ended.ok ? ended.info : null);
  const frame = structuredClone(session.frame(session.length, detailed));
  const stopMs = now() - e0;
  slices.close();
  if (!info || frame.droppedEvents + frame.events.length <= MAX_STEP_EVENTS)
    throw new Error('the stopped run left no long step');
  return { steps, wall, inSlices, inFrames, frames, stopMs, best, bestSlice };
}

export async function runFigures(quick: boolean): Promise<Figure[]> {
  // Each in a process of its own (bench/isolated.ts): the worker's process runs what it runs.
  const node = isolated<number>('./run.ts', 'stormStepsPerS', quick ? 60 : 300, 8000, null);
  const capped = isolated<number>('./run.ts', 'stormStepsPerS', quick ? 20 : 80, 8000, MAX_STEP_EVENTS);
  const w = isolated<Awaited<ReturnType<typeof workerLoop>>>('./run.ts', 'workerLoop', quick ? 1000 : 3000);
  const workerRate = w.best;
  const workerMean = w.steps / (w.wall / 1000);
  const overhead = (100 * (w.wall - w.inSlices)) / w.wall;
  return [
    {
      name: 'guest_steps_per_s_windows64',
      value: node,
      unit: 'steps/s',
      budget: '≥ 5e6',
      ok: node >= 5e6,
    },
    {
      name: 'worker_guest_steps_per_s_windows64',
      value: workerRate,
      unit: 'steps/s',
      budget: '≥ 5e6',
      ok: workerRate >= 5e6,
    },
    { name: 'worker_guest_steps_per_s_windows64_mean', value: workerMean, unit: 'steps/s' },
    { name: 'worker_slice_steps_per_s_windows64', value: w.bestSlice, unit: 'steps/s' },
    { name: 'worker_loop_overhead_pct', value: overhead, unit: '%', budget: '≤ 10', ok: overhead <= 10 },
    { name: 'worker_live_frames_per_s', value: w.frames / (w.wall / 1000), unit: '/s' },
    { name: 'worker_live_frame_ms', value: w.inFrames / Math.max(1, w.frames), unit: 'ms' },
    {
      name: 'capped_trace_steps_per_s_windows64',
      value: capped,
      unit: 'steps/s',
      budget: '≥ 0.5 × untraced',
      ok: capped >= node / 2,
    },
    { name: 'worker_stop_to_frame_ms', value: w.stopMs, unit: `ms (${(w.steps / 1e6).toFixed(1)}M steps)` },
  ];
}
