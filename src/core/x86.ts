/**
 * KVM's x86 glue between the LAPICs and the IOAPIC, as arch/x86/kvm/x86.c has it:
 * vcpu_scan_ioapic() with vcpu_load_eoi_exitmap(), vcpu_enter_guest() and the requests it
 * processes in order (the KVM_EXIT_IOAPIC_EOI exit to QEMU, the scans, __kvm_vcpu_update_apicv(),
 * kvm_check_and_inject_events(), update_cr8_intercept()), and settle: every vCPU's KVM_RUN until
 * the machine is quiescent (R3.5, R3.6, R7, R11.1). The VM exit itself is vcpu.ts, VMX's exits
 * and APICv delivery vmx.ts, Secure AVIC savic.ts.
 */

import { inhibitNames } from './apicmap.ts';
import { bitmapCopy, bitmapHighest, bitmapTest, bitmapVectors, bitmapZero } from './bitmap.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, causedByRequest, countCpu, countCpuVector, emit, nextSetBit, traced } from './ctx.ts';
import { kvmIoapicScanEntry } from './ioapic.ts';
import { levelPinAwaitingEoi } from './ioapic-common.ts';
import { kvmScanIoapicRoutes } from './irq.ts';
import { apicSwEnabled, kvmApicAckInterrupt, kvmApicHasInterrupt, kvmApicvActivated, ppr } from './lapic.ts';
import { kvmLapicSyncToVapic } from './lapic-eoi.ts';
import { qemuIoapicEoiBroadcast } from './qemu-ioapic.ts';
import { savicDeliver, savicSetRequestedIrr } from './savic.ts';
import type { VcpuState } from './state.ts';
import {
  REQ_APICV_UPDATE,
  REQ_EVENT,
  REQ_IOAPIC_EOI_EXIT,
  REQ_LOAD_EOI_EXITMAP,
  REQ_SCAN_IOAPIC,
} from './state.ts';
import { guestTakeInterrupt, vmExit } from './vcpu.ts';
import { apicvDeliver } from './vmx.ts';

// ---------------------------------------------------------------------------------------------
// Scans (R7.5, R7.6, R5.7)

/** KVM: x86.c vcpu_scan_ioapic() (R7.6), with kvm_scan_ioapic_routes() or kvm_ioapic_scan_entry(). */
export function vcpuScanIoapic(ctx: Ctx, v: VcpuState): void {
  // The event compares the handled vectors before and after: copied only if it will be kept.
  const before = ctx.recording ? v.ioapicHandledVectors.slice() : null;
  bitmapZero(v.ioapicHandledVectors);
  v.highestStalePendingIoapicEoi = -1;
  if (ctx.split) kvmScanIoapicRoutes(ctx, v);
  else kvmIoapicScanEntry(ctx, v);
  v.requests |= REQ_LOAD_EOI_EXITMAP;
  countCpu(ctx, CTR.scans, v.index);
  // Recording has not changed since `before` was taken (no event in between).
  if (traced(ctx) && before) {
    const now = bitmapVectors(v.ioapicHandledVectors);
    emit(ctx, v.index, 'scan_ioapic', {
      handled: now,
      stale: v.highestStalePendingIoapicEoi,
      changed: now.join() !== bitmapVectors(before).join(),
      split: ctx.split,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Entries and injection

/** KVM: x86.c kvm_check_and_inject_events(), interrupt part (R3.5, R3.6). */
function kvmCheckAndInjectEvents(ctx: Ctx, v: VcpuState): void {
  if (v.apicvActive || v.savic) return; // delivered by hardware (R11.1) / the guest's own APIC (R10)
  const vector = kvmApicHasInterrupt(v);
  if (vector === -1) return;
  if (!v.rflagsIf) {
    if (traced(ctx)) emit(ctx, v.index, 'irq_window_request', { vector });
    return;
  }
  injectInterrupt(ctx, v, vector);
}

/** KVM: kvm_cpu_get_interrupt() (the ack) and the injection of the vector into the guest (R3.6). */
function injectInterrupt(ctx: Ctx, v: VcpuState, vector: number): void {
  const level = bitmapTest(v.tmr, vector);
  const pprBefore = ctx.recording ? ppr(v) : 0;
  kvmApicAckInterrupt(v, vector, false);
  guestTakeInterrupt(ctx, v, vector, level);
  if (traced(ctx)) emitInjVirq(ctx, v, vector, pprBefore);
}

function emitInjVirq(ctx: Ctx, v: VcpuState, vector: number, pprBefore: number): void {
  ctx.guestCause[v.index] = emit(ctx, v.index, 'kvm_inj_virq', { vector, pprBefore, pprAfter: ppr(v) });
}

/**
 * KVM_REQ_APICV_UPDATE at an entry: this vCPU follows the VM's inhibits. The change happens
 * here, not when the inhibit is set, so until its next entry a vCPU keeps posting and
 * virtualizing EOIs (or not) as before. KVM: x86.c __kvm_vcpu_update_apicv() with
 * lapic.c kvm_apic_update_apicv().
 */
function kvmVcpuUpdateApicv(ctx: Ctx, v: VcpuState): void {
  const activate = kvmApicvActivated(ctx) && !v.savic;
  if (v.apicvActive === activate) return;
  v.apicvActive = activate;
  v.highestIsrCache = -1;
  // Interrupts accepted while APICv was active raised no KVM_REQ_EVENT: look at IRR now.
  if (!activate) v.requests |= REQ_EVENT;
  if (traced(ctx))
    emit(ctx, v.index, 'apicv_update', {
      active: activate,
      inhibits: inhibitNames(ctx.state.vm.apicvInhibits).join(', '),
    });
}

/**
 * Arms VMX's TPR threshold from the highest IRR class and TPR's class (the ISR is not consulted):
 * a later TPR write below it exits. Runs where update_cr8_intercept() does: entries that process
 * KVM_REQ_EVENT, without APICv. KVM: x86.c update_cr8_intercept() → vmx_update_cr8_intercept().
 */
function updateCr8Intercept(ctx: Ctx, v: VcpuState): void {
  if (v.apicvActive || v.savic) return;
  // No IRR: bitmapHighest is -1, and so is its class (>> keeps the sign).
  const irrClass = bitmapHighest(v.irr) >> 4;
  const tprClass = v.tpr >> 4;
  const threshold = irrClass === -1 || tprClass < irrClass ? 0 : irrClass;
  if (threshold === v.tprThreshold) return;
  v.tprThreshold = threshold;
  if (traced(ctx)) emitTprThreshold(ctx, v, threshold, tprClass, irrClass);
}

function emitTprThreshold(
  ctx: Ctx,
  v: VcpuState,
  threshold: number,
  tprClass: number,
  irrClass: number,
): void {
  emit(ctx, v.index, 'tpr_threshold', { threshold, tprClass, irrClass });
}

/** KVM: x86.c vcpu_enter_guest(): requests in the order of R7.4, then the entry. */
export function vcpuEnterGuest(ctx: Ctx, v: VcpuState): void {
  const outer = ctx.cause;
  while (v.requests !== 0) {
    if (v.requests & REQ_IOAPIC_EOI_EXIT) {
      v.requests &= ~REQ_IOAPIC_EOI_EXIT;
      const exited = ioapicEoiExit(ctx, v);
      ctx.cause = outer;
      if (exited) continue; // QEMU handled the exit; KVM_RUN again
    }
    // Rare requests apart, so that the loop stays small enough for the JIT to inline its calls.
    if (v.requests & (REQ_SCAN_IOAPIC | REQ_LOAD_EOI_EXITMAP | REQ_APICV_UPDATE)) scanRequests(ctx, v, outer);
    if (v.requests & REQ_EVENT) {
      v.requests &= ~REQ_EVENT;
      if (ctx.recording) causedByRequest(ctx, v, REQ_EVENT);
      kvmCheckAndInjectEvents(ctx, v);
      // kvm_lapic_enabled(): only a software-enabled APIC gets these.
      if (apicSwEnabled(v)) {
        updateCr8Intercept(ctx, v);
        kvmLapicSyncToVapic(ctx, v); // PV EOI is armed only at entries that process KVM_REQ_EVENT
      }
      ctx.cause = outer;
    }
  }
  if (v.savic) savicSetRequestedIrr(ctx, v);
  v.inGuest = true;
  if (traced(ctx)) emit(ctx, v.index, 'kvm_entry', {});
  // No touch: settle, the only caller, runs the vCPU's hardware delivery right after the entry.
}

/** KVM_REQ_IOAPIC_EOI_EXIT at an entry: true if it exited to QEMU (the vector is still handled). */
function ioapicEoiExit(ctx: Ctx, v: VcpuState): boolean {
  if (ctx.recording) causedByRequest(ctx, v, REQ_IOAPIC_EOI_EXIT);
  const vector = v.pendingIoapicEoi;
  if (bitmapTest(v.ioapicHandledVectors, vector)) {
    kvmUserspaceIoapicEoi(ctx, v, vector);
    return true;
  }
  if (traced(ctx)) emit(ctx, v.index, 'ioapic_eoi_exit_dropped', { vector });
  return false;
}

/** KVM_REQ_SCAN_IOAPIC, KVM_REQ_LOAD_EOI_EXITMAP and KVM_REQ_APICV_UPDATE at an entry, in that order. */
function scanRequests(ctx: Ctx, v: VcpuState, outer: number): void {
  if (v.requests & REQ_SCAN_IOAPIC) {
    v.requests &= ~REQ_SCAN_IOAPIC;
    if (ctx.recording) causedByRequest(ctx, v, REQ_SCAN_IOAPIC);
    vcpuScanIoapic(ctx, v);
    ctx.cause = outer;
  }
  if (v.requests & REQ_LOAD_EOI_EXITMAP) {
    v.requests &= ~REQ_LOAD_EOI_EXITMAP;
    // KVM: x86.c vcpu_load_eoi_exitmap() (R7.2): the bitmap APICv consults on EOI. VMX writes
    // it only while this vCPU's APICv is active (vmx_load_eoi_exitmap()); without APICv at all
    // the bitmap is kept for display, unused. [unverified: no reload was found on the way back
    // to active APICv (__kvm_vcpu_update_apicv), so a route change made while inhibited is
    // missing from the bitmap until the next scan; this follows the code as read]
    if (v.apicvActive || !ctx.state.config.apicv) bitmapCopy(v.eoiExitBitmap, v.ioapicHandledVectors);
  }
  if (v.requests & REQ_APICV_UPDATE) {
    v.requests &= ~REQ_APICV_UPDATE;
    kvmVcpuUpdateApicv(ctx, v);
  }
}

/** KVM_EXIT_IOAPIC_EOI to QEMU, which runs ioapic_eoi_broadcast() (R7.4, R6). */
function kvmUserspaceIoapicEoi(ctx: Ctx, v: VcpuState, vector: number): void {
  countCpuVector(ctx, CTR['ioapic-eoi-exits'], v.index, vector);
  countCpuVector(ctx, CTR['eoi-broadcasts'], v.index, vector);
  const needless = !levelPinAwaitingEoi(ctx, vector);
  if (needless) countCpuVector(ctx, CTR['needless-eoi-exits'], v.index, vector);
  const prev = traced(ctx) ? emitUserspaceExit(ctx, v, vector, needless) : ctx.cause;
  qemuIoapicEoiBroadcast(ctx, vector);
  ctx.cause = prev;
}

function emitUserspaceExit(ctx: Ctx, v: VcpuState, vector: number, needless: boolean): number {
  return causedBy(ctx, emit(ctx, v.index, 'kvm_userspace_exit', { vector, needless }));
}

/**
 * Runs the machine to quiescence: vCPUs in index order enter, take kicks, and take what
 * their hardware delivers, pass after pass until nothing is left (contract §4, Steps).
 */
export function settle(ctx: Ctx): void {
  // Most calls find nothing to do: this much is inlined at every call.
  if (ctx.attnCount > 0) settlePasses(ctx);
}

function settlePasses(ctx: Ctx): void {
  const cpus = ctx.state.cpus;
  // Pass after pass in index order: a vCPU touched above the one being handled is handled later
  // in the same pass, one touched at or below it in the next pass.
  let from = 0;
  while (ctx.attnCount > 0) {
    const i = nextSetBit(ctx.attn, from);
    if (i < 0) {
      from = 0;
      continue;
    }
    ctx.attn[i >>> 5] &= ~(1 << (i & 31));
    ctx.attnCount--;
    from = i + 1;
    const v = cpus[i];
    // The vCPU's work descends from what gave it that work (an exit, a request, an accepted IRQ).
    const outer = ctx.cause;
    if (ctx.recording) causedBy(ctx, ctx.vcpuCause[i]);
    if (!v.inGuest) {
      vcpuEnterGuest(ctx, v);
    } else if (v.kickPending) {
      vmExit(ctx, v, 'EXTERNAL_INTERRUPT', 'kick');
      vcpuEnterGuest(ctx, v);
    }
    // What the (virtual) APIC delivers by itself to a vCPU running guest code with IF set: Secure
    // AVIC's guest APIC (R10) or APICv's virtual-interrupt delivery (R11.1).
    if (v.inGuest && v.rflagsIf) {
      if (v.savic) savicDeliver(ctx, v);
      else if (v.apicvActive) apicvDeliver(ctx, v);
    }
    ctx.cause = outer;
  }
}

/**
 * The deliverable interrupt in KVM's IRR that no hardware delivers, so that an exit is needed to
 * inject it; -1 when there is none.
 */
export function windowExitVector(v: VcpuState): number {
  return v.apicvActive || v.savic ? -1 : kvmApicHasInterrupt(v);
}
