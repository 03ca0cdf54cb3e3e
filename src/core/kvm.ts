/**
 * KVM's machinery between the LAPICs and the IOAPIC: handled vectors and scans, the stale-EOI
 * rescan, EOI forwarding and KVM_EXIT_IOAPIC_EOI, VM exits and entries with their request
 * processing, PV EOI, Secure AVIC's shadow ISR, APICv's EOI-exit bitmap (R3.9, R7–R10).
 */
import {
  bitmapClear,
  bitmapCopy,
  bitmapHighest,
  bitmapSet,
  bitmapTest,
  bitmapVectors,
  bitmapZero,
  formatVectorSet,
} from './bitmap.ts';
import type { Ctx } from './ctx.ts';
import { apicid, apicvActive, count, emit, HostCrash, touch } from './ctx.ts';
import { kvmApicMatchDest } from './delivery.ts';
import { hex } from './hex.ts';
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
  countInjection,
  guestHasInterrupt,
  irrPending,
  kvmApicAckInterrupt,
  kvmApicHasInterrupt,
  kvmLapicSuppressEoiBroadcast,
  kvmMakeRequest,
  ppr,
} from './lapic.ts';
import type { VcpuState } from './state.ts';
import { REQ_EVENT, REQ_IOAPIC_EOI_EXIT, REQ_LOAD_EOI_EXITMAP, REQ_SCAN_IOAPIC } from './state.ts';

// ---------------------------------------------------------------------------------------------
// Scans (R7.5, R7.6, R5.7)

/** KVM: irq.c kvm_scan_ioapic_irq() (R7.5). */
function kvmScanIoapicIrq(m: Ctx, v: VcpuState, dest: number, destMode: 0 | 1, vector: number): void {
  if (kvmApicMatchDest(v, null, 0, dest, destMode)) {
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
  const before = m.tracing ? v.ioapicHandledVectors.slice() : null;
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
  count(m, 'scans', v.index);
  if (m.tracing && before) {
    const now = bitmapVectors(v.ioapicHandledVectors);
    const changed = now.join() !== bitmapVectors(before).join();
    emit(
      m,
      v.index,
      'scan_ioapic',
      `vcpu ${v.index} handled ${formatVectorSet(now)} stale ${v.highestStalePendingIoapicEoi}`,
      `R7.6: ioapic_handled_vectors rebuilt from the ${isSplit(m) ? 'level MSI routes (R7.5)' : 'level RTEs and GSI 8 (R5.7)'}${changed ? ' (changed)' : ' (unchanged)'}${v.highestStalePendingIoapicEoi >= 0 ? `; ${hex(v.highestStalePendingIoapicEoi)} is stale: still pending here but no longer routed here, its EOI will trigger a rescan` : ''}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// EOI (R3.8, R3.9, R7.3)

/** KVM: lapic.c kvm_ioapic_send_eoi() (R7.3). */
export function kvmIoapicSendEoi(m: Ctx, v: VcpuState, vector: number): void {
  if (!bitmapTest(v.ioapicHandledVectors, vector)) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'eoi_not_forwarded',
        `vec ${vector}`,
        `R7.3 step 1: ${hex(vector)} is not in ioapic_handled_vectors: no IOAPIC work`,
        { vector },
      );
    return;
  }
  if (v.highestStalePendingIoapicEoi === vector) {
    kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, false);
    if (m.tracing)
      emit(
        m,
        v.index,
        'stale_eoi_rescan',
        `vec ${vector}`,
        `R7.3 step 2: EOI of the stale vector ${hex(vector)}: KVM_REQ_SCAN_IOAPIC so this vCPU stops intercepting it`,
        { vector },
      );
  }
  const suppressed = kvmLapicSuppressEoiBroadcast(m, v);
  if (isSplit(m)) {
    if (suppressed) {
      if (m.tracing)
        emit(
          m,
          v.index,
          'seoib_suppressed',
          `vec ${vector}`,
          `R7.3 step 3 / R8.3: SPIV[12] set and SEOIB enabled: no KVM_EXIT_IOAPIC_EOI; the guest must write the IOAPIC EOI register`,
          { vector },
        );
      return;
    }
    v.pendingIoapicEoi = vector;
    kvmMakeRequest(m, v, REQ_IOAPIC_EOI_EXIT, false);
    if (m.tracing)
      emit(
        m,
        v.index,
        'kvm_make_request',
        `vcpu ${v.index} KVM_REQ_IOAPIC_EOI_EXIT vec ${vector}`,
        `R7.3 step 3: split irqchip: the EOI goes to QEMU's IOAPIC as KVM_EXIT_IOAPIC_EOI at the next entry${(v.spiv & 0x1000) !== 0 ? ` (SPIV[12] is set but SEOIB is ${m.s.vm.seoib}: broadcast anyway)` : ''}`,
        { vector },
      );
    return;
  }
  const trigger = bitmapTest(v.tmr, vector) ? 1 : 0;
  if (!suppressed) {
    count(m, 'eoi-broadcasts', v.index, vector);
    if (!levelPinAwaitingEoi(m, vector)) count(m, 'needless-eoi-exits', v.index, vector);
  }
  kvmIoapicUpdateEoi(m, v, vector, trigger);
}

/** KVM: lapic.c apic_set_eoi() (R3.8): EOI of the highest in-service vector. */
export function apicSetEoi(m: Ctx, v: VcpuState): number {
  const vector = apicClearHighestIsr(m, v);
  if (vector === -1) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'kvm_eoi_empty',
        `apicid ${apicid(v).toString(16)}`,
        'R3.8: ISR is empty: the EOI changes nothing',
      );
    return -1;
  }
  if (m.tracing)
    emit(
      m,
      v.index,
      'kvm_eoi',
      `apicid ${apicid(v).toString(16)} vector ${vector}`,
      `R3.8: EOI clears the highest in-service vector ${hex(vector)} (the value written is ignored); PPR recomputed`,
      { vector },
    );
  kvmIoapicSendEoi(m, v, vector);
  kvmMakeRequest(m, v, REQ_EVENT, false);
  return vector;
}

/** KVM: lapic.c kvm_apic_set_eoi_accelerated() (R3.9): the ISR was already cleared. */
export function kvmApicSetEoiAccelerated(m: Ctx, v: VcpuState, vector: number): void {
  if (m.tracing)
    emit(
      m,
      v.index,
      'kvm_eoi',
      `apicid ${apicid(v).toString(16)} vector ${vector}`,
      'R3.9: EOI-induced exit: the ISR bit is already clear, KVM only forwards the EOI',
      { vector },
    );
  kvmIoapicSendEoi(m, v, vector);
  kvmMakeRequest(m, v, REQ_EVENT, false);
}

// ---------------------------------------------------------------------------------------------
// PV EOI (R9)

/** KVM: lapic.c apic_sync_pv_eoi_from_guest() via kvm_lapic_sync_from_vapic() (R9.4, R9.5). */
function kvmLapicSyncFromVapic(m: Ctx, v: VcpuState): void {
  if (!v.pvEoiPending) return;
  if (!v.pvEoiEnabled) {
    if (m.s.config.kvm.pvEoiDisableFix) {
      v.pvEoiPending = false;
      // [unverified: the fix's body was not available] Dropped, not applied: ISR stays, byte untouched.
      if (m.tracing)
        emit(
          m,
          v.index,
          'pv_eoi_dropped',
          `apicid ${apicid(v).toString(16)}`,
          'R9.5 (fix on): PV EOI was disabled while one was pending: KVM ignores it; not applied, the ISR bit stays [unverified]',
        );
      return;
    }
    count(m, 'host-crashes');
    m.s.vm.crashed = true;
    if (m.tracing)
      emit(
        m,
        v.index,
        'host_bug_on',
        'kernel BUG at arch/x86/kvm/lapic.c: BUG_ON(!pv_eoi_enabled(vcpu))',
        'R9.5 (fix off): PENDING set but PV EOI disabled: the host assertion fires; the VM stops',
      );
    throw new HostCrash(v.index);
  }
  const old = v.pvEoiByte;
  v.pvEoiByte = 0;
  v.pvEoiPending = false;
  if (old === 1) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'pv_eoi_sync',
        `apicid ${apicid(v).toString(16)} not consumed`,
        "R9.4: the guest has not EOI'd yet: KVM clears its byte and PENDING; it may re-arm at an entry that processes KVM_REQ_EVENT",
      );
    return;
  }
  const vector = apicSetEoi(m, v);
  count(m, 'pv-eoi-applied', v.index);
  if (m.tracing)
    emit(
      m,
      v.index,
      'kvm_pv_eoi',
      `apicid ${apicid(v).toString(16)} vector ${vector}`,
      'R9.4: the guest consumed the PV EOI flag: KVM performs its EOI lazily, at this exit',
      { vector },
    );
}

/** KVM: lapic.c apic_sync_pv_eoi_to_guest() via kvm_lapic_sync_to_vapic() (R9.3). */
function kvmLapicSyncToVapic(m: Ctx, v: VcpuState): void {
  if (!v.pvEoiEnabled) return;
  let reason = '';
  if (irrPending(v)) reason = 'another interrupt is pending in IRR';
  else if (v.highestIsrCache === -1) reason = 'highest_isr_cache is -1';
  else if (bitmapTest(v.ioapicHandledVectors, v.highestIsrCache))
    reason = `${hex(v.highestIsrCache)} is in ioapic_handled_vectors (the IOAPIC needs the EOI)`;
  if (reason) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'pv_eoi_not_armed',
        `apicid ${apicid(v).toString(16)}`,
        `R9.3: PV EOI not armed: ${reason}`,
      );
    return;
  }
  v.pvEoiByte = 1;
  v.pvEoiPending = true;
  if (m.tracing)
    emit(
      m,
      v.index,
      'pv_eoi_arm',
      `apicid ${apicid(v).toString(16)} vector ${v.highestIsrCache}`,
      `R9.3: PV EOI armed for ${hex(v.highestIsrCache)}: guest byte := 1, KVM_APIC_PV_EOI_PENDING set; the guest may skip its EOI write`,
      { vector: v.highestIsrCache },
    );
}

// ---------------------------------------------------------------------------------------------
// Exits, entries and injection

/**
 * A VM exit on this vCPU: counted, then the PV EOI sync runs before the handler (R9.4).
 * Throws HostCrash when the sync trips the pre-fix assertion (R9.5).
 */
export function vmExit(m: Ctx, v: VcpuState, reason: string, why: string | (() => string)): void {
  v.inGuest = false;
  v.kickPending = false;
  count(m, 'exits', v.index);
  if (m.tracing)
    emit(m, v.index, 'kvm_exit', `vcpu ${v.index} reason ${reason}`, typeof why === 'string' ? why : why());
  touch(m, v);
  kvmLapicSyncFromVapic(m, v);
}

/** The guest takes vector V: a handler frame remembers IF and clears it, as an interrupt gate does. */
export function guestTakeInterrupt(m: Ctx, v: VcpuState, vector: number, level: boolean): void {
  v.frames.push({ vector, savedIf: v.rflagsIf, levelAtTake: level, script: null, pc: 0 });
  v.rflagsIf = false;
  countInjection(m, v, vector);
}

/** KVM: x86.c kvm_check_and_inject_events(), interrupt part (R3.5, R3.6). */
function kvmCheckAndInjectEvents(m: Ctx, v: VcpuState): void {
  if (apicvActive(m) || v.savic) return; // delivered by hardware (R11.1) / the guest's own APIC (R10)
  const vector = kvmApicHasInterrupt(v);
  if (vector === -1) return;
  if (!v.rflagsIf) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'irq_window_request',
        `vec ${vector}`,
        `R3.5: ${hex(vector)} is deliverable but IF = 0: KVM enables interrupt-window exiting`,
        { vector },
      );
    return;
  }
  const level = bitmapTest(v.tmr, vector);
  const pprBefore = ppr(v);
  kvmApicAckInterrupt(v, vector, false);
  guestTakeInterrupt(m, v, vector, level);
  if (m.tracing)
    emit(
      m,
      v.index,
      'kvm_inj_virq',
      `IRQ 0x${vector.toString(16)}`,
      `R3.3 / R3.6: class ${vector >> 4} > PPR class ${pprBefore >> 4} and IF = 1: injected (IRR→ISR, PPR now ${hex(ppr(v))}); the handler starts with IF = 0`,
      { vector },
    );
}

/** KVM: svm/sev.c sev_savic_set_requested_irr() [proposal] (R10.2). */
function savicSetRequestedIrr(m: Ctx, v: VcpuState): void {
  const savic = v.savic!;
  const moved: number[] = [];
  for (let r = 0; r < 8; r++) {
    let w = v.irr[r];
    while (w !== 0) {
      const b = 31 - Math.clz32(w);
      w &= ~(1 << b);
      const vector = (r << 5) + b;
      moved.push(vector);
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
  if (moved.length && m.tracing)
    emit(
      m,
      v.index,
      'savic_requested_irr',
      `vcpu ${v.index} vectors ${formatVectorSet(moved.sort((a, b) => a - b))}`,
      "R10.2: before VMRUN KVM moves its IRR into the guest's RequestedIRR; level vectors (KVM TMR set) go into KVM's shadow ISR",
    );
}

/** KVM: x86.c vcpu_enter_guest(): requests in the order of R7.4, then the entry. */
export function vcpuEnterGuest(m: Ctx, v: VcpuState): void {
  for (;;) {
    if (v.requests & REQ_IOAPIC_EOI_EXIT) {
      v.requests &= ~REQ_IOAPIC_EOI_EXIT;
      const vector = v.pendingIoapicEoi;
      if (bitmapTest(v.ioapicHandledVectors, vector)) {
        kvmUserspaceIoapicEoi(m, v, vector);
        continue; // QEMU handled the exit; KVM_RUN again
      }
      if (m.tracing)
        emit(
          m,
          v.index,
          'ioapic_eoi_exit_dropped',
          `vec ${vector}`,
          `R7.4: ${hex(vector)} left ioapic_handled_vectors before the entry: no userspace exit`,
          { vector },
        );
    }
    if (v.requests & REQ_SCAN_IOAPIC) {
      v.requests &= ~REQ_SCAN_IOAPIC;
      vcpuScanIoapic(m, v);
    }
    if (v.requests & REQ_LOAD_EOI_EXITMAP) {
      v.requests &= ~REQ_LOAD_EOI_EXITMAP;
      // KVM: x86.c vcpu_load_eoi_exitmap() (R7.2): the bitmap APICv consults on EOI.
      bitmapCopy(v.eoiExitBitmap, v.ioapicHandledVectors);
    }
    if (v.requests & REQ_EVENT) {
      v.requests &= ~REQ_EVENT;
      kvmCheckAndInjectEvents(m, v);
      kvmLapicSyncToVapic(m, v); // PV EOI is armed only at entries that process KVM_REQ_EVENT
    }
    if (v.requests) continue;
    break;
  }
  if (v.savic) savicSetRequestedIrr(m, v);
  v.inGuest = true;
  touch(m, v);
}

/** KVM_EXIT_IOAPIC_EOI to QEMU, which runs ioapic_eoi_broadcast() (R7.4, R6). */
function kvmUserspaceIoapicEoi(m: Ctx, v: VcpuState, vector: number): void {
  count(m, 'ioapic-eoi-exits', v.index, vector);
  count(m, 'eoi-broadcasts', v.index, vector);
  const needless = !levelPinAwaitingEoi(m, vector);
  if (needless) count(m, 'needless-eoi-exits', v.index, vector);
  if (m.tracing)
    emit(
      m,
      v.index,
      'kvm_userspace_exit',
      'reason KVM_EXIT_IOAPIC_EOI (26)',
      `R7.4: ${hex(vector)} is still in ioapic_handled_vectors: exit to QEMU with run->eoi.vector = ${vector}${needless ? ' (needless: no level pin with this vector has remote IRR set)' : ''}`,
      { vector },
    );
  qemuIoapicEoiBroadcast(m, vector);
}

/**
 * What the (virtual) APIC delivers by itself to a vCPU running guest code: APICv's virtual
 * interrupt delivery (R11.1) or Secure AVIC's guest APIC (R10). Returns true if it delivered.
 */
function hardwareDeliver(m: Ctx, v: VcpuState): boolean {
  if (!v.rflagsIf) return false;
  if (v.savic) {
    const vector = guestHasInterrupt(v);
    if (vector === -1) return false;
    bitmapClear(v.savic.irr, vector);
    bitmapSet(v.savic.isr, vector);
    guestTakeInterrupt(m, v, vector, bitmapTest(v.savic.tmr, vector));
    if (m.tracing)
      emit(
        m,
        v.index,
        'savic_deliver',
        `vec ${vector}`,
        `R10.1: the guest's own APIC delivers ${hex(vector)} (guest IRR→ISR); KVM does not see it`,
        { vector },
      );
    return true;
  }
  if (!apicvActive(m)) return false;
  const vector = kvmApicHasInterrupt(v);
  if (vector === -1) return false;
  kvmApicAckInterrupt(v, vector, true);
  guestTakeInterrupt(m, v, vector, bitmapTest(v.tmr, vector));
  if (m.tracing)
    emit(
      m,
      v.index,
      'apicv_deliver',
      `vec ${vector}`,
      `R11.1: virtual-interrupt delivery: RVI ${hex(vector)} beats VPPR, the CPU takes it without a VM exit`,
      { vector },
    );
  return true;
}

/**
 * Runs the machine to quiescence: vCPUs in index order enter, take kicks, and take what
 * their hardware delivers, pass after pass until nothing is left (contract §4, Steps).
 */
export function settle(m: Ctx): void {
  const cpus = m.s.cpus;
  const attn = m.attn;
  let busy = true;
  while (busy) {
    busy = false;
    for (let i = 0; i < cpus.length; i++) {
      if (!attn[i]) continue;
      attn[i] = 0;
      busy = true;
      const v = cpus[i];
      if (!v.inGuest) {
        vcpuEnterGuest(m, v);
      } else if (v.kickPending) {
        vmExit(
          m,
          v,
          'EXTERNAL_INTERRUPT',
          'a request kicked the running vCPU out of the guest (kvm_vcpu_kick)',
        );
        vcpuEnterGuest(m, v);
      }
      if (v.inGuest) hardwareDeliver(m, v);
    }
  }
}

/** vCPU has a deliverable interrupt in KVM's IRR and no hardware delivers it: an exit is needed. */
export function needsWindowExit(m: Ctx, v: VcpuState): boolean {
  return !apicvActive(m) && !v.savic && kvmApicHasInterrupt(v) !== -1;
}

/** Secure AVIC EOI exit: EOI the highest shadow-ISR vector (KVM RFC savic_handle_msr_exit(), R10.4). */
export function savicHandleEoiExit(m: Ctx, v: VcpuState): void {
  const vector = bitmapHighest(v.isr);
  count(m, 'eoi-exits', v.index, vector);
  if (vector === -1) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'savic_eoi_empty',
        `vcpu ${v.index}`,
        'R10.4 b: the shadow ISR is empty: nothing to EOI (the RFC has no guard; modelled as a no-op)',
      );
    return;
  }
  bitmapClear(v.isr, vector);
  kvmApicSetEoiAccelerated(m, v, vector);
}
