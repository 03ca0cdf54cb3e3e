/**
 * The local APIC, as arch/x86/kvm/lapic.c has it: registers and their writes (SPIV with
 * apic_set_spiv(), TPR, the xAPIC ID / LDR / DFR), PPR, acceptance and ack, KVM_REQ_* requests,
 * Suppress EOI Broadcast, LVR (kvm_apic_set_version()) and the optimized map's recalculation
 * (R2, R3, R4.8, R8.2). Two x86.c functions about APICv inhibits (kvm_set_or_clear_apicv_inhibit,
 * kvm_apicv_activated) are here too: the map recalculation sets the inhibits and the IOAPIC asks
 * for them, and both sit below x86.ts. lapic.c's EOI path and PV EOI are in lapic-eoi.ts, the
 * delivery of a message to the APICs (kvm_irq_delivery_to_apic and its map) in delivery.ts and
 * apicmap.ts.
 */
import {
  buildApicMap,
  inhibitNames,
  MAP_INHIBIT_REASONS,
  mapInhibits,
  VMX_REQUIRED_APICV_INHIBITS,
} from './apicmap.ts';
import { bitmapClear, bitmapHighest, bitmapIsEmpty, bitmapSet, bitmapTest } from './bitmap.ts';
import type { Ctx } from './ctx.ts';
import { apicid, causedBy, emit, lastEvent, reqSlot, touch, traced } from './ctx.ts';
import type { VcpuState } from './state.ts';
import { lvrOf, REQ_APICV_UPDATE, REQ_EVENT, REQ_SCAN_IOAPIC } from './state.ts';

export const SPIV_APIC_ENABLED = 0x100;
/** Focus processor checking: stored, not modelled (R2.3). */
export const SPIV_FOCUS = 0x200;
export const SPIV_DIRECTED_EOI = 0x1000;
export const LVR_DIRECTED_EOI = 1 << 24;

/** PPR from a TPR and an ISR (KVM: lapic.c __apic_update_ppr(), R3.2). */
export function pprOf(tpr: number, isr: Uint32Array): number {
  const isrv = Math.max(bitmapHighest(isr), 0);
  return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
}

/** KVM's view of the vCPU's PPR. */
export function ppr(v: VcpuState): number {
  return pprOf(v.tpr, v.isr);
}

/** The PPR the guest sees: its own under Secure AVIC (R10.1), else KVM's. */
export function guestPpr(v: VcpuState): number {
  return v.savic ? pprOf(v.savic.tpr, v.savic.isr) : ppr(v);
}

/** APIC software-enabled (SPIV bit 8); the hardware enable bit is always set here. */
export function apicSwEnabled(v: VcpuState): boolean {
  return (v.spiv & SPIV_APIC_ENABLED) !== 0;
}

/**
 * A SPIV write: bit 12 is kept only while LVR[24] advertises Suppress EOI Broadcast, and a
 * toggle of bit 8 (software enable) recalculates the map (R2.3). KVM: lapic.c
 * kvm_lapic_reg_write() case APIC_SPIV, apic_set_spiv().
 */
export function apicSetSpiv(ctx: Ctx, v: VcpuState, value: number): void {
  const mask = 0x3ff | (v.lvr & LVR_DIRECTED_EOI ? SPIV_DIRECTED_EOI : 0);
  const old = v.spiv;
  v.spiv = (value & mask) >>> 0;
  if (traced(ctx))
    emit(ctx, v.index, 'kvm_apic', {
      reg: 'APIC_SPIV',
      value: v.spiv,
      requested: value >>> 0,
      dropped: (value & SPIV_DIRECTED_EOI) !== 0 && (mask & SPIV_DIRECTED_EOI) === 0,
    });
  if ((old ^ v.spiv) & SPIV_APIC_ENABLED) kvmRecalculateApicMap(ctx, 'SPIV bit 8');
}

/**
 * A write of the xAPIC ID, LDR or DFR (R2.1; the x2APIC ones are read-only, which the caller
 * checks). Each marks the map dirty whatever the value, so the map is recalculated. KVM: lapic.c
 * kvm_lapic_reg_write() cases APIC_ID, APIC_LDR, APIC_DFR: kvm_apic_set_xapic_id(),
 * kvm_apic_set_ldr(), kvm_apic_set_dfr().
 */
export function apicWriteMapRegister(
  ctx: Ctx,
  v: VcpuState,
  op: 'apic-id' | 'ldr' | 'dfr',
  value: number,
): void {
  if (op === 'apic-id') v.idReg = ((value >>> 24) << 24) >>> 0;
  else if (op === 'ldr') v.ldr = (value & 0xff000000) >>> 0;
  else v.dfr = (value | 0x0fffffff) >>> 0;
  if (traced(ctx))
    emit(ctx, v.index, 'kvm_apic', {
      reg: op === 'apic-id' ? 'APIC_ID' : op === 'ldr' ? 'APIC_LDR' : 'APIC_DFR',
      value: op === 'apic-id' ? v.idReg : op === 'ldr' ? v.ldr : v.dfr,
    });
  kvmRecalculateApicMap(ctx, op === 'apic-id' ? 'xAPIC ID' : op.toUpperCase());
}

/**
 * The guest's TPR write lands in KVM's TPR (R3.2), PPR following it; whether it exits is VMX's
 * TPR threshold (vmx.ts). KVM: lapic.c apic_set_tpr().
 */
export function apicSetTpr(ctx: Ctx, v: VcpuState, value: number): void {
  v.tpr = value;
  if (traced(ctx)) causedBy(ctx, emit(ctx, v.index, 'guest_tpr', { value, savic: false }));
}

/** KVM: lapic.c kvm_apic_set_version(): LVR from the VM's mode now (R8.2, R8.9). */
export function kvmApicSetVersion(ctx: Ctx, v: VcpuState, at: 'reset' | 'set-lapic'): void {
  const lvr = lvrOf(ctx.state.config, ctx.state.vm.seoib);
  if (lvr === v.lvr) return;
  const old = v.lvr;
  v.lvr = lvr;
  if (traced(ctx)) emit(ctx, v.index, 'lvr_recomputed', { lvr, old, at });
}

/** Highest IRR vector whose class beats PPR, else -1 (KVM: apic_has_interrupt_for_ppr(), R3.3). */
export function deliverableFor(irr: Uint32Array, pprValue: number): number {
  const h = bitmapHighest(irr);
  return h !== -1 && (h & 0xf0) > (pprValue & 0xf0) ? h : -1;
}

export function kvmApicHasInterrupt(v: VcpuState): number {
  return deliverableFor(v.irr, ppr(v));
}

/** What the guest's (virtual) APIC would deliver next: guest registers under Secure AVIC. */
export function guestHasInterrupt(v: VcpuState): number {
  return v.savic ? deliverableFor(v.savic.irr, guestPpr(v)) : kvmApicHasInterrupt(v);
}

export interface ApicIrq {
  vector: number;
  deliveryMode: 0 | 1;
  trigger: 0 | 1;
}

/**
 * Fixed / lowest-priority acceptance; returns 1 if accepted, 0 if dropped
 * (KVM: lapic.c __apic_accept_irq(), R3.7).
 */
export function kvmApicAcceptIrq(ctx: Ctx, v: VcpuState, irq: ApicIrq, posted: boolean): 0 | 1 {
  if (irq.deliveryMode === 1) v.apicArbPrio++;
  if (!apicSwEnabled(v)) return rejectIrq(ctx, v, irq);
  const vector = irq.vector;
  const merged = bitmapTest(v.irr, vector);
  if (irq.trigger) bitmapSet(v.tmr, vector);
  else bitmapClear(v.tmr, vector);
  bitmapSet(v.irr, vector);
  ctx.vectorSets[vector]++;
  if (traced(ctx)) emitAcceptIrq(ctx, v, irq, merged, posted);
  touch(ctx, v);
  return 1;
}

/** A software-disabled APIC drops the interrupt. */
function rejectIrq(ctx: Ctx, v: VcpuState, irq: ApicIrq): 0 {
  if (traced(ctx)) emit(ctx, v.index, 'apic_reject_irq', { apicid: apicid(v), vector: irq.vector });
  return 0;
}

function emitAcceptIrq(ctx: Ctx, v: VcpuState, irq: ApicIrq, merged: boolean, posted: boolean): void {
  emit(ctx, v.index, 'kvm_apic_accept_irq', {
    apicid: v.index, // KVM prints vcpu->vcpu_id, not the APIC ID
    vector: irq.vector,
    deliveryMode: irq.deliveryMode,
    trigger: irq.trigger,
    merged,
    how: posted ? 'posted' : v.inGuest ? 'kick' : 'event',
  });
  ctx.vcpuCause[v.index] = lastEvent(ctx);
}

/** Moves V from IRR to ISR at injection (KVM: lapic.c kvm_apic_ack_interrupt(), R3.6). */
export function kvmApicAckInterrupt(v: VcpuState, vector: number, apicvActive: boolean): void {
  // R3.4: a vector in service cannot beat PPR, so it can never be taken twice.
  if (bitmapTest(v.isr, vector))
    throw new Error(`invariant: vector ${vector} acked while in service on vCPU ${v.index}`);
  bitmapClear(v.irr, vector);
  bitmapSet(v.isr, vector);
  // With APICv the cache is forced to -1 (kvm_apic_update_apicv), so PV EOI never arms.
  v.highestIsrCache = apicvActive ? -1 : vector;
}

/** Clears the highest in-service vector; returns it or -1 (the ISR half of apic_set_eoi()). */
export function apicClearHighestIsr(ctx: Ctx, v: VcpuState): number {
  const vector = bitmapHighest(v.isr);
  if (vector === -1) return -1;
  bitmapClear(v.isr, vector);
  v.highestIsrCache = -1;
  touch(ctx, v);
  return vector;
}

/**
 * Raises a KVM_REQ_* bit, kicking the vCPU if asked and it is running guest code. While recording,
 * the request descends from `cause`, by default the last event.
 */
export function kvmMakeRequest(ctx: Ctx, v: VcpuState, req: number, kick: boolean, cause?: number): void {
  v.requests |= req;
  if (ctx.recording) requestCause(ctx, v, req, cause);
  if (kick && v.inGuest) v.kickPending = true;
  touch(ctx, v);
}

/** The request, and the kick it may cause, descend from the event that led to it. */
function requestCause(ctx: Ctx, v: VcpuState, req: number, cause: number | undefined): void {
  const c = cause ?? lastEvent(ctx);
  ctx.reqCause[reqSlot(v, req)] = c;
  ctx.vcpuCause[v.index] = c;
}

export function raiseEvent(ctx: Ctx, v: VcpuState): void {
  kvmMakeRequest(ctx, v, REQ_EVENT, true);
}

export function irrPending(v: VcpuState): boolean {
  return !bitmapIsEmpty(v.irr);
}

/** IRR or ISR holds the vector (KVM: lapic.c kvm_apic_pending_eoi()). */
export function kvmApicPendingEoi(v: VcpuState, vector: number): boolean {
  const r = vector >>> 5;
  const b = 1 << (vector & 31);
  return ((v.irr[r] | v.isr[r]) & b) !== 0;
}

/**
 * Whether this vCPU's EOIs of level vectors are kept from the IOAPIC (SPIV bit 12 under the
 * VM's SEOIB mode). KVM: lapic.c kvm_lapic_suppress_eoi_broadcast() (R8.3).
 */
export function kvmLapicSuppressEoiBroadcast(ctx: Ctx, v: VcpuState): boolean {
  if ((v.spiv & SPIV_DIRECTED_EOI) === 0) return false;
  switch (ctx.state.vm.seoib) {
    case 'enabled':
      return true;
    case 'disabled':
      return false;
    case 'quirked':
      return !ctx.split;
  }
}

/**
 * APICv activated for the VM: no inhibit recorded (DISABLED stands for `apicv off`); never with
 * Secure AVIC. Each vCPU follows at its next entry (VcpuState.apicvActive). KVM: x86.c
 * kvm_apicv_activated().
 */
export function kvmApicvActivated(ctx: Ctx): boolean {
  return ctx.state.vm.apicvInhibits === 0 && !ctx.state.config.secureAvic;
}

/**
 * Sets or clears one APICv inhibit for the VM; when APICv's overall state flips, every vCPU gets
 * KVM_REQ_APICV_UPDATE (with a kick) and changes at its next entry. KVM: x86.c
 * __kvm_set_or_clear_apicv_inhibit(), which ignores reasons outside VMX_REQUIRED_APICV_INHIBITS.
 * KVM traces every call; only changes are traced here.
 */
export function kvmSetOrClearApicvInhibit(ctx: Ctx, reason: number, set: boolean): void {
  if (!(VMX_REQUIRED_APICV_INHIBITS & (1 << reason))) return;
  const old = ctx.state.vm.apicvInhibits;
  const inhibits = set ? old | (1 << reason) : old & ~(1 << reason);
  if (inhibits === old) return;
  ctx.state.vm.apicvInhibits = inhibits;
  const flips = (old === 0) !== (inhibits === 0);
  if (traced(ctx))
    emit(ctx, -1, 'kvm_apicv_inhibit_changed', {
      reason,
      set,
      inhibits,
      name: inhibitNames(1 << reason)[0],
      names: inhibitNames(inhibits).join('|'),
      flips,
    });
  if (flips) for (const v of ctx.state.cpus) kvmMakeRequest(ctx, v, REQ_APICV_UPDATE, true);
}

/**
 * Rebuilds the optimized APIC map, sets or clears the APICv inhibits it implies, and asks every
 * vCPU to rescan (R4.8, R7.8). Every caller changed or rewrote a register the map depends on, so
 * the map is always dirty here. KVM: lapic.c kvm_recalculate_apic_map().
 */
export function kvmRecalculateApicMap(ctx: Ctx, why: string): void {
  const s = ctx.state;
  const map = buildApicMap(s.config, s.cpus);
  s.vm.apicMap = map;
  if (traced(ctx))
    emit(ctx, -1, 'apic_map_recalculated', {
      reg: why,
      maxApicId: map.maxApicId,
      state: !map.valid ? 'invalid' : map.logicalMode === 'disabled' ? 'logical-disabled' : 'valid',
      detail: !map.valid
        ? `invalid: ${map.invalidWhy}`
        : map.logicalMode === 'disabled'
          ? `valid, logical map disabled: ${map.logicalDisabledWhy}`
          : `valid, logical mode ${map.logicalMode}`,
    });
  // The same reasons as at boot (mapInhibits), set or cleared one by one as KVM does.
  const want = mapInhibits(map);
  for (const reason of MAP_INHIBIT_REASONS)
    kvmSetOrClearApicvInhibit(ctx, reason, (want & (1 << reason)) !== 0);
  for (const v of s.cpus) kvmMakeRequest(ctx, v, REQ_SCAN_IOAPIC, true);
}
