/** The execution context every core function works on: state, trace sink, counters. */

import type { DeliveryMode, DestMode, Shorthand, Trigger } from './actions.ts';
import type { CpuCounter, CpuVectorCounter, PinCounter } from './counters.ts';
import { countersAddCpu, countersAddCpuVector, countersAddPin } from './counters.ts';
import type { EventKind, FieldsOf, TraceEvent } from './events.ts';
import { describeEvent, laneOf } from './events.ts';
import type { HandlerFrame, MachineState, VcpuState } from './state.ts';
import { cloneMachineState } from './state.ts';

export interface Ctx {
  /** The machine state the context runs on (Machine.state). */
  state: MachineState;
  /**
   * `irqchip split`: QEMU's IOAPIC (qemu-ioapic.ts) rather than KVM's (ioapic.ts). The
   * configuration never changes; asked at every EOI and delivery.
   */
  readonly split: boolean;
  /** KVM_X2APIC_API_USE_32BIT_IDS (config.ts x2apicFormat), asked at every MSI. */
  readonly x2apicFormat: boolean;
  /** When false no event is built (replay and benchmarks run this way). */
  tracing: boolean;
  /**
   * Tracing, and the step's trace still has room (set at each step's start, cleared when emit
   * fills it): events and the causes between them are built only while this is true. After it
   * the events are counted, and the cause bookkeeping, which only serves kept events, is skipped.
   */
  recording: boolean;
  events: TraceEvent[];
  /** At most this many events are kept per step (a storm run makes millions); the rest are counted. */
  maxEvents: number;
  /** The events of the step not kept (only meaningful while tracing). */
  droppedEvents: number;
  /**
   * vCPUs that may have something to do before the machine is quiescent (x86.ts settle): one bit
   * per vCPU, and how many are set, so that a settle with nothing to do costs one comparison and
   * one with work skips 32 idle vCPUs per word.
   */
  attn: Uint32Array;
  attnCount: number;
  /** vCPUs whose guest may have work in a `run` (markGuestBusy), one bit each. */
  guestBusy: Uint32Array;
  /**
   * Causes (only meaningful while tracing): the index of the event that new events descend
   * from (-1 = none), and per vCPU the event that last gave it work to do (a request, an
   * accepted interrupt, a handler), which its entries, injections and guest steps descend from.
   */
  cause: number;
  vcpuCause: Int32Array;
  /** Per vCPU and request (4 slots: REQ bit 1, 2, 4, 8): the event that raised it. */
  reqCause: Int32Array;
  /** Per vCPU: the event that started the handler its guest is running (its steps descend from it). */
  guestCause: Int32Array;
  /** Per vector, the IOAPIC pins whose RTE has it (bit per pin): EOIs find their pins at once. */
  vectorPins: Uint32Array;
  /**
   * The message being delivered (delivery.ts scratchIrq): a LapicIrq, spelled out here because
   * delivery.ts imports this module.
   */
  irq: {
    vector: number;
    deliveryMode: DeliveryMode;
    destMode: DestMode;
    trigger: Trigger;
    dest: number;
    shorthand: Shorthand;
  };
  /** Scratch for the optimized map's lookup (apicmap.ts kvmApicMapGetDestLapic), MAX_MAP_SLOTS long. */
  mapSlots: Int32Array;
  /** Handler frames the guest's irets let go of, for the next interrupts it takes. */
  framePool: HandlerFrame[];
  /** Frames in framePool (a stack that never shrinks: push and pop would resize the array). */
  framePoolSize: number;
  /** When >= 0, the state right after event `captureAt` is emitted is copied to `captured`. */
  captureAt: number;
  captured: MachineState | null;
  /**
   * For the lints (src/lint), which must not walk 4096 vCPUs per step: per vector, how many times
   * it was set in an IRR (kvmApicAcceptIrq) or given a windows deferred task, and how many loadvm
   * restores ran. A vector can newly appear in a vCPU's IRR, ISR or tasks only when one of these
   * grew; between two states where neither did, such lints need not look at the vCPUs again.
   */
  vectorSets: Float64Array;
  restores: number;
}

/** Ends a step early once the sub-step state it was run for has been captured. */
export const CAPTURED = new Error('sub-step captured');

/** Thrown by a VM exit whose PV EOI sync trips the pre-fix host assertion (R9.5). */
export class HostCrash extends Error {
  constructor(readonly cpu: number) {
    super(`host assertion on vCPU ${cpu}`);
  }
}

/**
 * Records one event of the catalogue (callers check `traced(ctx)` first, so that nothing is built
 * when tracing is off or the step's trace is full). Its cause is `ctx.cause`; returns its index in the step, or -1.
 *
 * On the hot path an event is built by an `emit…` function of its own, called as
 * `if (traced(ctx)) emitX(…)`: the fields take more bytecode than the rest of the line, and V8
 * inlines a function into its callers only while the bytecode it has inlined stays within a
 * budget (docs/performance.md). An `emit…` function that returns a number returns the cause to
 * restore (what follows descends from its event).
 */
export function emit<K extends EventKind>(ctx: Ctx, cpu: number, type: K, fields: FieldsOf<K>): number {
  if (ctx.events.length >= ctx.maxEvents) {
    ctx.droppedEvents++;
    return -1;
  }
  const index = ctx.events.length;
  ctx.events.push(eventOf(ctx, cpu, type, fields));
  if (ctx.events.length >= ctx.maxEvents) ctx.recording = false;
  if (index === ctx.captureAt) {
    ctx.captured = cloneMachineState(ctx.state);
    throw CAPTURED; // the rest of the step is not needed (Machine.stateAfterEvent catches it)
  }
  return index;
}

/**
 * Whether to build the next event: the step records events (Ctx.recording). When tracing is on
 * but the step's trace is full, the event is only counted (droppedEvents), exactly as emit would
 * count it, and nothing of it is built: a capped trace of a storm run (the app keeps 3000 events
 * of a step) costs little more than none. Every emit is guarded by exactly one call of this.
 * Untraced, the count is kept too (it means nothing then): one test less at every guard, which the
 * JIT inlines everywhere.
 */
export function traced(ctx: Ctx): boolean {
  if (ctx.recording) return true;
  ctx.droppedEvents++;
  return false;
}

/** The event as emit records it now (time, cause, words from the catalogue). */
export function eventOf<K extends EventKind>(
  ctx: Ctx,
  cpu: number,
  type: K,
  fields: FieldsOf<K>,
): TraceEvent {
  const { text, rule, why } = describeEvent(type, fields, cpu);
  const f = fields as Record<string, unknown>;
  return {
    type,
    time: ctx.state.time,
    cpu,
    cause: ctx.cause >= 0 ? ctx.cause : null,
    text,
    why,
    rule,
    lane: laneOf({ type, cpu, fields: f }),
    ...(typeof f.vector === 'number' && f.vector >= 0 ? { vector: f.vector } : {}),
    ...(typeof f.pin === 'number' ? { pin: f.pin } : {}),
    fields: f,
  };
}

/** Makes `index` the cause of the events that follow; returns the previous cause to restore. */
export function causedBy(ctx: Ctx, index: number): number {
  const prev = ctx.cause;
  if (index >= 0) ctx.cause = index;
  return prev;
}

/** The last event recorded in this step (-1 when none): what a request or a kick descends from. */
export function lastEvent(ctx: Ctx): number {
  return ctx.recording ? ctx.events.length - 1 : -1;
}

/** Counts one occurrence of a counter filtered by cpu (counters.ts CTR; -1 = none). */
export function countCpu(ctx: Ctx, id: CpuCounter, cpu: number): void {
  countersAddCpu(ctx.state.counters, id, cpu);
}

export function countPin(ctx: Ctx, id: PinCounter, pin: number): void {
  countersAddPin(ctx.state.counters, id, pin);
}

/** Counts one occurrence of a counter filtered by cpu and vector (-1 leaves the vector out). */
export function countCpuVector(ctx: Ctx, id: CpuVectorCounter, cpu: number, vector: number): void {
  countersAddCpuVector(ctx.state.counters, id, cpu, vector);
}

/** While recording: what follows descends from the event that raised request `req` (one call, for the JIT's budget). */
export function causedByRequest(ctx: Ctx, v: VcpuState, req: number): void {
  causedBy(ctx, ctx.reqCause[reqSlot(v, req)]);
}

/** Slot of a KVM_REQ_* bit in `reqCause`. */
export function reqSlot(v: VcpuState, req: number): number {
  return v.index * 4 + (31 - Math.clz32(req));
}

/** Forgets the previous step's causes (only needed while tracing). */
export function resetCauses(ctx: Ctx): void {
  ctx.cause = -1;
  ctx.vcpuCause.fill(-1);
  ctx.reqCause.fill(-1);
  ctx.guestCause.fill(-1);
}

/** Marks a vCPU for the settle loop: it may need an entry, an exit or a delivery. */
export function touch(ctx: Ctx, v: VcpuState): void {
  const w = v.index >>> 5;
  const b = 1 << (v.index & 31);
  if (ctx.attn[w] & b) return;
  ctx.attn[w] |= b;
  ctx.attnCount++;
}

/** Forgets every vCPU's pending attention (a host crash ends the step; boot starts quiescent). */
export function clearAttn(ctx: Ctx): void {
  ctx.attn.fill(0);
  ctx.attnCount = 0;
}

/** The first set bit at index `from` or above in a bitset of vCPUs, or -1. */
export function nextSetBit(set: Uint32Array, from: number): number {
  let w = from >>> 5;
  if (w >= set.length) return -1;
  let bits = set[w] & (-1 << (from & 31));
  for (;;) {
    if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits & -bits);
    if (++w >= set.length) return -1;
    bits = set[w];
  }
}

/**
 * Marks a vCPU whose guest may have a step to take in a `run` (machine.ts GuestRun skips the
 * others): a vCPU not yet booted, or one that took an interrupt. A run clears the mark of a
 * vCPU it finds with nothing left to do at all (guest.ts guestIdle).
 */
export function markGuestBusy(ctx: Ctx, v: VcpuState): void {
  ctx.guestBusy[v.index >>> 5] |= 1 << (v.index & 31);
}

export function apicid(v: VcpuState): number {
  return v.x2apic ? v.index : v.idReg >>> 24;
}
