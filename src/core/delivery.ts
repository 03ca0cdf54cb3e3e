/** Destination matching and fixed / lowest-priority delivery (R4). */
import type { DeliveryMode, DestMode, Shorthand, Trigger } from './actions.ts';
import type { Ctx } from './ctx.ts';
import { apicvActive, causedBy, emit } from './ctx.ts';
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

const APIC_BROADCAST = 0xff;
const X2APIC_BROADCAST = 0xffffffff;

/** KVM: lapic.c kvm_apic_broadcast(). */
function isBroadcast(target: VcpuState, mda: number): boolean {
  return mda === (target.x2apic ? X2APIC_BROADCAST : APIC_BROADCAST);
}

/** Message destination address; applies the broadcast quirk to non-IPIs (KVM: kvm_apic_mda(), R4.1). */
function kvmApicMda(dest: number, source: VcpuState | null, target: VcpuState): number {
  if (source === null && dest === APIC_BROADCAST && target.x2apic) return X2APIC_BROADCAST;
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
  target: VcpuState,
  source: VcpuState | null,
  shorthand: Shorthand,
  dest: number,
  destMode: DestMode,
): boolean {
  switch (shorthand) {
    case 0: {
      const mda = kvmApicMda(dest, source, target);
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
  m: Ctx,
  v: VcpuState,
  irq: LapicIrq,
  destMap: Map<number, number> | null,
): 0 | 1 {
  const posted = apicvActive(m);
  const r = kvmApicAcceptIrq(m, v, irq, posted);
  if (r === 0) return 0;
  destMap?.set(v.index, irq.vector);
  // Posted interrupts reach a running vCPU without an exit; otherwise IRR + KVM_REQ_EVENT + kick.
  if (!posted) raiseEvent(m, v);
  return 1;
}

/**
 * Delivers to every matching vCPU (fixed) or to one chosen candidate (lowest priority).
 * Returns the number of vCPUs that accepted; 0 when nothing matched, as KVM's fast path
 * returns (R4.8, contract §4). KVM: lapic.c kvm_irq_delivery_to_apic().
 */
export function kvmIrqDeliveryToApic(
  m: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null = null,
): number {
  let lowest = irq.deliveryMode === 1;
  if (lowest && irq.destMode === 0 && irq.dest === 0xff) {
    // R4.7: physical broadcast with lowest priority is delivered as Fixed.
    lowest = false;
    irq = { ...irq, deliveryMode: 0 };
    if (m.tracing) emit(m, -1, 'lowest_prio_to_fixed', {});
  }
  const cpus = m.s.cpus;
  let accepted = 0;
  if (!lowest) {
    for (const v of cpus) {
      if (kvmApicMatchDest(v, source, irq.shorthand, irq.dest, irq.destMode))
        accepted += kvmApicSetIrq(m, v, irq, destMap);
    }
    return accepted;
  }
  // Lowest priority (R4.7): candidates are the matching software-enabled vCPUs, in vCPU order.
  const candidates: VcpuState[] = [];
  for (const v of cpus) {
    if (kvmApicMatchDest(v, source, irq.shorthand, irq.dest, irq.destMode) && apicSwEnabled(v))
      candidates.push(v);
  }
  if (candidates.length === 0) return 0;
  const hashing = m.s.config.kvm.vectorHashing;
  let chosen: VcpuState;
  let index = 0;
  if (hashing) {
    index = irq.vector % candidates.length;
    chosen = candidates[index];
  } else {
    chosen = candidates[0];
    for (const v of candidates) if (v.apicArbPrio < chosen.apicArbPrio) chosen = v;
  }
  const prev = m.tracing
    ? causedBy(
        m,
        emit(m, chosen.index, 'lowest_prio_chosen', {
          vector: irq.vector,
          chosen: chosen.index,
          hashing,
          candidates: candidates.length,
          index,
          arbPrio: chosen.apicArbPrio,
        }),
      )
    : m.cause;
  const r = kvmApicSetIrq(m, chosen, irq, destMap);
  m.cause = prev;
  return r;
}

/** vCPUs a fixed message would reach (KVM: kvm_bitmap_or_dest_vcpus()). */
export function destVcpus(m: Ctx, dest: number, destMode: DestMode): VcpuState[] {
  return m.s.cpus.filter((v) => kvmApicMatchDest(v, null, 0, dest, destMode));
}
