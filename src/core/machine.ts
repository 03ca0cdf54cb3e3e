/**
 * The Machine: configuration + state; `apply(action)` runs one step to quiescence and returns
 * its events. Deterministic: no clocks, no randomness, no I/O. Each action is handed to the
 * file of the kernel or QEMU code that handles it: guest.ts (the guest's operations),
 * irqchip.ts (devices and RTE writes), irq.ts (MSIs), delivery.ts (IPIs), snapshot.ts
 * (savevm, loadvm, migration), life.ts (reboot, power-on, KVM's flags); `run` is GuestRun.
 */
import type { Action } from './actions.ts';
import { MAX_MAP_SLOTS } from './apicmap.ts';
import { bitmapCopy } from './bitmap.ts';
import type { Config } from './config.ts';
import { x2apicFormat } from './config.ts';
import { countersNew } from './counters.ts';
import type { Ctx } from './ctx.ts';
import {
  CAPTURED,
  causedBy,
  clearAttn,
  emit,
  eventOf,
  HostCrash,
  markGuestBusy,
  nextSetBit,
  resetCauses,
  traced,
} from './ctx.ts';
import { kvmApicSendIpi } from './delivery.ts';
import type { TraceEvent } from './events.ts';
import { guestHasWork, guestIdle, guestOp, guestStep } from './guest.ts';
import { ioapicIndexVectors } from './ioapic-common.ts';
import { kvmSetMsi } from './irq.ts';
import { ioapicFireDueTimers, ioapicSetLine, ioapicWriteRte } from './irqchip.ts';
import { kvmEnableCapX2apicApi, lifeRecord, stopAllVcpus, vmPowerOn, vmReboot } from './life.ts';
import { loadSnapshot, migrate, saveSnapshot } from './snapshot.ts';
import type { MachineState } from './state.ts';
import { cloneMachineState, newMachineState } from './state.ts';
import { vmExit } from './vcpu.ts';
import { settle, vcpuScanIoapic } from './x86.ts';

/** Virtual time per action and per guest step of `run` (contract §4, Time). */
export const STEP_NS = 1000;

/** Shared by every untraced step: nothing is ever pushed to it. */
const NO_EVENTS: TraceEvent[] = Object.freeze([]) as unknown as TraceEvent[];
/** What every untraced step other than `run` returns: nothing to allocate per step. */
const UNTRACED_STEP: StepResult = Object.freeze({ events: NO_EVENTS, work: 1 });

export interface StepResult {
  events: TraceEvent[];
  /** Work units the step took (1 + guest steps of a run): keyframe spacing uses it. */
  work: number;
}

export class Machine {
  readonly ctx: Ctx;

  private constructor(state: MachineState, tracing: boolean) {
    this.ctx = {
      state,
      split: state.config.irqchip === 'split',
      x2apicFormat: x2apicFormat(state.config),
      tracing,
      recording: false,
      events: [],
      maxEvents: Number.POSITIVE_INFINITY,
      droppedEvents: 0,
      attn: new Uint32Array((state.cpus.length + 31) >>> 5),
      attnCount: 0,
      guestBusy: new Uint32Array((state.cpus.length + 31) >>> 5),
      cause: -1,
      vcpuCause: new Int32Array(state.cpus.length).fill(-1),
      reqCause: new Int32Array(state.cpus.length * 4).fill(-1),
      guestCause: new Int32Array(state.cpus.length).fill(-1),
      vectorPins: new Uint32Array(256),
      irq: { vector: 0, deliveryMode: 0, destMode: 0, trigger: 0, dest: 0, shorthand: 0 },
      mapSlots: new Int32Array(MAX_MAP_SLOTS),
      framePool: [],
      framePoolSize: 0,
      captureAt: -1,
      captured: null,
      vectorSets: new Float64Array(256),
      restores: 0,
    };
    ioapicIndexVectors(this.ctx);
    for (const v of state.cpus) if (!guestIdle(v)) markGuestBusy(this.ctx, v);
  }

  /** The booted start state (contract §4, Start): every vCPU has scanned once, nothing counted. */
  static boot(config: Config, tracing = true): Machine {
    const m = new Machine(newMachineState(config), false);
    for (const v of m.ctx.state.cpus) {
      vcpuScanIoapic(m.ctx, v);
      bitmapCopy(v.eoiExitBitmap, v.ioapicHandledVectors);
      v.requests = 0;
    }
    m.ctx.state.counters = countersNew(config.vcpus);
    clearAttn(m.ctx);
    m.ctx.tracing = tracing;
    return m;
  }

  /** A machine that continues from a copy of `state`. */
  static fromState(state: MachineState, tracing = true): Machine {
    return new Machine(cloneMachineState(state), tracing);
  }

  get state(): MachineState {
    return this.ctx.state;
  }

  set tracing(on: boolean) {
    this.ctx.tracing = on;
  }

  /** Runs one action to quiescence (contract §4, Steps). */
  apply(action: Action): StepResult {
    if (action.kind === 'run') {
      const r = this.beginRun(action.n);
      r.advance(Number.POSITIVE_INFINITY);
      return r.result();
    }
    const ctx = this.ctx;
    this.startStep(action);
    if (!ctx.state.vm.crashed) {
      try {
        advance(ctx, STEP_NS);
        perform(ctx, action);
        ctx.cause = ctx.tracing ? 0 : -1;
        settle(ctx);
      } catch (e) {
        hostCrashed(ctx, e);
      }
    }
    return ctx.tracing ? { events: ctx.events, work: 1 } : UNTRACED_STEP;
  }

  /**
   * Starts a `run N` step that the caller advances in chunks (the worker's long runs, with
   * progress and stop). Applying `run N` is exactly beginRun(N) advanced to the end.
   */
  beginRun(n: number): ChunkedRun {
    this.startStep({ kind: 'run', n });
    return new ChunkedRun(this.ctx, n);
  }

  /**
   * Ends, as a stop after its K guest steps does, a traced `run` whose state after those steps
   * this machine holds and whose trace then was `events` and `dropped` (kept at most
   * `maxEvents`), both taken between two of its chunks (a long run's checkpoint, issue 14.6):
   * the step is then exactly `run K`, state and trace.
   */
  endRunAt(steps: number, events: TraceEvent[], dropped: number, maxEvents: number): StepResult {
    const ctx = this.ctx;
    ctx.tracing = true;
    ctx.maxEvents = maxEvents;
    ctx.events = events;
    ctx.droppedEvents = dropped;
    ctx.recording = maxEvents > 0 && events.length < maxEvents;
    const run = new GuestRun(ctx, steps);
    run.steps = steps;
    endStopped(ctx, run);
    return { events: ctx.events, work: 1 + steps };
  }

  /**
   * Applies `action` with tracing on and returns a copy of the state right after its event
   * `index` was recorded (a sub-step), or null when the step has no such event. The step stops
   * there: the machine is left mid-step, so use a throwaway machine (Timeline.machineAt).
   */
  stateAfterEvent(action: Action, index: number): MachineState | null {
    const ctx = this.ctx;
    ctx.tracing = true;
    ctx.captureAt = index;
    ctx.captured = null;
    try {
      this.apply(action);
    } catch (e) {
      if (e !== CAPTURED) throw e;
    }
    const r = ctx.captured;
    ctx.captureAt = -1;
    ctx.captured = null;
    return r;
  }

  /** Every step starts with its action: event 0, the root of every cause chain. */
  private startStep(action: Action): void {
    const ctx = this.ctx;
    ctx.events = ctx.tracing ? [] : NO_EVENTS;
    ctx.droppedEvents = 0;
    ctx.recording = ctx.tracing && ctx.maxEvents > 0;
    if (!ctx.tracing) return;
    resetCauses(ctx);
    if (traced(ctx)) {
      const a = describeAction(action);
      ctx.cause = emit(ctx, a.cpu, 'action', { label: a.label, device: a.device });
    }
    if (ctx.state.vm.crashed && traced(ctx)) emit(ctx, -1, 'vm_stopped', {});
  }
}

/** A host crash (R9.5) ends the step where it happened; anything else is rethrown. */
function hostCrashed(ctx: Ctx, e: unknown): void {
  if (!(e instanceof HostCrash)) throw e;
  clearAttn(ctx);
}

/** Runs a piece of a step; a host crash (R9.5) ends the step where it happened. */
function guarded(ctx: Ctx, f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    hostCrashed(ctx, e);
    return false;
  }
}

export class ChunkedRun {
  private readonly run: GuestRun | null = null;
  private finished = false;

  constructor(
    private readonly ctx: Ctx,
    n: number,
  ) {
    if (ctx.state.vm.crashed || !guarded(ctx, () => advance(ctx, STEP_NS))) {
      this.finished = true;
      return;
    }
    this.run = new GuestRun(ctx, n);
  }

  get steps(): number {
    return this.run?.steps ?? 0;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Runs up to `budget` more guest steps; returns true when the step is complete. */
  advance(budget: number): boolean {
    const run = this.run;
    if (this.finished || !run) return true;
    guarded(this.ctx, () => {
      if (run.advance(budget)) settle(this.ctx);
    });
    this.finished = run.done || this.ctx.state.vm.crashed;
    return this.finished;
  }

  /**
   * Ends the run where it is: the step it leaves is exactly `run K`, K = steps taken, and so is
   * its trace when it is traced (it ends as that run's does).
   */
  stop(): { kind: 'run'; n: number } {
    const run = this.run;
    if (!this.finished && run) endStopped(this.ctx, run);
    this.finished = true;
    return { kind: 'run', n: this.steps };
  }

  result(): StepResult {
    return { events: this.ctx.events, work: 1 + this.steps };
  }
}

/** Ends `run` where it is, as `run K` (K = its steps) ends: its run_done, the root named `run K`. */
function endStopped(ctx: Ctx, run: GuestRun): void {
  run.stopHere();
  guarded(ctx, () => settle(ctx));
  relabelRoot(ctx, { kind: 'run', n: run.steps });
}

/** A traced step's root event names its action: a stopped run's is `run K`, what it is recorded as. */
function relabelRoot(ctx: Ctx, action: Action): void {
  const root = ctx.events[0];
  if (!ctx.tracing || root?.type !== 'action') return;
  const a = describeAction(action);
  const e = eventOf(ctx, a.cpu, 'action', { label: a.label, device: a.device });
  ctx.events[0] = { ...e, time: root.time, cause: root.cause };
}

function advance(ctx: Ctx, ns: number): void {
  ctx.state.time += ns;
  ioapicFireDueTimers(ctx);
  settle(ctx);
}

/** A short label of an action for its root event, and the lane it starts on. */
function describeAction(a: Action): { label: string; cpu: number; device: boolean } {
  switch (a.kind) {
    case 'route':
      return { label: `route ${a.pin}`, cpu: -1, device: true };
    case 'mask':
    case 'unmask':
    case 'assert':
    case 'deassert':
    case 'pulse':
      return { label: `${a.kind} ${a.pin}`, cpu: -1, device: true };
    case 'msi':
      return { label: `msi dest=${a.dest} vector=0x${a.vector.toString(16)}`, cpu: -1, device: true };
    case 'ipi':
      return { label: `ipi from=${a.from} vector=0x${a.vector.toString(16)}`, cpu: a.from, device: false };
    case 'wait':
      return { label: `wait ${a.ns}ns`, cpu: -1, device: false };
    case 'snapshot':
    case 'restore':
      return { label: `${a.kind} ${a.name}`, cpu: -1, device: false };
    case 'host-pv-eoi':
      return { label: `host-pv-eoi ${a.cpu} off`, cpu: a.cpu, device: false };
    case 'reboot':
      return { label: 'reboot', cpu: -1, device: false };
    case 'power-on':
    case 'migrate':
      return { label: a.kind, cpu: -1, device: false };
    case 'kvm-set-x2apic-api':
      return { label: `kvm-set-x2apic-api seoib=${a.seoib}`, cpu: -1, device: false };
    case 'cpu':
      return {
        label: `cpu ${a.cpu} ${a.op.op}${'value' in a.op ? ` 0x${a.op.value.toString(16)}` : 'pin' in a.op ? ` ${a.op.pin}` : 'on' in a.op ? (a.op.on ? ' on' : ' off') : ''}`,
        cpu: a.cpu,
        device: false,
      };
    case 'run':
      return { label: `run ${a.n}`, cpu: -1, device: false };
  }
}

/** Performs an action (`run` is GuestRun's). */
function perform(ctx: Ctx, a: Exclude<Action, { kind: 'run' }>): void {
  const s = ctx.state;
  // The guest's own actions first: scenarios are mostly made of them.
  switch (a.kind) {
    case 'cpu':
      guestOp(ctx, s.cpus[a.cpu], a.op);
      return;
    case 'route':
      ioapicWriteRte(ctx, a.pin, a.fields);
      return;
    case 'mask':
    case 'unmask':
      ioapicWriteRte(ctx, a.pin, { mask: a.kind === 'mask' ? 1 : 0 });
      return;
    case 'assert':
    case 'deassert':
      ioapicSetLine(ctx, a.pin, a.kind === 'assert' ? 1 : 0);
      return;
    case 'pulse':
      ioapicSetLine(ctx, a.pin, 1);
      ioapicSetLine(ctx, a.pin, 0);
      return;
    case 'msi':
      kvmSetMsi(ctx, {
        dest: a.dest,
        destMode: a.destMode,
        vector: a.vector,
        deliveryMode: a.deliveryMode,
        trigger: a.trigger,
      });
      return;
    case 'ipi': {
      const v = s.cpus[a.from];
      vmExit(ctx, v, v.x2apic ? 'MSR_WRITE' : 'APIC_ACCESS', 'icr-write');
      kvmApicSendIpi(ctx, v, a);
      return;
    }
    case 'wait':
      advance(ctx, a.ns);
      return;
    case 'snapshot':
      saveSnapshot(ctx, a.name);
      return;
    case 'restore':
      loadSnapshot(ctx, a.name);
      return;
    case 'reboot':
      stopAllVcpus(ctx, 'reboot');
      vmReboot(ctx);
      return;
    case 'power-on':
      vmPowerOn(ctx, a.host);
      return;
    case 'migrate':
      migrate(ctx, a.host);
      return;
    case 'kvm-set-x2apic-api': {
      const r = kvmEnableCapX2apicApi(ctx, a.seoib !== 'disable', a.seoib !== 'enable');
      lifeRecord(ctx, 'flag-write', r === 'ok', a.seoib);
      return;
    }
    case 'host-pv-eoi': {
      const v = s.cpus[a.cpu];
      v.pvEoiEnabled = false;
      if (traced(ctx)) emit(ctx, v.index, 'host_pv_eoi_off', { pending: v.pvEoiPending });
      return;
    }
  }
}

/**
 * `run N` as a resumable loop: rounds in which every vCPU with work, in index order, takes one
 * guest step (contract §5). `advance(budget)` runs up to `budget` guest steps; stopping after K
 * steps leaves exactly the state `run K` would, so an interrupted run is recorded as `run K`.
 */
export class GuestRun {
  steps = 0;
  done = false;
  private next = 0;
  private anyInRound = false;

  constructor(
    private readonly ctx: Ctx,
    readonly limit: number,
  ) {}

  /** Ends the run after the steps taken, as `run K` (K = steps) ends: done, with its run_done. */
  stopHere(): void {
    if (this.done) return;
    this.done = true;
    if (traced(this.ctx)) {
      this.ctx.cause = 0;
      emit(this.ctx, -1, 'run_done', { steps: this.steps, limit: this.steps });
    }
  }

  /** Runs up to `budget` guest steps; returns true when the run is over. */
  advance(budget: number): boolean {
    const ctx = this.ctx;
    const cpus = ctx.state.cpus;
    // The loop's position in locals (written back below), so that the steps do not reload it.
    let { steps, next, anyInRound, done } = this;
    const limit = this.limit;
    while (!done && budget > 0) {
      if (steps >= limit || ctx.state.vm.crashed) {
        done = true;
        break;
      }
      // The vCPUs not marked busy have no work (Ctx.guestBusy): the round skips them.
      const i = next < cpus.length ? nextSetBit(ctx.guestBusy, next) : -1;
      if (i < 0) {
        if (!anyInRound) {
          done = true;
          break;
        }
        next = 0;
        anyInRound = false;
        continue;
      }
      next = i + 1;
      const v = cpus[i];
      if (!guestHasWork(ctx, v)) {
        if (guestIdle(v)) ctx.guestBusy[i >>> 5] &= ~(1 << (i & 31));
        continue;
      }
      anyInRound = true;
      steps++;
      this.steps = steps; // read by stopHere and ChunkedRun if the step throws (host crash)
      budget--;
      advance(ctx, STEP_NS);
      if (ctx.recording) {
        // A guest step descends from the handler it runs (or from the run itself).
        ctx.cause = 0;
        causedBy(ctx, ctx.guestCause[v.index]);
      }
      guestStep(ctx, v);
      if (ctx.recording) ctx.cause = 0;
      settle(ctx);
    }
    this.next = next;
    this.anyInRound = anyInRound;
    this.done = done;
    if (done && traced(ctx)) {
      ctx.cause = 0;
      emit(ctx, -1, 'run_done', { steps: this.steps, limit: this.limit });
    }
    return this.done;
  }
}
