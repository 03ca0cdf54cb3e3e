/**
 * KVM's in-kernel IOAPIC (`irqchip kernel`, R5), as arch/x86/kvm/ioapic.c has it:
 * ioapic_set_irq(), ioapic_service() with the RTC's EOI tracking, kvm_ioapic_update_eoi(),
 * the storm limit's delayed work, ioapic_write_indirect() and its scan requests,
 * kvm_ioapic_scan_entry(), and kvm_set_ioapic() (KVM_SET_IRQCHIP). What it shares with QEMU's
 * IOAPIC is in ioapic-common.ts; how devices and the guest reach it, in irqchip.ts.
 */
import type { RteFields } from './actions.ts';
import { bitmapSet } from './bitmap.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, emit, lastEvent, traced } from './ctx.ts';
import type { LapicIrq } from './delivery.ts';
import { kvmApicMatchDest, kvmBitmapOrDestVcpus, kvmIrqDeliveryToApic, scratchIrq } from './delivery.ts';
import { emitService, lowestPin, RTC_GSI, reinjectOrDefer, replaceRte, rteDesc } from './ioapic-common.ts';
import { kvmScanIoapicIrq } from './irq.ts';
import {
  kvmApicPendingEoi,
  kvmApicvActivated,
  kvmLapicSuppressEoiBroadcast,
  kvmMakeRequest,
} from './lapic.ts';
import type { Rte, VcpuState } from './state.ts';
import { REQ_SCAN_IOAPIC } from './state.ts';

const bit = (pin: number) => 1 << pin;

/** KVM: ioapic.c ioapic_service() (R5.4). Returns the delivery result, or -1 if nothing was sent. */
function kvmIoapicService(ctx: Ctx, pin: number, lineStatus: boolean): number {
  const io = ctx.state.ioapic;
  const e = io.rte[pin];
  if (e.mask || (e.trigger === 1 && e.remoteIrr)) return -1;
  if (e.trigger === 0) {
    io.irrDelivered |= bit(pin);
    io.edgeUndelivered &= ~bit(pin);
  }
  io.deliveries[pin]++;
  const prev = traced(ctx) ? emitService(ctx, e, pin, false) : ctx.cause;
  const irq = scratchIrq(ctx, e.vector, e.deliveryMode, e.destMode, e.trigger, e.dest);
  const rtcTracking = pin === RTC_GSI && lineStatus && io.rtcPendingEoi === 0 && !ctx.state.config.secureAvic;
  const ret = rtcTracking ? rtcDelivery(ctx, irq) : kvmIrqDeliveryToApic(ctx, null, irq);
  if (ret !== 0 && e.trigger === 1) e.remoteIrr = 1;
  if (traced(ctx)) emitDelivered(ctx, pin, e, ret, rtcTracking);
  ctx.cause = prev;
  return ret;
}

/** The RTC with line status: the destination map and pending_eoi record who must EOI it (R5.4). */
function rtcDelivery(ctx: Ctx, irq: LapicIrq): number {
  const io = ctx.state.ioapic;
  io.rtcDestMap.clear();
  const ret = kvmIrqDeliveryToApic(ctx, null, irq, io.rtcDestMap);
  io.rtcPendingEoi = Math.max(ret, 0);
  return ret;
}

// emit… functions: each builds one event, apart from the hot function that emits it (ctx.ts emit).

function emitDelivered(ctx: Ctx, pin: number, e: Rte, ret: number, rtc: boolean): void {
  emit(ctx, -1, 'ioapic_delivered', {
    pin,
    vector: e.vector,
    accepted: ret,
    trigger: e.trigger,
    remoteIrr: e.remoteIrr,
    rtc,
    rtcPending: ctx.state.ioapic.rtcPendingEoi,
  });
}

/** KVM: ioapic.c ioapic_set_irq() (R5.3). */
export function kvmIoapicSetIrq(ctx: Ctx, pin: number, level: 0 | 1): void {
  const io = ctx.state.ioapic;
  const e = io.rte[pin];
  type Outcome = 'low' | 'rtc-coalesced' | 'edge-coalesced' | 'masked' | 'remote-irr' | 'serviced';
  let outcome: Outcome;
  if (level === 0) {
    io.irr &= ~bit(pin);
    outcome = 'low';
  } else {
    const edge = e.trigger === 0;
    if (edge && kvmApicvActivated(ctx) && pin === RTC_GSI) kvmIoapicLazyUpdateEoi(ctx);
    if (pin === RTC_GSI && io.rtcPendingEoi > 0 && !ctx.state.config.secureAvic) {
      outcome = 'rtc-coalesced';
    } else {
      const old = io.irr;
      io.irr |= bit(pin);
      if (edge) io.irrDelivered &= ~bit(pin);
      if (edge && old === io.irr) outcome = 'edge-coalesced';
      else outcome = e.mask ? 'masked' : e.trigger === 1 && e.remoteIrr ? 'remote-irr' : 'serviced';
    }
  }
  const prev = traced(ctx)
    ? causedBy(
        ctx,
        emit(ctx, -1, 'kvm_ioapic_set_irq', {
          ...rteDesc(e),
          pin,
          level,
          outcome,
          rtcPending: io.rtcPendingEoi,
        }),
      )
    : ctx.cause;
  if (outcome === 'masked' || outcome === 'remote-irr' || outcome === 'serviced')
    kvmIoapicService(ctx, pin, true);
  ctx.cause = prev;
}

/** Settles RTC EOI tracking for vCPUs that no longer have the vector pending (KVM: ioapic_lazy_update_eoi()). */
function kvmIoapicLazyUpdateEoi(ctx: Ctx): void {
  const io = ctx.state.ioapic;
  for (const [cpu, vector] of [...io.rtcDestMap]) {
    const v = ctx.state.cpus[cpu];
    if (kvmApicPendingEoi(v, vector)) continue;
    io.rtcDestMap.delete(cpu);
    io.rtcPendingEoi = Math.max(io.rtcPendingEoi - 1, 0);
  }
}

/** KVM: ioapic.c kvm_ioapic_update_eoi() and kvm_ioapic_update_eoi_one() (R5.6). */
export function kvmIoapicUpdateEoi(ctx: Ctx, v: VcpuState, vector: number, trigger: 0 | 1): void {
  const io = ctx.state.ioapic;
  // Step 1: RTC dest_map bookkeeping.
  if (io.rtcDestMap.size !== 0) rtcEoi(ctx, v, vector);
  const suppressed = kvmLapicSuppressEoiBroadcast(ctx, v);
  // Every pin whose RTE has this vector, in pin order (an EOI never rewrites an RTE).
  for (let pins = ctx.vectorPins[vector]; pins !== 0; pins &= pins - 1) {
    const pin = lowestPin(pins);
    const e = io.rte[pin];
    // Step 2a: ack notifiers would run here; none are modelled (no PIT, no irqfd resampler).
    if (trigger !== 1 || suppressed) {
      if (traced(ctx)) emitEoiNotForPin(ctx, v, pin, vector, suppressed);
      continue;
    }
    // Step 2c/d/e.
    e.remoteIrr = 0;
    const prev = traced(ctx) ? emitRemoteIrrClear(ctx, pin, vector, v.index) : ctx.cause;
    if (!e.mask && io.irr & bit(pin)) {
      if (reinjectOrDefer(ctx, pin)) kvmIoapicService(ctx, pin, false);
    } else {
      io.irqEoi[pin] = 0;
    }
    ctx.cause = prev;
  }
}

function emitRemoteIrrClear(ctx: Ctx, pin: number, vector: number, from: number): number {
  return causedBy(ctx, emit(ctx, -1, 'remote_irr_clear', { pin, vector, from }));
}

/** KVM: ioapic.c rtc_irq_eoi(): the vCPU owed the RTC's EOI. */
function rtcEoi(ctx: Ctx, v: VcpuState, vector: number): void {
  const io = ctx.state.ioapic;
  if (io.rtcDestMap.get(v.index) !== vector) return;
  io.rtcDestMap.delete(v.index);
  io.rtcPendingEoi = Math.max(io.rtcPendingEoi - 1, 0);
}

/** An EOI that leaves the pin's remote IRR alone: suppressed by SEOIB, or of an edge vector. */
function emitEoiNotForPin(ctx: Ctx, v: VcpuState, pin: number, vector: number, suppressed: boolean): void {
  if (suppressed) emit(ctx, v.index, 'seoib_suppressed', { pin, vector, mode: ctx.state.vm.seoib });
  else emit(ctx, -1, 'ioapic_edge_eoi', { pin, vector, from: v.index });
}

/** KVM: ioapic.c kvm_ioapic_eoi_inject_work(). */
export function kvmIoapicEoiInjectWork(ctx: Ctx): void {
  const io = ctx.state.ioapic;
  for (let pin = 0; pin < io.rte.length; pin++) {
    const e = io.rte[pin];
    if (e.trigger !== 1) continue;
    if (io.irr & bit(pin) && !e.remoteIrr) kvmIoapicService(ctx, pin, false);
  }
}

/** KVM: ioapic.c ioapic_write_indirect(): one half of an RTE, or (`route`) the whole entry (R5.5). */
export function kvmIoapicWriteIndirect(ctx: Ctx, pin: number, fields: Partial<RteFields>): void {
  const io = ctx.state.ioapic;
  const old = io.rte[pin];
  const e = replaceRte(ctx, pin, fields, false);
  const prev = causedBy(ctx, lastEvent(ctx));
  // Step 5: a pending level interrupt is injected now (no irqfd resampler is modelled).
  if (e.trigger === 1 && io.irr & bit(pin) && !e.mask && !e.remoteIrr) kvmIoapicService(ctx, pin, false);
  // Step 6: who scans. Fixed: old and new destinations (old dest id with the new dest mode); else all.
  let targets: VcpuState[];
  if (e.deliveryMode === 0) {
    const set = new Set(kvmBitmapOrDestVcpus(ctx, e.dest, e.destMode));
    if (old.destMode !== e.destMode || old.dest !== e.dest)
      for (const v of kvmBitmapOrDestVcpus(ctx, old.dest, e.destMode)) set.add(v);
    targets = ctx.state.cpus.filter((v) => set.has(v));
  } else {
    targets = ctx.state.cpus;
  }
  if (traced(ctx))
    emit(ctx, -1, 'scan_ioapic_request', {
      pin,
      targets: targets.map((v) => v.index),
      fixed: e.deliveryMode === 0,
    });
  for (const v of targets) kvmMakeRequest(ctx, v, REQ_SCAN_IOAPIC, true);
  ctx.cause = prev;
}

/**
 * KVM: ioapic.c kvm_ioapic_scan_entry(), for x86.c vcpu_scan_ioapic(): the RTC vector this vCPU
 * owes an EOI, then level pins, pins with ack notifiers (none modelled) and GSI 8, masked or not
 * (R5.7).
 */
export function kvmIoapicScanEntry(ctx: Ctx, v: VcpuState): void {
  const io = ctx.state.ioapic;
  const rtcVector = io.rtcDestMap.get(v.index);
  if (rtcVector !== undefined) bitmapSet(v.ioapicHandledVectors, rtcVector);
  for (let pin = 0; pin < io.rte.length; pin++) {
    const e = io.rte[pin];
    if (e.trigger === 1 || pin === RTC_GSI) kvmScanIoapicIrq(ctx, v, e.dest, e.destMode, e.vector);
  }
}

/**
 * KVM_SET_IRQCHIP (loadvm) once the registers are copied (snapshot.ts restoreMachine copies the
 * RTEs first): irr and irr_delivered zeroed, then kvm_ioapic_inject_all(): RTC tracking reset,
 * the saved irr pins re-injected, RTC tracking rebuilt (R5.8). KVM: ioapic.c kvm_set_ioapic().
 */
export function kvmSetIoapic(ctx: Ctx, irr: number): void {
  const io = ctx.state.ioapic;
  io.irr = 0;
  io.irrDelivered = 0;
  io.rtcPendingEoi = 0;
  io.rtcDestMap.clear();
  for (let pin = 0; pin < io.rte.length; pin++) if (irr & (1 << pin)) kvmIoapicSetIrq(ctx, pin, 1);
  rtcTrackingRestoreAll(ctx);
}

/** KVM: ioapic.c kvm_rtc_eoi_tracking_restore_all(). */
function rtcTrackingRestoreAll(ctx: Ctx): void {
  const io = ctx.state.ioapic;
  if (ctx.state.config.secureAvic) return;
  io.rtcDestMap.clear();
  io.rtcPendingEoi = 0;
  const e = io.rte[RTC_GSI];
  for (const v of ctx.state.cpus) {
    if (!kvmApicMatchDest(ctx, v, null, 0, e.dest, e.destMode)) continue;
    if (!kvmApicPendingEoi(v, e.vector)) continue;
    io.rtcDestMap.set(v.index, e.vector);
    io.rtcPendingEoi++;
  }
}
