/** Destination matching and fixed / lowest-priority delivery (R4). */
import type { DeliveryMode, DestMode, Shorthand, Trigger } from './actions.ts';
import { kvmApicMapGetDestLapic, slowPathReason } from './apicmap.ts';
import { broadcastQuirkDisabled } from './config.ts';
import type { Ctx } from './ctx.ts';
import { emit } from './ctx.ts';
import { DEST_MODE_NAMES, SHORTHAND_NAMES } from './events.ts';
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

/**
 * Message destination address: the broadcast quirk rewrites a non-IPI 0xff for an x2APIC target,
 * unless the VMM disabled it (KVM: kvm_apic_mda(), R4.1).
 */
function kvmApicMda(m: Ctx, dest: number, source: VcpuState | null, target: VcpuState): number {
  if (!broadcastQuirkDisabled(m.s.config) && source === null && dest === APIC_BROADCAST && target.x2apic)
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
  m: Ctx,
  target: VcpuState,
  source: VcpuState | null,
  shorthand: Shorthand,
  dest: number,
  destMode: DestMode,
): boolean {
  switch (shorthand) {
    case 0: {
      const mda = kvmApicMda(m, dest, source, target);
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
  // vmx_deliver_interrupt() posts only while this vCPU's APICv is active (apic->apicv_active).
  const posted = v.apicvActive;
  const r = kvmApicAcceptIrq(m, v, irq, posted);
  if (r === 0) return 0;
  destMap?.set(v.index, irq.vector);
  // Posted interrupts reach a running vCPU without an exit; otherwise IRR + KVM_REQ_EVENT + kick.
  if (!posted) raiseEvent(m, v);
  return 1;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The fast path over the optimized map: the number of APICs that accepted (0 when nobody), or
 * null when the map cannot serve the message. KVM: lapic.c __kvm_irq_delivery_to_apic_fast().
 */
function kvmIrqDeliveryToApicFast(
  m: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null,
): number | null {
  const s = m.s;
  const d = kvmApicMapGetDestLapic(s.config, s.cpus, s.vm.apicMap, source, irq, m.tracing);
  if (d === null) return null;
  if (m.tracing) {
    const targets = d.slots.filter((i) => i >= 0);
    emit(
      m,
      -1,
      'delivery_fast_path',
      `vec ${irq.vector} ${DEST_MODE_NAMES[irq.destMode]} dst ${hex(irq.dest)} -> ${targets.length ? `vcpu ${targets.join(',')}` : 'nobody'}`,
      `R4.8: fast path over KVM's optimized APIC map (${d.how})${d.dropped ? ': the chosen slot has no APIC, the message is dropped ("Disabled LAPIC found during irq injection")' : targets.length ? '' : ': no APIC there, result 0'}`,
      { vector: irq.vector },
    );
  }
  let r = 0;
  for (const i of d.slots) if (i >= 0) r += kvmApicSetIrq(m, s.cpus[i], irq, destMap);
  return r;
}

/**
 * Delivers a message: the fast path whenever the optimized map serves it, else the slow path over
 * every vCPU (R4.8). Returns the number of vCPUs that accepted; the fast path returns 0 when
 * nobody did, the slow path -1 when nothing matched (or a lowest-priority message found no
 * software-enabled candidate). KVM: irq.c kvm_irq_delivery_to_apic().
 */
export function kvmIrqDeliveryToApic(
  m: Ctx,
  source: VcpuState | null,
  irq: LapicIrq,
  destMap: Map<number, number> | null = null,
): number {
  const fast = kvmIrqDeliveryToApicFast(m, source, irq, destMap);
  if (fast !== null) return fast;
  if (m.tracing)
    emit(
      m,
      -1,
      'delivery_slow_path',
      `vec ${irq.vector} ${irq.shorthand ? `shorthand ${SHORTHAND_NAMES[irq.shorthand]}` : `${DEST_MODE_NAMES[irq.destMode]} dst ${hex(irq.dest)}`}`,
      `R4.8: slow path, every vCPU matched in index order (R4.1–R4.5): the map cannot serve this message (${slowPathReason(m.s.config, m.s.vm.apicMap, source, irq)})`,
      { vector: irq.vector },
    );
  let lowest = irq.deliveryMode === 1;
  if (lowest && irq.destMode === 0 && irq.dest === 0xff) {
    // R4.7: physical broadcast with lowest priority is delivered as Fixed.
    lowest = false;
    irq = { ...irq, deliveryMode: 0 };
    if (m.tracing)
      emit(
        m,
        -1,
        'apic_lowest_to_fixed',
        'apic: phys broadcast and lowest prio',
        'R4.7: physical dest 0xff with lowest priority is converted to Fixed (broadcast)',
      );
  }
  const cpus = m.s.cpus;
  let r = -1;
  if (!lowest) {
    for (const v of cpus) {
      if (!kvmApicMatchDest(m, v, source, irq.shorthand, irq.dest, irq.destMode)) continue;
      if (r < 0) r = 0;
      r += kvmApicSetIrq(m, v, irq, destMap);
    }
    if (r < 0 && m.tracing)
      emit(
        m,
        -1,
        'delivery_no_match',
        `vec ${irq.vector} dst ${hex(irq.dest)}`,
        'R4.8: the slow path matched no vCPU: result -1',
        { vector: irq.vector },
      );
    return r;
  }
  // Lowest priority (R4.7): candidates are the matching software-enabled vCPUs, in vCPU order.
  const candidates: VcpuState[] = [];
  for (const v of cpus) {
    if (kvmApicMatchDest(m, v, source, irq.shorthand, irq.dest, irq.destMode) && apicSwEnabled(v))
      candidates.push(v);
  }
  if (candidates.length === 0) {
    if (m.tracing)
      emit(
        m,
        -1,
        'delivery_no_match',
        `vec ${irq.vector} dst ${hex(irq.dest)}`,
        'R4.8: the slow path found no software-enabled candidate for the lowest-priority message: result -1',
        { vector: irq.vector },
      );
    return -1;
  }
  let chosen: VcpuState;
  let how: string;
  if (m.s.config.kvm.vectorHashing) {
    const idx = irq.vector % candidates.length;
    chosen = candidates[idx];
    how = `R4.7: vector hashing: ${irq.vector} mod ${candidates.length} candidates = ${idx} → vCPU ${chosen.index} (TPR not consulted)`;
  } else {
    chosen = candidates[0];
    for (const v of candidates) if (v.apicArbPrio < chosen.apicArbPrio) chosen = v;
    how = `R4.7: no vector hashing: smallest apic_arb_prio (${chosen.apicArbPrio}) among ${candidates.length} candidates → vCPU ${chosen.index}`;
  }
  if (m.tracing)
    emit(m, chosen.index, 'kvm_lowest_prio', `vec ${irq.vector} -> vcpu ${chosen.index}`, how, {
      vector: irq.vector,
    });
  return kvmApicSetIrq(m, chosen, irq, destMap);
}

/**
 * vCPUs a Fixed message would reach, through the map when it serves the message, else by
 * matching every vCPU. KVM: lapic.c kvm_bitmap_or_dest_vcpus().
 */
export function kvmBitmapOrDestVcpus(m: Ctx, dest: number, destMode: DestMode): VcpuState[] {
  const s = m.s;
  const irq = { vector: 0, deliveryMode: 0 as const, destMode, dest, shorthand: 0 as const };
  const d = kvmApicMapGetDestLapic(s.config, s.cpus, s.vm.apicMap, null, irq, false);
  if (d) return d.slots.filter((i) => i >= 0).map((i) => s.cpus[i]);
  return s.cpus.filter((v) => kvmApicMatchDest(m, v, null, 0, dest, destMode));
}
