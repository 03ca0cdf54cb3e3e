/**
 * arch/x86/kvm/lapic.c's EOI path and PV EOI: apic_set_eoi(), kvm_ioapic_send_eoi() with its
 * two ways to the IOAPIC (KVM's, or KVM_REQ_IOAPIC_EOI_EXIT for QEMU's), kvm_apic_set_eoi_accelerated(),
 * kvm_lapic_set_pv_eoi(), apic_sync_pv_eoi_from/to_guest() and kvm_lapic_sync_from/to_vapic()
 * (R3.8, R3.9, R7.3, R9). It is lapic.c, kept apart from lapic.ts only because TypeScript modules
 * cannot be cyclic: the EOI path calls the IOAPIC (ioapic.ts), which delivers through lapic.ts.
 */

import { bitmapTest } from './bitmap.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { apicid, causedBy, countCpu, countCpuVector, emit, HostCrash, traced } from './ctx.ts';
import { kvmIoapicUpdateEoi } from './ioapic.ts';
import { levelPinAwaitingEoi } from './ioapic-common.ts';
import { apicClearHighestIsr, irrPending, kvmLapicSuppressEoiBroadcast, kvmMakeRequest } from './lapic.ts';
import type { VcpuState } from './state.ts';
import { REQ_EVENT, REQ_IOAPIC_EOI_EXIT, REQ_SCAN_IOAPIC } from './state.ts';

// ---------------------------------------------------------------------------------------------
// EOI (R3.8, R3.9, R7.3)

/** KVM: lapic.c kvm_ioapic_send_eoi() (R7.3). */
export function kvmIoapicSendEoi(ctx: Ctx, v: VcpuState, vector: number): void {
  if (!bitmapTest(v.ioapicHandledVectors, vector)) {
    if (traced(ctx)) emit(ctx, v.index, 'eoi_not_forwarded', { vector });
    return;
  }
  if (v.highestStalePendingIoapicEoi === vector) {
    if (traced(ctx)) emit(ctx, v.index, 'stale_eoi_rescan', { vector });
    kvmMakeRequest(ctx, v, REQ_SCAN_IOAPIC, false);
  }
  const suppressed = kvmLapicSuppressEoiBroadcast(ctx, v);
  if (ctx.split) requestIoapicEoiExit(ctx, v, vector, suppressed);
  else forwardEoiToIoapic(ctx, v, vector, suppressed);
}

/** kvm_ioapic_send_eoi() with a userspace IOAPIC: KVM_REQ_IOAPIC_EOI_EXIT tells QEMU at the next entry. */
function requestIoapicEoiExit(ctx: Ctx, v: VcpuState, vector: number, suppressed: boolean): void {
  if (suppressed) {
    if (traced(ctx)) emit(ctx, v.index, 'seoib_suppressed', { vector, mode: ctx.state.vm.seoib });
    return;
  }
  v.pendingIoapicEoi = vector;
  if (traced(ctx)) emitEoiExitRequest(ctx, v, vector);
  kvmMakeRequest(ctx, v, REQ_IOAPIC_EOI_EXIT, false);
}

// emit… functions: each builds one event, apart from the hot function that emits it (ctx.ts emit).

function emitEoiExitRequest(ctx: Ctx, v: VcpuState, vector: number): void {
  emit(ctx, v.index, 'ioapic_eoi_exit_request', {
    vector,
    spivSeoib: (v.spiv & 0x1000) !== 0,
    mode: ctx.state.vm.seoib,
  });
}

/** kvm_ioapic_send_eoi() with the in-kernel IOAPIC: kvm_ioapic_update_eoi() with the TMR's trigger mode. */
function forwardEoiToIoapic(ctx: Ctx, v: VcpuState, vector: number, suppressed: boolean): void {
  const trigger = bitmapTest(v.tmr, vector) ? 1 : 0;
  if (!suppressed) {
    countCpuVector(ctx, CTR['eoi-broadcasts'], v.index, vector);
    if (!levelPinAwaitingEoi(ctx, vector)) countCpuVector(ctx, CTR['needless-eoi-exits'], v.index, vector);
  }
  const prev = traced(ctx) ? emitEoiForwarded(ctx, v, vector, trigger, suppressed) : ctx.cause;
  kvmIoapicUpdateEoi(ctx, v, vector, trigger);
  ctx.cause = prev;
}

function emitEoiForwarded(
  ctx: Ctx,
  v: VcpuState,
  vector: number,
  trigger: 0 | 1,
  suppressed: boolean,
): number {
  return causedBy(ctx, emit(ctx, v.index, 'eoi_forwarded', { vector, trigger, suppressed }));
}

/** KVM: lapic.c apic_set_eoi() (R3.8): EOI of the highest in-service vector. */
export function apicSetEoi(ctx: Ctx, v: VcpuState): number {
  const vector = apicClearHighestIsr(ctx, v);
  if (vector === -1) return emptyEoi(ctx, v);
  const eoi = traced(ctx) ? emitKvmEoi(ctx, v, vector, false) : -1;
  const prev = causedBy(ctx, eoi);
  kvmIoapicSendEoi(ctx, v, vector);
  kvmMakeRequest(ctx, v, REQ_EVENT, false, eoi);
  ctx.cause = prev;
  return vector;
}

function emitKvmEoi(ctx: Ctx, v: VcpuState, vector: number, accelerated: boolean, savic = false): number {
  return emit(ctx, v.index, 'kvm_eoi', { apicid: v.index, vector, accelerated, ...(savic ? { savic } : {}) });
}

/** An EOI with nothing in service. */
function emptyEoi(ctx: Ctx, v: VcpuState): -1 {
  countCpu(ctx, CTR['empty-eois'], v.index);
  if (traced(ctx)) emit(ctx, v.index, 'eoi_isr_empty', { apicid: apicid(v) });
  return -1;
}

/**
 * KVM: lapic.c kvm_apic_set_eoi_accelerated() (R3.9): the ISR was already cleared, by the CPU
 * (an EOI-induced exit) or by KVM from its shadow ISR (`savic`, a Secure AVIC EOI exit, R10.4).
 */
export function kvmApicSetEoiAccelerated(ctx: Ctx, v: VcpuState, vector: number, savic = false): void {
  const eoi = traced(ctx) ? emitKvmEoi(ctx, v, vector, true, savic) : -1;
  const prev = causedBy(ctx, eoi);
  kvmIoapicSendEoi(ctx, v, vector);
  kvmMakeRequest(ctx, v, REQ_EVENT, false, eoi);
  ctx.cause = prev;
}

// ---------------------------------------------------------------------------------------------
// PV EOI (R9)

/**
 * The guest's MSR_KVM_PV_EOI_EN write, once x86.c kvm_set_msr_common() has accepted it (the
 * caller raises #GP otherwise). KVM: lapic.c kvm_lapic_set_pv_eoi() (R9.1).
 */
export function kvmLapicSetPvEoi(ctx: Ctx, v: VcpuState, on: boolean): void {
  v.pvEoiEnabled = on;
  if (on) v.pvEoiByte = 0;
  if (traced(ctx)) emit(ctx, v.index, 'pv_eoi_msr', { on });
}

/** KVM: lapic.c kvm_lapic_sync_from_vapic(): the PV EOI sync runs only while one is pending. */
export function kvmLapicSyncFromVapic(ctx: Ctx, v: VcpuState): void {
  if (v.pvEoiPending) apicSyncPvEoiFromGuest(ctx, v);
}

/** KVM: lapic.c apic_sync_pv_eoi_from_guest() (R9.4, R9.5). */
function apicSyncPvEoiFromGuest(ctx: Ctx, v: VcpuState): void {
  if (!v.pvEoiEnabled) {
    if (ctx.state.config.kvm.pvEoiDisableFix) {
      v.pvEoiPending = false;
      // [unverified: the fix's body was not available] Dropped, not applied: ISR stays, byte untouched.
      if (traced(ctx)) emit(ctx, v.index, 'pv_eoi_dropped', { apicid: apicid(v) });
      return;
    }
    countCpu(ctx, CTR['host-crashes'], -1);
    ctx.state.vm.crashed = true;
    if (traced(ctx)) emit(ctx, v.index, 'host_bug_on', {});
    throw new HostCrash(v.index);
  }
  const old = v.pvEoiByte;
  v.pvEoiByte = 0;
  v.pvEoiPending = false;
  if (old === 1) {
    if (traced(ctx)) emit(ctx, v.index, 'pv_eoi_sync', { apicid: apicid(v) });
    return;
  }
  // As KVM does: the EOI first (kvm_eoi), then trace_kvm_pv_eoi with its vector.
  const vector = apicSetEoi(ctx, v);
  countCpu(ctx, CTR['pv-eoi-applied'], v.index);
  if (traced(ctx)) emit(ctx, v.index, 'kvm_pv_eoi', { apicid: v.index, vector });
}

/** KVM: lapic.c kvm_lapic_sync_to_vapic(): PV EOI can be armed only while the guest enabled it. */
export function kvmLapicSyncToVapic(ctx: Ctx, v: VcpuState): void {
  if (v.pvEoiEnabled) apicSyncPvEoiToGuest(ctx, v);
}

/** KVM: lapic.c apic_sync_pv_eoi_to_guest() (R9.3). */
function apicSyncPvEoiToGuest(ctx: Ctx, v: VcpuState): void {
  let reason: 'irr' | 'cache' | 'handled' | null = null;
  if (irrPending(v)) reason = 'irr';
  else if (v.highestIsrCache === -1) reason = 'cache';
  else if (bitmapTest(v.ioapicHandledVectors, v.highestIsrCache)) reason = 'handled';
  if (reason) {
    if (traced(ctx))
      emit(ctx, v.index, 'pv_eoi_not_armed', {
        apicid: apicid(v),
        reason,
        ...(reason === 'handled' ? { vector: v.highestIsrCache } : {}),
      });
    return;
  }
  v.pvEoiByte = 1;
  v.pvEoiPending = true;
  if (traced(ctx)) emit(ctx, v.index, 'pv_eoi_arm', { apicid: apicid(v), vector: v.highestIsrCache });
}
