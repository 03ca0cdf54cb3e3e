/**
 * A message's delivery to the local APICs (R4): destination matching, kvm_apic_set_irq(), the
 * fast path over the optimized map (apicmap.ts) and the slow path over every vCPU, lowest-priority
 * arbitration, and the IPI that sends one. arch/x86/kvm/lapic.c (kvm_apic_match_dest(),
 * __kvm_irq_delivery_to_apic_fast(), kvm_apic_send_ipi(), kvm_bitmap_or_dest_vcpus()) and irq.c
 * (kvm_irq_delivery_to_apic()); apart from lapic.ts, which delivery calls, so that the IOAPICs and
 * MSIs can deliver without lapic.ts importing them.
 */
import type { Action, DeliveryMode, DestMode, Shorthand, Trigger } from './actions.ts';
import type { MapExplain } from './apicmap.ts';
import { kvmApicMapGetDestLapic, MAX_MAP_SLOTS, slowPathReason } from './apicmap.ts';
import { broadcastQuirkDisabled } from './config.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, emit, traced } from './ctx.ts';
import { apicSwEnabled, kvmApicAcceptIrq, raiseEvent } from './lapic.ts';
import type { VcpuState } from './state.ts';

export interface LapicIrq {
  vector: number;
  deliveryMode: DeliveryMode;
  destMode: DestMode;
  trigger: Trigger;
  dest: number;
  shorthand: Shorthand;
}

/**
 * The message an IOAPIC pin or an MSI route sends, in the context's one scratch LapicIrq: a
 * delivery never starts another, and nothing keeps the message after it.
 */
export function scratchIrq(
  ctx: Ctx,
  vector: number,
  deliveryMode: DeliveryMode,
  destMode: DestMode,
  trigger: Trigger,
  dest: number,
): LapicIrq {
  const irq = ctx.irq;
  irq.vector = vector;
  irq.deliveryMode = deliveryMode;
  irq.destMode = destMode;
  irq.trigger = trigger;
  irq.dest = dest;
  irq.shorthand = 0;
  return irq;
}

const APIC_BROADCAST = 0xff;
const X2APIC_BROADCAST = 0xffffffff;

/** KVM: lapic.c kvm_apic_broadcast(). */
function isBroadcast(target: VcpuState, mda: number): boolean {
  return mda === (target.x2apic ? X2APIC_BROADCAST : APIC_BROADCAST);
}

/**
 * Message destination address: the broadcast quirk rewrites a non-IPI 0xff for an x2APIC target,
 * unless the VMM disabled it (KVM: kvm_apic_mda(), R4.1).
 */
function kvmApicMda(ctx: Ctx, dest: number, source: VcpuState | null, target: VcpuState): number {
  if (
    !broadcastQuirkDisabled(ctx.state.config) &&
    source === null &&
    dest === APIC_BROADCAST &&
    target.x2apic
  )
    return X2APIC_BROADCAST;
  return dest;
}

/** KVM: lapic.c kvm_apic_match_physical_addr() (R4.2). */
function matchPhysical(target: VcpuState, mda: number): boolean {
  if (isBroadcast(target, mda)) return true;
  if (target.x2apic || mda > 0xff) return mda === target.index;
  return mda === target.idReg >>> 24;
}

/** KVM: lapic.c kvm_apic_match_logical_addr() (R4.3). */
function matchLogical(target: VcpuState, mda: number): boolean {
  if (isBroadcast(target, mda)) return true;
  if (target.x2apic) return target.ldr >>> 16 === mda >>> 16 && (target.ldr & mda & 0xffff) !== 0;
  const logicalId = target.ldr >>> 24;
  switch (target.dfr >>> 0) {
    case 0xffffffff:
      return (logicalId & mda) !== 0;
    case 0x0fffffff:
      return logicalId >>> 4 === mda >>> 4 && (logicalId & mda & 0xf) !== 0;
    default:
      return false;
  }
}

/** KVM: lapic.c kvm_apic_match_dest() (R4.2–R4.5). */
export function kvmApicMatchDest(
  ctx: Ctx,
  target: VcpuState,
  source: VcpuState | null,
  shorthand: Shorthand,
  dest: number,
  destMode: DestMode,
): boolean {
  switch (shorthand) {
    case 0: {
      const mda = kvmApicMda(ctx, dest, source, target);
      return destMode === 0 ? matchPhysical(target, mda) : matchLogical(target, mda);
    }
    case 1:
      return target === source;
    case 2:
      return true;
    case 3:
      return target !== source;
  }
}

/** KVM: lapic.c kvm_apic_set_irq() → __apic_accept_irq() → vendor deliver_interrupt(). */
export function kvmApicSetIrq(
  ctx: Ctx,
  v: VcpuState,
  irq: LapicIrq,
  destMap: Map<number, number> | null,
): 0 | 1 {
  // vmx_deliver_interrupt() posts only while this vCPU's APICv is active (apic->apicv_active).
  const posted = v.apicvActive;
  const r = kvmApicAcceptIrq(ctx, v, irq, posted);
  if (r === 0) return 0;
  destMap?.set(v.index, irq.vector);
  // Posted interrupts reach a running vCPU without an exit; otherwise IRR + KVM_REQ_EVENT + kick.
  if (!posted) raiseEvent(ctx, v);
  return 1;
}

/**
 * The fast path over the optimized map: the number of APICs that accepted (0 when nobody), or
 * -1 when the map cannot serve the message. KVM: lapic.c __kvm_irq_delivery_to_apic_fast().
 */
function kvmIrqDeliveryToApicFast(
  ctx: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null,
): number {
  const s = ctx.state;
  const slots = ctx.mapSlots;
  // The trace's words about the lookup are built only for an event the trace keeps.
  const explain = ctx.recording ? { dropped: false, how: '' } : null;
  const n = kvmApicMapGetDestLapic(s.config, s.cpus, s.vm.apicMap, source, irq, slots, explain);
  if (n < 0) return -1;
  // Recording has not changed since the lookup (no event in between): explain is there.
  const prev = traced(ctx) && explain ? emitFastPath(ctx, irq, n, explain) : ctx.cause;
  let r = 0;
  // Accepting never delivers another message, so the slots stay as the lookup left them.
  for (let k = 0; k < n; k++) if (slots[k] >= 0) r += kvmApicSetIrq(ctx, s.cpus[slots[k]], irq, destMap);
  ctx.cause = prev;
  return r;
}

function emitFastPath(ctx: Ctx, irq: LapicIrq, n: number, explain: MapExplain): number {
  const targets: number[] = [];
  for (let k = 0; k < n; k++) if (ctx.mapSlots[k] >= 0) targets.push(ctx.mapSlots[k]);
  return causedBy(
    ctx,
    emit(ctx, -1, 'delivery_fast_path', {
      vector: irq.vector,
      destMode: irq.destMode,
      dest: irq.dest,
      targets,
      how: explain.how,
      dropped: explain.dropped,
    }),
  );
}

/**
 * Delivers a message: the fast path whenever the optimized map serves it, else the slow path over
 * every vCPU (R4.8). Returns the number of vCPUs that accepted; the fast path returns 0 when
 * nobody did, the slow path -1 when nothing matched (or a lowest-priority message found no
 * software-enabled candidate). KVM: irq.c kvm_irq_delivery_to_apic().
 */
export function kvmIrqDeliveryToApic(
  ctx: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null = null,
): number {
  const fast = kvmIrqDeliveryToApicFast(ctx, source, irq, destMap);
  return fast >= 0 ? fast : slowPathDelivery(ctx, source, irq, destMap);
}

function slowPathDelivery(
  ctx: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null,
): number {
  const outer = traced(ctx)
    ? causedBy(
        ctx,
        emit(ctx, -1, 'delivery_slow_path', {
          vector: irq.vector,
          shorthand: irq.shorthand,
          destMode: irq.destMode,
          dest: irq.dest,
          reason: slowPathReason(ctx.state.config, ctx.state.vm.apicMap, source, irq),
        }),
      )
    : ctx.cause;
  const r = kvmIrqDeliveryToApicSlow(ctx, source, irq, destMap);
  ctx.cause = outer;
  return r;
}

/** The slow path (R4.8): every vCPU matched in index order. KVM: irq.c kvm_irq_delivery_to_apic(). */
function kvmIrqDeliveryToApicSlow(
  ctx: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null,
): number {
  let lowest = irq.deliveryMode === 1;
  if (lowest && irq.destMode === 0 && irq.dest === 0xff) {
    // R4.7: physical broadcast with lowest priority is delivered as Fixed.
    lowest = false;
    irq = { ...irq, deliveryMode: 0 };
    if (traced(ctx)) emit(ctx, -1, 'lowest_prio_to_fixed', {});
  }
  const cpus = ctx.state.cpus;
  let r = -1;
  if (!lowest) {
    for (const v of cpus) {
      if (!kvmApicMatchDest(ctx, v, source, irq.shorthand, irq.dest, irq.destMode)) continue;
      if (r < 0) r = 0;
      r += kvmApicSetIrq(ctx, v, irq, destMap);
    }
    if (r < 0 && traced(ctx))
      emit(ctx, -1, 'delivery_no_match', { vector: irq.vector, dest: irq.dest, lowest: false });
    return r;
  }
  // Lowest priority (R4.7): candidates are the matching software-enabled vCPUs, in vCPU order.
  const candidates: VcpuState[] = [];
  for (const v of cpus) {
    if (kvmApicMatchDest(ctx, v, source, irq.shorthand, irq.dest, irq.destMode) && apicSwEnabled(v))
      candidates.push(v);
  }
  if (candidates.length === 0) {
    if (traced(ctx)) emit(ctx, -1, 'delivery_no_match', { vector: irq.vector, dest: irq.dest, lowest: true });
    return -1;
  }
  const hashing = ctx.state.config.kvm.vectorHashing;
  let chosen: VcpuState;
  let index = 0;
  if (hashing) {
    index = irq.vector % candidates.length;
    chosen = candidates[index];
  } else {
    chosen = candidates[0];
    for (const v of candidates) if (v.apicArbPrio < chosen.apicArbPrio) chosen = v;
  }
  const prev = traced(ctx)
    ? causedBy(
        ctx,
        emit(ctx, chosen.index, 'lowest_prio_chosen', {
          vector: irq.vector,
          chosen: chosen.index,
          hashing,
          candidates: candidates.length,
          index,
          arbPrio: chosen.apicArbPrio,
        }),
      )
    : ctx.cause;
  const accepted = kvmApicSetIrq(ctx, chosen, irq, destMap);
  ctx.cause = prev;
  return accepted;
}

/** The guest's ICR write, once it has exited: traced, then delivered from the sending vCPU. KVM: lapic.c kvm_apic_send_ipi(). */
export function kvmApicSendIpi(ctx: Ctx, v: VcpuState, a: Extract<Action, { kind: 'ipi' }>): void {
  if (traced(ctx))
    causedBy(
      ctx,
      emit(ctx, v.index, 'kvm_apic_ipi', {
        dest: a.dest,
        vector: a.vector,
        deliveryMode: a.deliveryMode,
        destMode: a.destMode,
        shorthand: a.shorthand,
      }),
    );
  kvmIrqDeliveryToApic(ctx, v, {
    vector: a.vector,
    deliveryMode: a.deliveryMode,
    destMode: a.destMode,
    trigger: 0,
    dest: a.dest,
    shorthand: a.shorthand,
  });
}

/**
 * vCPUs a Fixed message would reach, through the map when it serves the message, else by
 * matching every vCPU. KVM: lapic.c kvm_bitmap_or_dest_vcpus().
 */
export function kvmBitmapOrDestVcpus(ctx: Ctx, dest: number, destMode: DestMode): VcpuState[] {
  const s = ctx.state;
  const irq = { vector: 0, deliveryMode: 0 as const, destMode, dest, shorthand: 0 as const };
  const slots = new Int32Array(MAX_MAP_SLOTS);
  const n = kvmApicMapGetDestLapic(s.config, s.cpus, s.vm.apicMap, null, irq, slots, null);
  if (n >= 0) return [...slots.subarray(0, n)].filter((i) => i >= 0).map((i) => s.cpus[i]);
  return s.cpus.filter((v) => kvmApicMatchDest(ctx, v, null, 0, dest, destMode));
}
