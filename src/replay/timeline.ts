/**
 * Deterministic replay with keyframes: the state after any step without replaying from the
 * start. Keyframes are taken every `interval` work units (an action is 1, each guest step of a
 * `run` 1 more) and thinned, doubling the interval, when they would exceed a memory budget.
 */
import type { Action } from '../core/actions.ts';
import type { Config } from '../core/config.ts';
import type { Ctx } from '../core/ctx.ts';
import type { TraceEvent } from '../core/events.ts';
import type { ChunkedRun } from '../core/machine.ts';
import { Machine } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';
import { cloneMachineState } from '../core/state.ts';
import type { RunSoFar } from './recorded.ts';
import { recordedRunProblem } from './recorded.ts';

export interface Keyframe {
  step: number;
  state: MachineState;
  /** The end of a long step (LONG_STEP_WORK): kept when keyframes are thinned. */
  pinned?: boolean;
}

/** A step of this much work or more is long: a keyframe at its end is kept, and its trace (issue 14.5). */
export const LONG_STEP_WORK = 100_000;
/** Guest steps a long run advances between two calls of `onChunk` (heartbeats for the UI). */
export const RUN_CHUNK = 16_384;
/** Traces of long steps kept at most (each holds two states and up to its cap of events). */
export const MAX_RUN_TRACES = 8;

export interface TimelineOptions {
  /** Work units between keyframes at the start (default 256, or the vCPU count if larger). */
  interval?: number;
  /** Bytes all keyframes together may use, roughly (default 256 MiB). */
  budgetBytes?: number;
  /**
   * Trace long `run` steps as they are appended, keeping this many events (the rest counted):
   * replayStep(step, this cap) of such a step is then answered without running it again.
   */
  traceLongSteps?: number;
}

/** Rough size of one machine state, for the keyframe budget. */
function stateBytes(config: Config): number {
  return 4096 + config.vcpus * 1200;
}

/** What replayStep returns for a step: the states around it and its events (read-only). */
export interface StepReplay {
  before: MachineState | null;
  after: MachineState;
  events: TraceEvent[];
  dropped: number;
}

export class Timeline {
  private readonly keyframes: Keyframe[] = [];
  /**
   * Runs traced as they ran (begun with a trace cap, or long steps appended with
   * traceLongSteps), by step: replayStep answers them without replaying the run (for a long
   * run that would take about as long as the run did). The last MAX_RUN_TRACES are kept.
   */
  private readonly runTraces = new Map<number, StepReplay & { maxEvents: number }>();
  private readonly traceLongSteps: number | undefined;
  /** Called every RUN_CHUNK guest steps of a long run it executes (append, replay, seek). */
  onChunk: (() => void) | null = null;
  private pendingRun: { before: MachineState; maxEvents: number; run: ChunkedRun | null } | null = null;
  private readonly actions: Action[] = [];
  private interval: number;
  private readonly maxKeyframes: number;
  private workSinceKeyframe = 0;
  /** The machine after the last step. */
  private tip: Machine;
  /**
   * The last two steps replayed, newest first (steps never change once appended, so they stay
   * true): a step the worker replayed ahead of its request, and the one on screen.
   */
  private recent: { step: number; maxEvents: number; replay: StepReplay }[] = [];

  constructor(
    readonly config: Config,
    actions: readonly Action[] = [],
    opts: TimelineOptions = {},
  ) {
    // A keyframe copies every vCPU, a step touches a few: a large VM takes them further apart
    // (at 4096 vCPUs a copy costs about what replaying a few thousand actions does).
    this.interval = opts.interval ?? Math.max(256, config.vcpus);
    this.traceLongSteps = opts.traceLongSteps;
    this.maxKeyframes = Math.max(8, Math.floor((opts.budgetBytes ?? 256 * 2 ** 20) / stateBytes(config)));
    this.tip = Machine.boot(config, false);
    this.keyframes.push({ step: 0, state: cloneMachineState(this.tip.state) });
    for (const a of actions) this.append(a);
  }

  /** Number of steps (actions). */
  get length(): number {
    return this.actions.length;
  }

  get keyframeCount(): number {
    return this.keyframes.length;
  }

  /** The state after the last step (live: do not mutate). */
  get last(): MachineState {
    return this.tip.state;
  }

  /** The context of the machine after the last step (live): what the lints' probe reads. */
  get lastCtx(): Ctx {
    return this.tip.ctx;
  }

  /** Appends one action; returns the events it produced when `trace` is set. */
  append(action: Action, trace = false): TraceEvent[] {
    if (!trace && this.traceLongSteps !== undefined && action.kind === 'run' && action.n >= LONG_STEP_WORK) {
      // Traced as it runs, in chunks: showing the step later needs no second run (issue 14.5).
      const run = this.beginRun(action.n, this.traceLongSteps);
      while (!run.advance(RUN_CHUNK)) this.onChunk?.();
      this.commit(action, run.result().work);
      return [];
    }
    this.tip.tracing = trace;
    const r = this.tip.apply(action);
    this.tip.tracing = false;
    this.commit(action, r.work);
    return r.events;
  }

  /**
   * Starts `run n` on the last state, to be advanced in chunks; when it is done or stopped,
   * `commit` the action it amounts to (`run n`, or `run K` for a stop after K guest steps).
   * With `traceCap`, the run is traced as it goes, keeping that many events and counting the
   * rest (which costs little: ctx.ts traced), and replayStep(step, traceCap) of its step is then
   * answered from that trace, exactly what replaying it would give.
   */
  beginRun(n: number, traceCap?: number): ChunkedRun {
    if (traceCap === undefined) return this.tip.beginRun(n);
    const before = cloneMachineState(this.tip.state);
    this.tip.tracing = true;
    this.tip.ctx.maxEvents = traceCap;
    const run = this.tip.beginRun(n);
    this.pendingRun = { before, maxEvents: traceCap, run };
    return run;
  }

  /** The run begun with a trace cap, as it is now: call it between two of its chunks. */
  runSoFar(): RunSoFar | null {
    const run = this.pendingRun?.run;
    if (!run || run.done) return null;
    const m = this.tip;
    return { steps: run.steps, state: m.state, events: m.ctx.events, dropped: m.ctx.droppedEvents };
  }

  /**
   * Appends `run K` (K = r.steps) with its result given instead of computed: what runSoFar gave
   * after K guest steps of a run of this same next step, traced with this timeline's
   * traceLongSteps cap, on another timeline (a crashed worker's checkpoint, issue 14.6). It
   * records what running the step would: the same state, keyframe and trace, from which the
   * step's replay is answered. Returns why `r` cannot be that step's result (nothing changes
   * then), or null.
   */
  appendRecorded(r: RunSoFar): string | null {
    const cap = this.traceLongSteps;
    if (cap === undefined) return 'this timeline keeps no run traces';
    const before = this.tip.state;
    const problem = recordedRunProblem(before, r, cap);
    if (problem !== null) return problem;
    // Copied into the core's own shapes, with this timeline's configuration, and the strings
    // the core compares at every step (guest profiles, fixed at boot; the SEOIB mode) interned
    // as in the state before: a structured clone's copies compare by content.
    const m = Machine.fromState({ ...r.state, config: this.config }, false);
    for (const v of m.state.cpus) v.profile = before.cpus[v.index].profile;
    if (m.state.vm.seoib === before.vm.seoib) m.state.vm.seoib = before.vm.seoib;
    // The old tip's state is not changed any more: it is the step's `before`.
    this.pendingRun = { before, maxEvents: cap, run: null };
    this.tip = m;
    this.commit({ kind: 'run', n: r.steps }, m.endRunAt(r.steps, r.events.slice(), r.dropped, cap).work);
    return null;
  }

  /** Records an action already applied to the last state. */
  commit(action: Action, work: number): void {
    this.actions.push(action);
    const run = this.pendingRun;
    if (run) {
      const m = this.tip;
      this.pendingRun = null;
      this.runTraces.delete(this.actions.length);
      this.runTraces.set(this.actions.length, {
        maxEvents: run.maxEvents,
        before: run.before,
        after: cloneMachineState(m.state),
        events: m.ctx.events,
        dropped: m.ctx.droppedEvents,
      });
      for (const k of this.runTraces.keys()) {
        if (this.runTraces.size <= MAX_RUN_TRACES) break;
        this.runTraces.delete(k);
      }
      m.tracing = false;
      m.ctx.maxEvents = Number.POSITIVE_INFINITY;
    }
    this.workSinceKeyframe += work;
    if (work >= LONG_STEP_WORK) this.addKeyframe(true);
    else if (this.workSinceKeyframe >= this.interval) this.addKeyframe(false);
  }

  private addKeyframe(pinned: boolean): void {
    this.workSinceKeyframe = 0;
    this.keyframes.push({ step: this.actions.length, state: cloneMachineState(this.tip.state), pinned });
    if (this.keyframes.length > this.maxKeyframes) {
      // Pinned ones (ends of long steps) may use half the budget: the oldest give way first.
      let pinnedCount = this.keyframes.filter((k) => k.pinned).length;
      for (const k of this.keyframes) {
        if (pinnedCount <= this.maxKeyframes / 2) break;
        if (k.pinned) {
          k.pinned = false;
          pinnedCount--;
        }
      }
      // Keep keyframe 0, the pinned ones and every other one: seeking stays bounded, memory halves.
      const kept = this.keyframes.filter((k, i) => i === 0 || k.pinned || i % 2 === 0);
      this.keyframes.splice(0, this.keyframes.length, ...kept);
      this.interval *= 2;
    }
  }

  /** Applies `action` to `m`; a long run in chunks, calling onChunk between them. */
  private applyChunked(m: Machine, action: Action): TraceEvent[] {
    if (action.kind !== 'run' || action.n < LONG_STEP_WORK) return m.apply(action).events;
    const run = m.beginRun(action.n);
    while (!run.advance(RUN_CHUNK)) this.onChunk?.();
    return run.result().events;
  }

  private keyframeBefore(step: number): Keyframe {
    let lo = 0;
    let hi = this.keyframes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.keyframes[mid].step <= step) lo = mid;
      else hi = mid - 1;
    }
    return this.keyframes[lo];
  }

  /** A machine positioned after `step` actions (0 = booted start), tracing off. */
  machineAt(step: number): Machine {
    if (step < 0 || step > this.length) throw new RangeError(`step ${step} is outside 0–${this.length}`);
    const kf = this.keyframeBefore(step);
    const m = Machine.fromState(kf.state, false);
    for (let i = kf.step; i < step; i++) this.applyChunked(m, this.actions[i]);
    return m;
  }

  /** A copy of the state after `step` actions. */
  stateAt(step: number): MachineState {
    return this.machineAt(step).state;
  }

  /** The events of step `step` (1-based), replayed with tracing on. */
  eventsOf(step: number): TraceEvent[] {
    return this.replayStep(step).events;
  }

  /**
   * Replays step `step` with tracing on: the state before it, the state after it, its events
   * (at most `maxEvents`, the rest counted in `dropped`).
   */
  replayStep(step: number, maxEvents = Number.POSITIVE_INFINITY): StepReplay {
    const t = this.runTraces.get(step);
    if (t && t.maxEvents === maxEvents)
      return { before: t.before, after: t.after, events: t.events, dropped: t.dropped };
    if (step < 1 || step > this.length)
      return {
        before: null,
        after: this.stateAt(Math.max(0, Math.min(step, this.length))),
        events: [],
        dropped: 0,
      };
    const hit = this.recent.find((r) => r.step === step && r.maxEvents === maxEvents);
    if (hit) return hit.replay;
    const last = this.recent.find((r) => r.step === step - 1);
    // Stepping forward: the previous step's `after` is this step's `before`, so one copy of the
    // machine instead of two (at 4096 vCPUs a copy is most of a step's cost in the worker).
    // The event cap changes only which events are kept, never the state.
    let m: Machine;
    let before: MachineState;
    if (last?.step === step - 1) {
      before = last.replay.after;
      m = Machine.fromState(before, false);
    } else {
      // A keyframe is never changed, so when the step starts at one it is `before` itself.
      const kf = this.keyframeBefore(step - 1);
      if (kf.step === step - 1) {
        before = kf.state;
        m = Machine.fromState(before, false);
      } else {
        m = this.machineAt(step - 1);
        before = cloneMachineState(m.state);
      }
    }
    m.tracing = true;
    m.ctx.maxEvents = maxEvents;
    const events = this.applyChunked(m, this.actions[step - 1]);
    const replay = { before, after: m.state, events, dropped: m.ctx.droppedEvents };
    this.recent = [{ step, maxEvents, replay }, ...this.recent.slice(0, 1)];
    return replay;
  }

  /**
   * A sub-step: a copy of the state right after event `event` of step `step` (1-based) was
   * recorded, or null when the step has no such event (events beyond `maxEvents` are not kept).
   */
  stateAfterEvent(step: number, event: number, maxEvents = Number.POSITIVE_INFINITY): MachineState | null {
    if (step < 1 || step > this.length || event < 0 || event >= maxEvents) return null;
    const m = this.machineAt(step - 1);
    m.ctx.maxEvents = maxEvents;
    return m.stateAfterEvent(this.actions[step - 1], event);
  }

  /** The action of step `step` (1-based). */
  actionOf(step: number): Action {
    return this.actions[step - 1];
  }
}
