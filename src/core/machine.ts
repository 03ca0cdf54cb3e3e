/**
 * The Machine: configuration + state; `apply(action)` runs one step to quiescence and returns
 * its events. Deterministic: no clocks, no randomness, no I/O.
 */
import type { Action, HostChange } from './actions.ts';
import { MAX_MAP_SLOTS } from './apicmap.ts';
import { bitmapCopy } from './bitmap.ts';
import type { Config } from './config.ts';
import { modeOfQemuState, x2apicFormat } from './config.ts';
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
  touch,
  traced,
} from './ctx.ts';
import { kvmApicMatchDest, kvmIrqDeliveryToApic } from './delivery.ts';
import type { TraceEvent } from './events.ts';
import { guestHasWork, guestIdle, guestOp, guestStep } from './guest.ts';
import {
  ioapicFireDueTimers,
  ioapicIndexVectors,
  ioapicSetLine,
  ioapicWriteRte,
  isSplit,
  kvmApicPendingEoi,
  kvmIoapicSetIrq,
  kvmSetMsi,
  qemuUpdateKvmRoutes,
  RTC_GSI,
} from './ioapic.ts';
import { kvmRecalculateApicMap } from './lapic.ts';
import {
  hostWith,
  kvmApicSetVersion,
  kvmEnableCapX2apicApi,
  lifeRecord,
  planMigration,
  qemuSeoibPostLoad,
  stateFor,
  vmPowerOn,
  vmReboot,
} from './life.ts';
import type { MachineState, SavedMachine } from './state.ts';
import {
  cloneFrames,
  cloneIoapic,
  cloneMachineState,
  cloneTasks,
  cloneVcpu,
  newMachineState,
  newRte,
  REQ_EVENT,
  REQ_SCAN_IOAPIC,
} from './state.ts';
import { settle, vcpuScanIoapic, vmExit } from './x86.ts';

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
      s: state,
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
    for (const v of m.ctx.s.cpus) {
      vcpuScanIoapic(m.ctx, v);
      bitmapCopy(v.eoiExitBitmap, v.ioapicHandledVectors);
      v.requests = 0;
    }
    m.ctx.s.counters = countersNew(config.vcpus);
    clearAttn(m.ctx);
    m.ctx.tracing = tracing;
    return m;
  }

  /** A machine that continues from a copy of `state`. */
  static fromState(state: MachineState, tracing = true): Machine {
    return new Machine(cloneMachineState(state), tracing);
  }

  get state(): MachineState {
    return this.ctx.s;
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
    const m = this.ctx;
    this.startStep(action);
    if (!m.s.vm.crashed) {
      try {
        advance(m, STEP_NS);
        perform(m, action);
        m.cause = m.tracing ? 0 : -1;
        settle(m);
      } catch (e) {
        hostCrashed(m, e);
      }
    }
    return m.tracing ? { events: m.events, work: 1 } : UNTRACED_STEP;
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
    const m = this.ctx;
    m.tracing = true;
    m.maxEvents = maxEvents;
    m.events = events;
    m.droppedEvents = dropped;
    m.recording = maxEvents > 0 && events.length < maxEvents;
    const run = new GuestRun(m, steps);
    run.steps = steps;
    endStopped(m, run);
    return { events: m.events, work: 1 + steps };
  }

  /**
   * Applies `action` with tracing on and returns a copy of the state right after its event
   * `index` was recorded (a sub-step), or null when the step has no such event. The step stops
   * there: the machine is left mid-step, so use a throwaway machine (Timeline.machineAt).
   */
  stateAfterEvent(action: Action, index: number): MachineState | null {
    const m = this.ctx;
    m.tracing = true;
    m.captureAt = index;
    m.captured = null;
    try {
      this.apply(action);
    } catch (e) {
      if (e !== CAPTURED) throw e;
    }
    const r = m.captured;
    m.captureAt = -1;
    m.captured = null;
    return r;
  }

  /** Every step starts with its action: event 0, the root of every cause chain. */
  private startStep(action: Action): void {
    const m = this.ctx;
    m.events = m.tracing ? [] : NO_EVENTS;
    m.droppedEvents = 0;
    m.recording = m.tracing && m.maxEvents > 0;
    if (!m.tracing) return;
    resetCauses(m);
    if (traced(m)) {
      const a = describeAction(action);
      m.cause = emit(m, a.cpu, 'action', { label: a.label, device: a.device });
    }
    if (m.s.vm.crashed && traced(m)) emit(m, -1, 'vm_stopped', {});
  }
}

/** A host crash (R9.5) ends the step where it happened; anything else is rethrown. */
function hostCrashed(m: Ctx, e: unknown): void {
  if (!(e instanceof HostCrash)) throw e;
  clearAttn(m);
}

/** Runs a piece of a step; a host crash (R9.5) ends the step where it happened. */
function guarded(m: Ctx, f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    hostCrashed(m, e);
    return false;
  }
}

export class ChunkedRun {
  private readonly run: GuestRun | null = null;
  private finished = false;

  constructor(
    private readonly m: Ctx,
    n: number,
  ) {
    if (m.s.vm.crashed || !guarded(m, () => advance(m, STEP_NS))) {
      this.finished = true;
      return;
    }
    this.run = new GuestRun(m, n);
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
    guarded(this.m, () => {
      if (run.advance(budget)) settle(this.m);
    });
    this.finished = run.done || this.m.s.vm.crashed;
    return this.finished;
  }

  /**
   * Ends the run where it is: the step it leaves is exactly `run K`, K = steps taken, and so is
   * its trace when it is traced (it ends as that run's does).
   */
  stop(): { kind: 'run'; n: number } {
    const run = this.run;
    if (!this.finished && run) endStopped(this.m, run);
    this.finished = true;
    return { kind: 'run', n: this.steps };
  }

  result(): StepResult {
    return { events: this.m.events, work: 1 + this.steps };
  }
}

/** Ends `run` where it is, as `run K` (K = its steps) ends: its run_done, the root named `run K`. */
function endStopped(m: Ctx, run: GuestRun): void {
  run.stopHere();
  guarded(m, () => settle(m));
  relabelRoot(m, { kind: 'run', n: run.steps });
}

/** A traced step's root event names its action: a stopped run's is `run K`, what it is recorded as. */
function relabelRoot(m: Ctx, action: Action): void {
  const root = m.events[0];
  if (!m.tracing || root?.type !== 'action') return;
  const a = describeAction(action);
  const e = eventOf(m, a.cpu, 'action', { label: a.label, device: a.device });
  m.events[0] = { ...e, time: root.time, cause: root.cause };
}

function advance(m: Ctx, ns: number): void {
  m.s.time += ns;
  ioapicFireDueTimers(m);
  settle(m);
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
function perform(m: Ctx, a: Exclude<Action, { kind: 'run' }>): void {
  const s = m.s;
  // The guest's own actions first: scenarios are mostly made of them.
  switch (a.kind) {
    case 'cpu':
      guestOp(m, s.cpus[a.cpu], a.op);
      return;
    case 'route':
      ioapicWriteRte(m, a.pin, a.fields);
      return;
    case 'mask':
    case 'unmask':
      ioapicWriteRte(m, a.pin, { mask: a.kind === 'mask' ? 1 : 0 });
      return;
    case 'assert':
    case 'deassert':
      ioapicSetLine(m, a.pin, a.kind === 'assert' ? 1 : 0);
      return;
    case 'pulse':
      ioapicSetLine(m, a.pin, 1);
      ioapicSetLine(m, a.pin, 0);
      return;
    case 'msi':
      kvmSetMsi(m, {
        dest: a.dest,
        destMode: a.destMode,
        vector: a.vector,
        deliveryMode: a.deliveryMode,
        trigger: a.trigger,
      });
      return;
    case 'ipi': {
      const v = s.cpus[a.from];
      vmExit(m, v, v.x2apic ? 'MSR_WRITE' : 'APIC_ACCESS', 'icr-write');
      if (traced(m))
        causedBy(
          m,
          emit(m, v.index, 'kvm_apic_ipi', {
            dest: a.dest,
            vector: a.vector,
            deliveryMode: a.deliveryMode,
            destMode: a.destMode,
            shorthand: a.shorthand,
          }),
        );
      kvmIrqDeliveryToApic(m, v, {
        vector: a.vector,
        deliveryMode: a.deliveryMode,
        destMode: a.destMode,
        trigger: 0,
        dest: a.dest,
        shorthand: a.shorthand,
      });
      return;
    }
    case 'wait':
      advance(m, a.ns);
      return;
    case 'snapshot':
      stopAllVcpus(m, 'savevm');
      s.snapshots.set(a.name, saveMachine(m));
      m.cause = m.tracing ? 0 : -1;
      if (traced(m)) emit(m, -1, 'savevm', { name: a.name });
      lifeRecord(m, 'savevm', true, a.name);
      return;
    case 'restore': {
      stopAllVcpus(m, 'loadvm');
      const saved = s.snapshots.get(a.name)!;
      // The SEOIB subsection is loaded (post_load sets its flag) before KVM_SET_LAPIC (R8.10).
      const vm = s.vm;
      if (saved.qemuSeoib !== vm.qemuSeoib || modeOfQemuState(saved.qemuSeoib) !== vm.seoib) {
        if (!qemuSeoibPostLoad(m, saved.qemuSeoib, 'loadvm', vm.host.loadvmCheck)) {
          lifeRecord(m, 'loadvm', false, a.name);
          return;
        }
      }
      restoreMachine(m, saved, a.name);
      lifeRecord(m, 'loadvm', true, a.name);
      return;
    }
    case 'reboot':
      stopAllVcpus(m, 'reboot');
      vmReboot(m);
      return;
    case 'power-on':
      vmPowerOn(m, a.host);
      return;
    case 'migrate':
      migrate(m, a.host);
      return;
    case 'kvm-set-x2apic-api': {
      const r = kvmEnableCapX2apicApi(m, a.seoib !== 'disable', a.seoib !== 'enable');
      lifeRecord(m, 'flag-write', r === 'ok', a.seoib);
      return;
    }
    case 'host-pv-eoi': {
      const v = s.cpus[a.cpu];
      v.pvEoiEnabled = false;
      if (traced(m)) emit(m, v.index, 'host_pv_eoi_off', { pending: v.pvEoiPending });
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
    private readonly m: Ctx,
    readonly limit: number,
  ) {}

  /** Ends the run after the steps taken, as `run K` (K = steps) ends: done, with its run_done. */
  stopHere(): void {
    if (this.done) return;
    this.done = true;
    if (traced(this.m)) {
      this.m.cause = 0;
      emit(this.m, -1, 'run_done', { steps: this.steps, limit: this.steps });
    }
  }

  /** Runs up to `budget` guest steps; returns true when the run is over. */
  advance(budget: number): boolean {
    const m = this.m;
    const cpus = m.s.cpus;
    // The loop's position in locals (written back below), so that the steps do not reload it.
    let { steps, next, anyInRound, done } = this;
    const limit = this.limit;
    while (!done && budget > 0) {
      if (steps >= limit || m.s.vm.crashed) {
        done = true;
        break;
      }
      // The vCPUs not marked busy have no work (Ctx.guestBusy): the round skips them.
      const i = next < cpus.length ? nextSetBit(m.guestBusy, next) : -1;
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
      if (!guestHasWork(m, v)) {
        if (guestIdle(v)) m.guestBusy[i >>> 5] &= ~(1 << (i & 31));
        continue;
      }
      anyInRound = true;
      steps++;
      this.steps = steps; // read by stopHere and ChunkedRun if the step throws (host crash)
      budget--;
      advance(m, STEP_NS);
      if (m.recording) {
        // A guest step descends from the handler it runs (or from the run itself).
        m.cause = 0;
        causedBy(m, m.guestCause[v.index]);
      }
      guestStep(m, v);
      if (m.recording) m.cause = 0;
      settle(m);
    }
    this.next = next;
    this.anyInRound = anyInRound;
    this.done = done;
    if (done && traced(m)) {
      m.cause = 0;
      emit(m, -1, 'run_done', { steps: this.steps, limit: this.limit });
    }
    return this.done;
  }
}

function stopAllVcpus(m: Ctx, what: 'savevm' | 'loadvm' | 'migrate' | 'reboot'): void {
  const root = m.cause;
  for (const v of m.s.cpus) {
    m.cause = root;
    vmExit(m, v, 'EXTERNAL_INTERRUPT', what);
  }
  m.cause = root;
}

function saveMachine(m: Ctx): SavedMachine {
  const io = cloneIoapic(m.s.ioapic);
  // KVM_GET_IRQCHIP reports irr & ~irr_delivered (R5.8).
  if (!isSplit(m)) io.irr &= ~io.irrDelivered;
  return { cpus: m.s.cpus.map(cloneVcpu), ioapic: io, qemuSeoib: m.s.vm.qemuSeoib };
}

/**
 * An incoming migration (R8.11): the guest's state travels to a fresh KVM VM on the destination
 * host; on failure the VM goes on running on the source, unchanged.
 */
function migrate(m: Ctx, change: HostChange): void {
  stopAllVcpus(m, 'migrate');
  const vm = m.s.vm;
  const dst = hostWith(vm.host, change);
  const root = m.cause;
  if (traced(m))
    m.cause = emit(m, -1, 'migration_start', {
      policy: dst.policy,
      machine: dst.machine,
      kernel: dst.kernel,
      flags: dst.flags,
      state: vm.qemuSeoib,
    });
  const plan = planMigration(m, dst);
  if (!plan.ok) {
    vm.lastMigration = 'failed';
    if (traced(m)) emit(m, -1, 'migration_failed', { reason: plan.reason });
    lifeRecord(m, 'migrate', false, `${plan.reason} (to ${dst.policy} · ${dst.machine} · ${dst.kernel})`);
    m.cause = root;
    return;
  }
  const saved = saveMachine(m);
  // The destination: a fresh KVM VM, its own flag first when it does not defer (before-load).
  vm.host = dst;
  vm.seoib = 'quirked';
  vm.lastFlagWrite = 'none';
  const own = dst.flags === 'before-load' ? stateFor(m, dst) : 'quirked';
  if (own !== 'quirked') kvmEnableCapX2apicApi(m, own === 'respected', own === 'not-advertised');
  qemuSeoibPostLoad(m, saved.qemuSeoib, 'migrate', false);
  vm.leg++;
  vm.lastMigration = 'completed';
  restoreMachine(m, saved, '', 'migration_done');
  lifeRecord(m, 'migrate', true, '');
  m.cause = root;
}

/** loadvm: KVM_SET_LAPIC on every vCPU, then KVM_SET_IRQCHIP or the route re-commit (contract §4). */
function restoreMachine(
  m: Ctx,
  saved: SavedMachine,
  name: string,
  as: 'loadvm' | 'migration_done' = 'loadvm',
): void {
  const s = m.s;
  m.restores++;
  for (const v of s.cpus) {
    const o = saved.cpus[v.index];
    v.idReg = o.idReg;
    v.ldr = o.ldr;
    v.dfr = o.dfr;
    v.spiv = o.spiv;
    v.tpr = o.tpr;
    v.irr.set(o.irr);
    v.isr.set(o.isr);
    v.tmr.set(o.tmr);
    v.rflagsIf = o.rflagsIf;
    v.frames = cloneFrames(o.frames);
    v.tasks = cloneTasks(o.tasks);
    v.booted = o.booted;
    v.pvEoiEnabled = o.pvEoiEnabled;
    v.pvEoiByte = o.pvEoiByte;
    if (v.savic && o.savic) {
      v.savic.irr.set(o.savic.irr);
      v.savic.isr.set(o.savic.isr);
      v.savic.tmr.set(o.savic.tmr);
      v.savic.tpr = o.savic.tpr;
    }
    v.highestIsrCache = -1;
    v.apicArbPrio = 0;
    v.pvEoiPending = false;
    // kvm_apic_set_state() copies the registers, then kvm_apic_set_version() (R8.9).
    kvmApicSetVersion(m, v, 'set-lapic');
    v.requests |= REQ_EVENT | REQ_SCAN_IOAPIC;
    touch(m, v);
    if (!guestIdle(v)) markGuestBusy(m, v);
  }
  // KVM_SET_LAPIC (kvm_apic_set_state()) marks the map dirty and recalculates it (R4.8).
  kvmRecalculateApicMap(m, '§4 restore: KVM_SET_LAPIC');
  const io = s.ioapic;
  const o = saved.ioapic;
  io.rte = o.rte.map(newRte);
  ioapicIndexVectors(m);
  io.line = o.line;
  io.edgeUndelivered = o.edgeUndelivered;
  if (traced(m)) {
    m.cause = 0;
    const ev =
      as === 'loadvm'
        ? emit(m, -1, 'loadvm', { name })
        : emit(m, -1, 'migration_done', { leg: s.vm.leg, mode: s.vm.seoib, state: s.vm.qemuSeoib });
    // Every vCPU's requests come from the restore.
    m.vcpuCause.fill(ev);
    m.reqCause.fill(ev);
    m.cause = ev;
  }
  if (isSplit(m)) {
    io.irr = o.irr;
    qemuUpdateKvmRoutes(m); // route re-commit: no pin is serviced
  } else {
    // KVM_SET_IRQCHIP: irr zeroed, saved irr pins re-injected, RTC tracking rebuilt (R5.8).
    io.irr = 0;
    io.irrDelivered = 0;
    io.rtcPendingEoi = 0;
    io.rtcDestMap.clear();
    for (let pin = 0; pin < io.rte.length; pin++) if (o.irr & (1 << pin)) kvmIoapicSetIrq(m, pin, 1);
    rtcTrackingRestoreAll(m);
  }
}

/** KVM: ioapic.c kvm_rtc_eoi_tracking_restore_all(). */
function rtcTrackingRestoreAll(m: Ctx): void {
  const io = m.s.ioapic;
  if (m.s.config.secureAvic) return;
  io.rtcDestMap.clear();
  io.rtcPendingEoi = 0;
  const e = io.rte[RTC_GSI];
  for (const v of m.s.cpus) {
    if (!kvmApicMatchDest(m, v, null, 0, e.dest, e.destMode)) continue;
    if (!kvmApicPendingEoi(v, e.vector)) continue;
    io.rtcDestMap.set(v.index, e.vector);
    io.rtcPendingEoi++;
  }
}
