/**
 * KVM's machinery between the LAPICs and the IOAPIC: handled vectors and scans, the stale-EOI
 * rescan, EOI forwarding and KVM_EXIT_IOAPIC_EOI, VM exits and entries with their request
 * processing, PV EOI, Secure AVIC's shadow ISR, APICv's EOI-exit bitmap (R3.9, R7–R10).
 */

import { inhibitNames } from './apicmap.ts';
import {
  bitmapClear,
  bitmapCopy,
  bitmapHighest,
  bitmapSet,
  bitmapTest,
  bitmapVectors,
  bitmapZero,
} from './bitmap.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import {
  apicid,
  causedBy,
  causedByRequest,
  countCpu,
  countCpuVector,
  emit,
  HostCrash,
  kvmApicvActivated,
  markGuestBusy,
  nextSetBit,
  touch,
  traced,
} from './ctx.ts';
import { kvmApicMatchDest } from './delivery.ts';
import type { ExitWhat } from './events.ts';
import {
  isSplit,
  kvmApicPendingEoi,
  kvmIoapicUpdateEoi,
  levelPinAwaitingEoi,
  qemuIoapicEoiBroadcast,
  RTC_GSI,
} from './ioapic.ts';
import {
  apicClearHighestIsr,
  apicSwEnabled,
  guestHasInterrupt,
  irrPending,
  kvmApicAckInterrupt,
  kvmApicHasInterrupt,
  kvmLapicSuppressEoiBroadcast,
  kvmMakeRequest,
  ppr,
} from './lapic.ts';
import type { VcpuState } from './state.ts';
import {
  newFrame,
  REQ_APICV_UPDATE,
  REQ_EVENT,
  REQ_IOAPIC_EOI_EXIT,
  REQ_LOAD_EOI_EXITMAP,
  REQ_SCAN_IOAPIC,
} from './state.ts';

// ---------------------------------------------------------------------------------------------
// Scans (R7.5, R7.6, R5.7)

/** KVM: irq.c kvm_scan_ioapic_irq() (R7.5). */
function kvmScanIoapicIrq(m: Ctx, v: VcpuState, dest: number, destMode: 0 | 1, vector: number): void {
  if (kvmApicMatchDest(m, v, null, 0, dest, destMode)) {
    bitmapSet(v.ioapicHandledVectors, vector);
  } else if (kvmApicPendingEoi(v, vector)) {
    // The vCPU is no longer a target but still owes the EOI of an in-flight IRQ: intercept it.
    bitmapSet(v.ioapicHandledVectors, vector);
    if (m.s.config.kvm.staleEoiRescan && vector > v.highestStalePendingIoapicEoi)
      v.highestStalePendingIoapicEoi = vector;
  }
}

/** KVM: x86.c vcpu_scan_ioapic() (R7.6), with kvm_scan_ioapic_routes() or kvm_ioapic_scan_entry(). */
export function vcpuScanIoapic(m: Ctx, v: VcpuState): void {
  // The event compares the handled vectors before and after: copied only if it will be kept.
  const before = m.recording ? v.ioapicHandledVectors.slice() : null;
  bitmapZero(v.ioapicHandledVectors);
  v.highestStalePendingIoapicEoi = -1;
  if (isSplit(m)) {
    // Only MSI routes with trigger=level among the reserved IOAPIC GSIs count.
    for (const route of m.s.vm.routes) {
      if (route?.trigger === 1) kvmScanIoapicIrq(m, v, route.dest, route.destMode, route.vector);
    }
  } else {
    const io = m.s.ioapic;
    const rtcVector = io.rtcDestMap.get(v.index);
    if (rtcVector !== undefined) bitmapSet(v.ioapicHandledVectors, rtcVector);
    for (let pin = 0; pin < io.rte.length; pin++) {
      const e = io.rte[pin];
      // Level pins, pins with ack notifiers (none modelled) and GSI 8, masked or not (R5.7).
      if (e.trigger === 1 || pin === RTC_GSI) kvmScanIoapicIrq(m, v, e.dest, e.destMode, e.vector);
    }
  }
  v.requests |= REQ_LOAD_EOI_EXITMAP;
  countCpu(m, CTR.scans, v.index);
  // Recording has not changed since `before` was taken (no event in between).
  if (traced(m) && before) {
    const now = bitmapVectors(v.ioapicHandledVectors);
    emit(m, v.index, 'scan_ioapic', {
      handled: now,
      stale: v.highestStalePendingIoapicEoi,
      changed: now.join() !== bitmapVectors(before).join(),
      split: isSplit(m),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// EOI (R3.8, R3.9, R7.3)

/** KVM: lapic.c kvm_ioapic_send_eoi() (R7.3). */
export function kvmIoapicSendEoi(m: Ctx, v: VcpuState, vector: number): void {
  if (!bitmapTest(v.ioapicHandledVectors, vector)) {
    if (traced(m)) emit(m, v.index, 'eoi_not_forwarded', { vector });
    return;
  }
  if (v.highestStalePendingIoapicEoi === vector) {
    if (traced(m)) emit(m, v.index, 'stale_eoi_rescan', { vector });
    kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, false);
  }
  const suppressed = kvmLapicSuppressEoiBroadcast(m, v);
  if (isSplit(m)) requestIoapicEoiExit(m, v, vector, suppressed);
  else forwardEoiToIoapic(m, v, vector, suppressed);
}

/** kvm_ioapic_send_eoi() with a userspace IOAPIC: KVM_REQ_IOAPIC_EOI_EXIT tells QEMU at the next entry. */
function requestIoapicEoiExit(m: Ctx, v: VcpuState, vector: number, suppressed: boolean): void {
  if (suppressed) {
    if (traced(m)) emit(m, v.index, 'seoib_suppressed', { vector, mode: m.s.vm.seoib });
    return;
  }
  v.pendingIoapicEoi = vector;
  if (traced(m)) emitEoiExitRequest(m, v, vector);
  kvmMakeRequest(m, v, REQ_IOAPIC_EOI_EXIT, false);
}

// emit… functions: each builds one event, apart from the hot function that emits it (ctx.ts emit).

function emitEoiExitRequest(m: Ctx, v: VcpuState, vector: number): void {
  emit(m, v.index, 'ioapic_eoi_exit_request', {
    vector,
    spivSeoib: (v.spiv & 0x1000) !== 0,
    mode: m.s.vm.seoib,
  });
}

/** kvm_ioapic_send_eoi() with the in-kernel IOAPIC: kvm_ioapic_update_eoi() with the TMR's trigger mode. */
function forwardEoiToIoapic(m: Ctx, v: VcpuState, vector: number, suppressed: boolean): void {
  const trigger = bitmapTest(v.tmr, vector) ? 1 : 0;
  if (!suppressed) {
    countCpuVector(m, CTR['eoi-broadcasts'], v.index, vector);
    if (!levelPinAwaitingEoi(m, vector)) countCpuVector(m, CTR['needless-eoi-exits'], v.index, vector);
  }
  const prev = traced(m) ? emitEoiForwarded(m, v, vector, trigger, suppressed) : m.cause;
  kvmIoapicUpdateEoi(m, v, vector, trigger);
  m.cause = prev;
}

function emitEoiForwarded(m: Ctx, v: VcpuState, vector: number, trigger: 0 | 1, suppressed: boolean): number {
  return causedBy(m, emit(m, v.index, 'eoi_forwarded', { vector, trigger, suppressed }));
}

/** KVM: lapic.c apic_set_eoi() (R3.8): EOI of the highest in-service vector. */
export function apicSetEoi(m: Ctx, v: VcpuState): number {
  const vector = apicClearHighestIsr(m, v);
  if (vector === -1) return emptyEoi(m, v);
  const eoi = traced(m) ? emitKvmEoi(m, v, vector, false) : -1;
  const prev = causedBy(m, eoi);
  kvmIoapicSendEoi(m, v, vector);
  kvmMakeRequest(m, v, REQ_EVENT, false, eoi);
  m.cause = prev;
  return vector;
}

function emitKvmEoi(m: Ctx, v: VcpuState, vector: number, accelerated: boolean, savic = false): number {
  return emit(m, v.index, 'kvm_eoi', { apicid: v.index, vector, accelerated, ...(savic ? { savic } : {}) });
}

/** An EOI with nothing in service. */
function emptyEoi(m: Ctx, v: VcpuState): -1 {
  countCpu(m, CTR['empty-eois'], v.index);
  if (traced(m)) emit(m, v.index, 'eoi_isr_empty', { apicid: apicid(v) });
  return -1;
}

/**
 * KVM: lapic.c kvm_apic_set_eoi_accelerated() (R3.9): the ISR was already cleared, by the CPU
 * (an EOI-induced exit) or by KVM from its shadow ISR (`savic`, a Secure AVIC EOI exit, R10.4).
 */
export function kvmApicSetEoiAccelerated(m: Ctx, v: VcpuState, vector: number, savic = false): void {
  const eoi = traced(m) ? emitKvmEoi(m, v, vector, true, savic) : -1;
  const prev = causedBy(m, eoi);
  kvmIoapicSendEoi(m, v, vector);
  kvmMakeRequest(m, v, REQ_EVENT, false, eoi);
  m.cause = prev;
}

// ---------------------------------------------------------------------------------------------
// PV EOI (R9)

/** KVM: lapic.c kvm_lapic_sync_from_vapic(): the PV EOI sync runs only while one is pending. */
function kvmLapicSyncFromVapic(m: Ctx, v: VcpuState): void {
  if (v.pvEoiPending) apicSyncPvEoiFromGuest(m, v);
}

/** KVM: lapic.c apic_sync_pv_eoi_from_guest() (R9.4, R9.5). */
function apicSyncPvEoiFromGuest(m: Ctx, v: VcpuState): void {
  if (!v.pvEoiEnabled) {
    if (m.s.config.kvm.pvEoiDisableFix) {
      v.pvEoiPending = false;
      // [unverified: the fix's body was not available] Dropped, not applied: ISR stays, byte untouched.
      if (traced(m)) emit(m, v.index, 'pv_eoi_dropped', { apicid: apicid(v) });
      return;
    }
    countCpu(m, CTR['host-crashes'], -1);
    m.s.vm.crashed = true;
    if (traced(m)) emit(m, v.index, 'host_bug_on', {});
    throw new HostCrash(v.index);
  }
  const old = v.pvEoiByte;
  v.pvEoiByte = 0;
  v.pvEoiPending = false;
  if (old === 1) {
    if (traced(m)) emit(m, v.index, 'pv_eoi_sync', { apicid: apicid(v) });
    return;
  }
  // As KVM does: the EOI first (kvm_eoi), then trace_kvm_pv_eoi with its vector.
  const vector = apicSetEoi(m, v);
  countCpu(m, CTR['pv-eoi-applied'], v.index);
  if (traced(m)) emit(m, v.index, 'kvm_pv_eoi', { apicid: v.index, vector });
}

/** KVM: lapic.c kvm_lapic_sync_to_vapic(): PV EOI can be armed only while the guest enabled it. */
function kvmLapicSyncToVapic(m: Ctx, v: VcpuState): void {
  if (v.pvEoiEnabled) apicSyncPvEoiToGuest(m, v);
}

/** KVM: lapic.c apic_sync_pv_eoi_to_guest() (R9.3). */
function apicSyncPvEoiToGuest(m: Ctx, v: VcpuState): void {
  let reason: 'irr' | 'cache' | 'handled' | null = null;
  if (irrPending(v)) reason = 'irr';
  else if (v.highestIsrCache === -1) reason = 'cache';
  else if (bitmapTest(v.ioapicHandledVectors, v.highestIsrCache)) reason = 'handled';
  if (reason) {
    if (traced(m))
      emit(m, v.index, 'pv_eoi_not_armed', {
        apicid: apicid(v),
        reason,
        ...(reason === 'handled' ? { vector: v.highestIsrCache } : {}),
      });
    return;
  }
  v.pvEoiByte = 1;
  v.pvEoiPending = true;
  if (traced(m)) emit(m, v.index, 'pv_eoi_arm', { apicid: apicid(v), vector: v.highestIsrCache });
}

// ---------------------------------------------------------------------------------------------
// Exits, entries and injection

/**
 * A VM exit on this vCPU: counted, then the PV EOI sync runs before the handler (R9.4).
 * Throws HostCrash when the sync trips the pre-fix assertion (R9.5).
 */
export function vmExit(m: Ctx, v: VcpuState, reason: string, what: ExitWhat, vector?: number): void {
  v.inGuest = false;
  v.kickPending = false;
  countCpu(m, CTR.exits, v.index);
  if (traced(m)) emitExit(m, v, reason, what, vector);
  touch(m, v);
  kvmLapicSyncFromVapic(m, v);
}

/** vmExit's event. */
function emitExit(m: Ctx, v: VcpuState, reason: string, what: ExitWhat, vector: number | undefined): void {
  const exit = emit(
    m,
    v.index,
    'kvm_exit',
    vector === undefined ? { reason, what } : { reason, what, vector },
  );
  // What KVM does for the exit (and the PV EOI sync before it) descends from the exit.
  m.cause = exit;
  m.vcpuCause[v.index] = exit;
}

/** The guest takes vector V: a handler frame remembers IF and clears it, as an interrupt gate does. */
export function guestTakeInterrupt(m: Ctx, v: VcpuState, vector: number, level: boolean): void {
  // A frame the guest's iret let go of is reused: taking an interrupt allocates nothing.
  const f = m.framePoolSize > 0 ? m.framePool[--m.framePoolSize] : newFrame(vector, false, false, null, 0);
  f.vector = vector;
  f.savedIf = v.rflagsIf;
  f.levelAtTake = level;
  f.script = null;
  f.pc = 0;
  v.frames.push(f);
  markGuestBusy(m, v);
  v.rflagsIf = false;
  countCpuVector(m, CTR.injections, v.index, vector);
}

/** KVM: x86.c kvm_check_and_inject_events(), interrupt part (R3.5, R3.6). */
function kvmCheckAndInjectEvents(m: Ctx, v: VcpuState): void {
  if (v.apicvActive || v.savic) return; // delivered by hardware (R11.1) / the guest's own APIC (R10)
  const vector = kvmApicHasInterrupt(v);
  if (vector === -1) return;
  if (!v.rflagsIf) {
    if (traced(m)) emit(m, v.index, 'irq_window_request', { vector });
    return;
  }
  injectInterrupt(m, v, vector);
}

/** KVM: kvm_cpu_get_interrupt() (the ack) and the injection of the vector into the guest (R3.6). */
function injectInterrupt(m: Ctx, v: VcpuState, vector: number): void {
  const level = bitmapTest(v.tmr, vector);
  const pprBefore = m.recording ? ppr(v) : 0;
  kvmApicAckInterrupt(v, vector, false);
  guestTakeInterrupt(m, v, vector, level);
  if (traced(m)) emitInjVirq(m, v, vector, pprBefore);
}

function emitInjVirq(m: Ctx, v: VcpuState, vector: number, pprBefore: number): void {
  m.guestCause[v.index] = emit(m, v.index, 'kvm_inj_virq', { vector, pprBefore, pprAfter: ppr(v) });
}

/** KVM: svm/sev.c sev_savic_set_requested_irr() [proposal] (R10.2). */
function savicSetRequestedIrr(m: Ctx, v: VcpuState): void {
  const savic = v.savic!;
  let any = false;
  const moved: number[] | null = m.recording ? [] : null; // for the trace only
  for (let r = 0; r < 8; r++) {
    let w = v.irr[r];
    while (w !== 0) {
      const b = 31 - Math.clz32(w);
      w &= ~(1 << b);
      const vector = (r << 5) + b;
      any = true;
      moved?.push(vector);
      bitmapClear(v.irr, vector);
      bitmapSet(savic.irr, vector);
      if (bitmapTest(v.tmr, vector)) {
        bitmapSet(savic.tmr, vector);
        bitmapSet(v.isr, vector); // KVM's otherwise unused ISR becomes the shadow ISR
      } else {
        bitmapClear(savic.tmr, vector);
      }
    }
  }
  // Recording has not changed since `moved` was started (no event in between).
  if (any && traced(m) && moved)
    m.vcpuCause[v.index] = emit(m, v.index, 'savic_requested_irr', { vectors: moved.sort((a, b) => a - b) });
}

/**
 * KVM_REQ_APICV_UPDATE at an entry: this vCPU follows the VM's inhibits. The change happens
 * here, not when the inhibit is set, so until its next entry a vCPU keeps posting and
 * virtualizing EOIs (or not) as before. KVM: x86.c __kvm_vcpu_update_apicv() with
 * lapic.c kvm_apic_update_apicv().
 */
function kvmVcpuUpdateApicv(m: Ctx, v: VcpuState): void {
  const activate = kvmApicvActivated(m) && !v.savic;
  if (v.apicvActive === activate) return;
  v.apicvActive = activate;
  v.highestIsrCache = -1;
  // Interrupts accepted while APICv was active raised no KVM_REQ_EVENT: look at IRR now.
  if (!activate) v.requests |= REQ_EVENT;
  if (traced(m))
    emit(m, v.index, 'apicv_update', {
      active: activate,
      inhibits: inhibitNames(m.s.vm.apicvInhibits).join(', '),
    });
}

/**
 * Arms VMX's TPR threshold from the highest IRR class and TPR's class (the ISR is not consulted):
 * a later TPR write below it exits. Runs where update_cr8_intercept() does: entries that process
 * KVM_REQ_EVENT, without APICv. KVM: x86.c update_cr8_intercept() → vmx_update_cr8_intercept().
 */
function updateCr8Intercept(m: Ctx, v: VcpuState): void {
  if (v.apicvActive || v.savic) return;
  const irr = bitmapHighest(v.irr);
  const irrClass = irr === -1 ? -1 : irr >> 4;
  const tprClass = v.tpr >> 4;
  const threshold = irrClass === -1 || tprClass < irrClass ? 0 : irrClass;
  if (threshold === v.tprThreshold) return;
  v.tprThreshold = threshold;
  if (traced(m)) emitTprThreshold(m, v, threshold, tprClass, irrClass);
}

function emitTprThreshold(m: Ctx, v: VcpuState, threshold: number, tprClass: number, irrClass: number): void {
  emit(m, v.index, 'tpr_threshold', { threshold, tprClass, irrClass });
}

/** KVM: x86.c vcpu_enter_guest(): requests in the order of R7.4, then the entry. */
export function vcpuEnterGuest(m: Ctx, v: VcpuState): void {
  const outer = m.cause;
  while (v.requests !== 0) {
    if (v.requests & REQ_IOAPIC_EOI_EXIT) {
      v.requests &= ~REQ_IOAPIC_EOI_EXIT;
      const exited = ioapicEoiExit(m, v);
      m.cause = outer;
      if (exited) continue; // QEMU handled the exit; KVM_RUN again
    }
    // Rare requests apart, so that the loop stays small enough for the JIT to inline its calls.
    if (v.requests & (REQ_SCAN_IOAPIC | REQ_LOAD_EOI_EXITMAP | REQ_APICV_UPDATE)) scanRequests(m, v, outer);
    if (v.requests & REQ_EVENT) {
      v.requests &= ~REQ_EVENT;
      if (m.recording) causedByRequest(m, v, REQ_EVENT);
      kvmCheckAndInjectEvents(m, v);
      // kvm_lapic_enabled(): only a software-enabled APIC gets these.
      if (apicSwEnabled(v)) {
        updateCr8Intercept(m, v);
        kvmLapicSyncToVapic(m, v); // PV EOI is armed only at entries that process KVM_REQ_EVENT
      }
      m.cause = outer;
    }
  }
  if (v.savic) savicSetRequestedIrr(m, v);
  v.inGuest = true;
  if (traced(m)) emit(m, v.index, 'kvm_entry', {});
  // No touch: settle, the only caller, runs the vCPU's hardware delivery right after the entry.
}

/** KVM_REQ_IOAPIC_EOI_EXIT at an entry: true if it exited to QEMU (the vector is still handled). */
function ioapicEoiExit(m: Ctx, v: VcpuState): boolean {
  if (m.recording) causedByRequest(m, v, REQ_IOAPIC_EOI_EXIT);
  const vector = v.pendingIoapicEoi;
  if (bitmapTest(v.ioapicHandledVectors, vector)) {
    kvmUserspaceIoapicEoi(m, v, vector);
    return true;
  }
  if (traced(m)) emit(m, v.index, 'ioapic_eoi_exit_dropped', { vector });
  return false;
}

/** KVM_REQ_SCAN_IOAPIC, KVM_REQ_LOAD_EOI_EXITMAP and KVM_REQ_APICV_UPDATE at an entry, in that order. */
function scanRequests(m: Ctx, v: VcpuState, outer: number): void {
  if (v.requests & REQ_SCAN_IOAPIC) {
    v.requests &= ~REQ_SCAN_IOAPIC;
    if (m.recording) causedByRequest(m, v, REQ_SCAN_IOAPIC);
    vcpuScanIoapic(m, v);
    m.cause = outer;
  }
  if (v.requests & REQ_LOAD_EOI_EXITMAP) {
    v.requests &= ~REQ_LOAD_EOI_EXITMAP;
    // KVM: x86.c vcpu_load_eoi_exitmap() (R7.2): the bitmap APICv consults on EOI. VMX writes
    // it only while this vCPU's APICv is active (vmx_load_eoi_exitmap()); without APICv at all
    // the bitmap is kept for display, unused. [unverified: no reload was found on the way back
    // to active APICv (__kvm_vcpu_update_apicv), so a route change made while inhibited is
    // missing from the bitmap until the next scan; this follows the code as read]
    if (v.apicvActive || !m.s.config.apicv) bitmapCopy(v.eoiExitBitmap, v.ioapicHandledVectors);
  }
  if (v.requests & REQ_APICV_UPDATE) {
    v.requests &= ~REQ_APICV_UPDATE;
    kvmVcpuUpdateApicv(m, v);
  }
}

/** KVM_EXIT_IOAPIC_EOI to QEMU, which runs ioapic_eoi_broadcast() (R7.4, R6). */
function kvmUserspaceIoapicEoi(m: Ctx, v: VcpuState, vector: number): void {
  countCpuVector(m, CTR['ioapic-eoi-exits'], v.index, vector);
  countCpuVector(m, CTR['eoi-broadcasts'], v.index, vector);
  const needless = !levelPinAwaitingEoi(m, vector);
  if (needless) countCpuVector(m, CTR['needless-eoi-exits'], v.index, vector);
  const prev = traced(m) ? emitUserspaceExit(m, v, vector, needless) : m.cause;
  qemuIoapicEoiBroadcast(m, vector);
  m.cause = prev;
}

function emitUserspaceExit(m: Ctx, v: VcpuState, vector: number, needless: boolean): number {
  return causedBy(m, emit(m, v.index, 'kvm_userspace_exit', { vector, needless }));
}

/**
 * What the (virtual) APIC delivers by itself to a vCPU running guest code with IF set: Secure
 * AVIC's guest APIC (R10) or APICv's virtual interrupt delivery (R11.1).
 */
function hardwareDeliver(m: Ctx, v: VcpuState): void {
  if (v.savic) {
    const vector = guestHasInterrupt(v);
    if (vector === -1) return;
    bitmapClear(v.savic.irr, vector);
    bitmapSet(v.savic.isr, vector);
    guestTakeInterrupt(m, v, vector, bitmapTest(v.savic.tmr, vector));
    if (traced(m)) m.guestCause[v.index] = emit(m, v.index, 'savic_deliver', { vector });
    return;
  }
  const vector = kvmApicHasInterrupt(v);
  if (vector === -1) return;
  kvmApicAckInterrupt(v, vector, true);
  guestTakeInterrupt(m, v, vector, bitmapTest(v.tmr, vector));
  if (traced(m)) m.guestCause[v.index] = emit(m, v.index, 'apicv_deliver', { vector });
}

/**
 * Runs the machine to quiescence: vCPUs in index order enter, take kicks, and take what
 * their hardware delivers, pass after pass until nothing is left (contract §4, Steps).
 */
export function settle(m: Ctx): void {
  // Most calls find nothing to do: this much is inlined at every call.
  if (m.attnCount > 0) settlePasses(m);
}

function settlePasses(m: Ctx): void {
  const cpus = m.s.cpus;
  // Pass after pass in index order: a vCPU touched above the one being handled is handled later
  // in the same pass, one touched at or below it in the next pass.
  let from = 0;
  while (m.attnCount > 0) {
    const i = nextSetBit(m.attn, from);
    if (i < 0) {
      from = 0;
      continue;
    }
    m.attn[i >>> 5] &= ~(1 << (i & 31));
    m.attnCount--;
    from = i + 1;
    const v = cpus[i];
    // The vCPU's work descends from what gave it that work (an exit, a request, an accepted IRQ).
    const outer = m.cause;
    if (m.recording) causedBy(m, m.vcpuCause[i]);
    if (!v.inGuest) {
      vcpuEnterGuest(m, v);
    } else if (v.kickPending) {
      vmExit(m, v, 'EXTERNAL_INTERRUPT', 'kick');
      vcpuEnterGuest(m, v);
    }
    if (v.inGuest && v.rflagsIf && (v.apicvActive || v.savic)) hardwareDeliver(m, v);
    m.cause = outer;
  }
}

/**
 * The deliverable interrupt in KVM's IRR that no hardware delivers, so that an exit is needed to
 * inject it; -1 when there is none.
 */
export function windowExitVector(v: VcpuState): number {
  return v.apicvActive || v.savic ? -1 : kvmApicHasInterrupt(v);
}

/** Secure AVIC EOI exit: EOI the highest shadow-ISR vector (KVM RFC savic_handle_msr_exit(), R10.4). */
export function savicHandleEoiExit(m: Ctx, v: VcpuState): void {
  const vector = bitmapHighest(v.isr);
  countCpuVector(m, CTR['eoi-exits'], v.index, vector);
  if (vector === -1) {
    countCpu(m, CTR['empty-eois'], v.index);
    if (traced(m)) emit(m, v.index, 'savic_eoi_empty', {});
    return;
  }
  bitmapClear(v.isr, vector);
  kvmApicSetEoiAccelerated(m, v, vector, true);
}
