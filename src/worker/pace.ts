/**
 * How the worker paces a long `run`: slices of guest steps sized to take about SLICE_MS, a live
 * frame at most every FRAME_MS, and the next slice queued as a new task at once. Ten frames a
 * second: each costs the page a render of every number that moved (at 25 a second a 64-vCPU
 * storm kept the UI thread busy 95% of the time on a 2-core machine, with tasks over 50 ms). Shared by handler.ts and the Node
 * bench that measures the loop (bench/run.ts).
 */

export const SLICE_MS = 8;
export const FRAME_MS = 100;
/** Guest steps of the first slice; later slices are sized from the time the last one took. */
export const FIRST_BUDGET = 256;

/** The next slice's guest steps, from this slice's steps and duration. */
export function nextBudget(budget: number, sliceMs: number): number {
  return Math.max(16, Math.min(200_000, Math.round(budget * (sliceMs > 0 ? SLICE_MS / sliceMs : 2))));
}

/**
 * Queues `f` as a new task, to run as soon as the thread is free. Not setTimeout(f, 0): nested
 * timers are clamped to 4 ms (HTML timers, in workers too), which left a third of every 8 ms
 * slice idle. A message to ourselves is not clamped and is queued behind the messages already
 * received, so a `stop` is still handled between two slices.
 */
export function createSliceQueue(): { next: (f: () => void) => void; close: () => void } {
  if (typeof MessageChannel === 'undefined') return { next: (f) => void setTimeout(f, 0), close: () => {} };
  const channel = new MessageChannel();
  // In order, as setTimeout(f, 0) calls would run.
  const queued: (() => void)[] = [];
  channel.port1.onmessage = () => queued.shift()?.();
  return {
    next: (f) => {
      queued.push(f);
      channel.port2.postMessage(null);
    },
    close: () => channel.port1.close(),
  };
}
