/**
 * Deterministic replay with keyframes: the state after any step without replaying from the
 * start. Keyframes are taken every `interval` work units (an action is 1, each guest step of a
 * `run` 1 more) and thinned, doubling the interval, when they would exceed a memory budget.
 */
import type { Action } from '../core/actions.ts';
import type { Config } from '../core/config.ts';
import type { TraceEvent } from '../core/events.ts';
import type { ChunkedRun } from '../core/machine.ts';
import { Machine } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';
import { cloneMachineState } from '../core/state.ts';

export interface Keyframe {
  step: number;
  state: MachineState;
}

export interface TimelineOptions {
  /** Work units between keyframes at the start (default 256). */
  interval?: number;
  /** Bytes all keyframes together may use, roughly (default 256 MiB). */
  budgetBytes?: number;
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
   * The step of the last `run` begun with a trace cap, traced as it ran: replayStep answers it
   * without replaying the run (for a long run that would take about as long as the run did).
   */
  private runTrace: (StepReplay & { step: number; maxEvents: number }) | null = null;
  private pendingRun: { before: MachineState; maxEvents: number } | null = null;
  private readonly actions: Action[] = [];
  private interval: number;
  private readonly maxKeyframes: number;
  private workSinceKeyframe = 0;
  /** The machine after the last step. */
  private tip: Machine;

  constructor(
    readonly config: Config,
    actions: readonly Action[] = [],
    opts: TimelineOptions = {},
  ) {
    this.interval = opts.interval ?? 256;
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

  /** Appends one action; returns the events it produced when `trace` is set. */
  append(action: Action, trace = false): TraceEvent[] {
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
    if (traceCap !== undefined) {
      this.pendingRun = { before: cloneMachineState(this.tip.state), maxEvents: traceCap };
      this.tip.tracing = true;
      this.tip.ctx.maxEvents = traceCap;
    }
    return this.tip.beginRun(n);
  }

  /** Records an action already applied to the last state. */
  commit(action: Action, work: number): void {
    this.actions.push(action);
    const run = this.pendingRun;
    if (run) {
      const m = this.tip;
      this.pendingRun = null;
      this.runTrace = {
        step: this.actions.length,
        maxEvents: run.maxEvents,
        before: run.before,
        after: cloneMachineState(m.state),
        events: m.ctx.events,
        dropped: m.ctx.droppedEvents,
      };
      m.tracing = false;
      m.ctx.maxEvents = Number.POSITIVE_INFINITY;
    }
    this.workSinceKeyframe += work;
    if (this.workSinceKeyframe >= this.interval) this.addKeyframe();
  }

  private addKeyframe(): void {
    this.workSinceKeyframe = 0;
    this.keyframes.push({ step: this.actions.length, state: cloneMachineState(this.tip.state) });
    if (this.keyframes.length > this.maxKeyframes) {
      // Keep keyframe 0 and every other one: seeking stays bounded, memory halves.
      for (let i = this.keyframes.length - 1; i > 0; i--) if (i % 2 === 1) this.keyframes.splice(i, 1);
      this.interval *= 2;
    }
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
    for (let i = kf.step; i < step; i++) m.apply(this.actions[i]);
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
    const t = this.runTrace;
    if (t && t.step === step && t.maxEvents === maxEvents)
      return { before: t.before, after: t.after, events: t.events, dropped: t.dropped };
    if (step < 1 || step > this.length)
      return {
        before: null,
        after: this.stateAt(Math.max(0, Math.min(step, this.length))),
        events: [],
        dropped: 0,
      };
    const m = this.machineAt(step - 1);
    const before = cloneMachineState(m.state);
    m.tracing = true;
    m.ctx.maxEvents = maxEvents;
    const r = m.apply(this.actions[step - 1]);
    return { before, after: m.state, events: r.events, dropped: m.ctx.droppedEvents };
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
