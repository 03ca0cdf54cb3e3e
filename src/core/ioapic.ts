/**
 * The IOAPIC in its two implementations: KVM's in-kernel one (`irqchip kernel`, R5) and QEMU's
 * userspace one (`irqchip split`, R6), which reaches KVM through GSI → MSI routes.
 */
import type { RteFields } from './actions.ts';
import { ioapicVersionOf, NUM_PINS } from './config.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, countCpuVector, countPin, emit, kvmApicvActivated, lastEvent, traced } from './ctx.ts';
import type { LapicIrq } from './delivery.ts';
import { kvmBitmapOrDestVcpus, kvmIrqDeliveryToApic, scratchIrq } from './delivery.ts';
import { kvmLapicSuppressEoiBroadcast, kvmMakeRequest } from './lapic.ts';
import type { MsiRoute, Rte, VcpuState } from './state.ts';
import { newRte, REQ_SCAN_IOAPIC } from './state.ts';

export const RTC_GSI = 8;
/** Where both IOAPICs sit in guest physical memory (R5.2). */
export const IOAPIC_BASE = 0xfec00000;
/** KVM: HZ/100; QEMU: NANOSECONDS_PER_SECOND/100 of QEMU_CLOCK_VIRTUAL. */
export const STORM_DEFER_NS = 10_000_000;

const bit = (pin: number) => 1 << pin;

export function isSplit(m: Ctx): boolean {
  return m.split;
}

// emit… functions: each builds one event, apart from the hot function that emits it (ctx.ts emit).

/** `ioapic_service`, its fields written out (a spread of rteDesc is slow, and storms service a lot). */
function emitService(m: Ctx, e: Rte, pin: number, qemu: boolean): number {
  return causedBy(
    m,
    emit(m, -1, 'ioapic_service', {
      dest: e.dest,
      vector: e.vector,
      deliveryMode: e.deliveryMode,
      destMode: e.destMode,
      trigger: e.trigger,
      mask: e.mask,
      pin,
      qemu,
    }),
  );
}

/** The RTE fields the catalogue's IOAPIC events print. */
function rteDesc(e: Rte) {
  return {
    dest: e.dest,
    vector: e.vector,
    deliveryMode: e.deliveryMode,
    destMode: e.destMode,
    trigger: e.trigger,
    mask: e.mask,
  };
}

/**
 * Rebuilds the pins-per-vector index (Ctx.vectorPins) from the RTEs, after they were replaced
 * wholesale (boot, loadvm); replaceRte keeps it up to date for single writes.
 */
export function ioapicIndexVectors(m: Ctx): void {
  const { rte } = m.s.ioapic;
  m.vectorPins.fill(0);
  for (let pin = 0; pin < rte.length; pin++) m.vectorPins[rte[pin].vector] |= bit(pin);
}

/** The lowest pin in a pin mask (callers walk a mask from pin 0 up, as the IOAPIC loops do). */
export function lowestPin(pins: number): number {
  return 31 - Math.clz32(pins & -pins);
}

/** Any level pin with this RTE vector whose remote IRR is set (what an EOI broadcast can clear). */
export function levelPinAwaitingEoi(m: Ctx, vector: number): boolean {
  const { rte } = m.s.ioapic;
  for (let pins = m.vectorPins[vector]; pins !== 0; pins &= pins - 1) {
    const e = rte[lowestPin(pins)];
    if (e.trigger === 1 && e.remoteIrr === 1) return true;
  }
  return false;
}

/** The device drives its line; routes to the configured IOAPIC. */
export function ioapicSetLine(m: Ctx, pin: number, level: 0 | 1): void {
  const io = m.s.ioapic;
  const rise = level === 1 && (io.line & bit(pin)) === 0;
  if (!level) io.edgeUndelivered &= ~bit(pin);
  else if (rise && io.rte[pin].trigger === 0) io.edgeUndelivered |= bit(pin);
  io.line = level ? io.line | bit(pin) : io.line & ~bit(pin);
  if (isSplit(m)) {
    qemuIoapicSetIrq(m, pin, level);
    return;
  }
  // KVM_IRQ_LINE → kvm_set_irq(), traced before the IOAPIC sees the level (virt/kvm/irqchip.c).
  const prev = traced(m)
    ? causedBy(m, emit(m, -1, 'kvm_set_irq', { pin, level, routed: true, kernel: true }))
    : m.cause;
  kvmIoapicSetIrq(m, pin, level);
  m.cause = prev;
}

/** The guest rewrites redirection entry PIN in one 64-bit update. */
export function ioapicWriteRte(m: Ctx, pin: number, fields: Partial<RteFields>): void {
  if (isSplit(m)) qemuIoapicRteWrite(m, pin, fields);
  else kvmIoapicWriteIndirect(m, pin, fields);
}

/** The low dword of an RTE as a guest writes it (remote IRR and delivery status read as 0, R5.1). */
export function rteLowDword(e: RteFields): number {
  return (
    (e.vector |
      (e.deliveryMode << 8) |
      (e.destMode << 11) |
      (e.polarity << 13) |
      (e.trigger << 15) |
      (e.mask << 16)) >>>
    0
  );
}

/** A guest MMIO write of IOREGSEL (offset 0x00): both IOAPICs keep data & 0xff (R5.2, R6). */
export function ioapicWriteIoregsel(m: Ctx, v: VcpuState, value: number): void {
  m.s.ioapic.ioregsel = value & 0xff;
  if (m.tracing) mmioTrace(m, v, 0x00, value);
}

/**
 * A guest MMIO write of IOWIN (offset 0x10): the 32-bit half of the RTE that IOREGSEL selects,
 * written on its own. KVM: ioapic.c ioapic_write_indirect() (R5.5); QEMU: ioapic_mem_write()
 * (R6), which refreshes the routes and services every pin after each half.
 */
export function ioapicWriteIowin(m: Ctx, v: VcpuState, value: number): void {
  const sel = m.s.ioapic.ioregsel;
  if (m.tracing) mmioTrace(m, v, 0x10, value);
  const pin = (sel - 0x10) >> 1;
  if (sel < 0x10 || pin >= NUM_PINS) return; // ID, version, arbitration: not modelled
  const fields: Partial<RteFields> =
    sel & 1
      ? { dest: value >>> 24 }
      : {
          vector: value & 0xff,
          deliveryMode: ((value >>> 8) & 7) === 1 ? 1 : 0,
          destMode: ((value >>> 11) & 1) as 0 | 1,
          polarity: ((value >>> 13) & 1) as 0 | 1,
          trigger: ((value >>> 15) & 1) as 0 | 1,
          mask: ((value >>> 16) & 1) as 0 | 1,
        };
  if (isSplit(m)) qemuIoapicRteWrite(m, pin, fields);
  else kvmIoapicWriteIndirect(m, pin, fields);
}

function mmioTrace(m: Ctx, v: VcpuState, addr: number, value: number): void {
  const sel = m.s.ioapic.ioregsel;
  const reg =
    addr === 0
      ? 'IOREGSEL'
      : sel >= 0x10
        ? `IOWIN: RTE ${(sel - 0x10) >> 1} ${sel & 1 ? 'high' : 'low'} dword`
        : 'IOWIN';
  const f = { addr, regsel: sel, value, reg };
  // x86.c write_mmio() traces every emulated MMIO write, whoever handles it.
  if (traced(m)) causedBy(m, emit(m, v.index, 'kvm_mmio', { gpa: IOAPIC_BASE + addr, value, reg }));
  if (traced(m))
    causedBy(
      m,
      isSplit(m) ? emit(m, v.index, 'ioapic_mem_write', f) : emit(m, v.index, 'ioapic_mmio_write', f),
    );
}

/** Fires the storm-limit deferred injection once virtual time reaches it (inclusive). */
export function ioapicFireDueTimers(m: Ctx): void {
  const at = m.s.ioapic.deferredAt;
  if (at >= 0 && m.s.time >= at) ioapicDeferredService(m);
}

function ioapicDeferredService(m: Ctx): void {
  const io = m.s.ioapic;
  io.deferredAt = -1;
  const prev = traced(m) ? causedBy(m, emit(m, -1, 'ioapic_deferred_service', {})) : m.cause;
  if (isSplit(m)) qemuIoapicService(m);
  else kvmIoapicEoiInjectWork(m);
  m.cause = prev;
}

/** An EOI found the line still high: re-inject now, or defer by 10 ms at the storm limit (R5.6 d, R6). */
function reinjectOrDefer(m: Ctx, pin: number): boolean {
  const io = m.s.ioapic;
  const limit = m.s.config.kvm.stormLimit;
  const successive = ++io.irqEoi[pin];
  if (isSplit(m) ? successive >= limit : successive === limit) {
    deferStorm(m, pin, limit);
    return false;
  }
  countPin(m, CTR.reinjections, pin);
  if (traced(m)) emitReinject(m, pin, successive, limit);
  return true;
}

function emitReinject(m: Ctx, pin: number, successive: number, limit: number): void {
  emit(m, -1, 'ioapic_reinject', { pin, successive, limit, qemu: isSplit(m) });
}

/** The storm limit is reached: the injection waits 10 ms (apart: storms are rare, EOIs are not). */
function deferStorm(m: Ctx, pin: number, limit: number): void {
  const io = m.s.ioapic;
  io.irqEoi[pin] = 0;
  countPin(m, CTR.storms, pin);
  // One pending service for all pins: a later storm keeps the earlier deadline (KVM's
  // schedule_delayed_work on pending work does nothing; time only moves forward).
  if (io.deferredAt < 0) io.deferredAt = m.s.time + STORM_DEFER_NS;
  if (traced(m)) {
    if (isSplit(m)) emit(m, -1, 'ioapic_eoi_delayed_reassert', { pin, limit, dueNs: io.deferredAt });
    else
      emit(m, -1, 'kvm_ioapic_delayed_eoi_inj', {
        ...rteDesc(io.rte[pin]),
        pin,
        limit,
        dueNs: io.deferredAt,
      });
  }
}

/**
 * The part of an RTE write both IOAPICs share: remote IRR (and delivery status, never set here)
 * are read-only for the guest, and an edge entry has no remote IRR (KVM R5.5 step 3, which lets
 * Linux and Xen unstick it; QEMU ioapic_fix_edge_remote_irr()). Returns the new entry.
 */
function replaceRte(m: Ctx, pin: number, fields: Partial<RteFields>, qemu: boolean): Rte {
  const io = m.s.ioapic;
  const old = io.rte[pin];
  const e = newRte({ ...old, ...fields, remoteIrr: old.remoteIrr });
  if (e.trigger === 0) e.remoteIrr = 0;
  io.rte[pin] = e;
  m.vectorPins[old.vector] &= ~bit(pin);
  m.vectorPins[e.vector] |= bit(pin);
  if (traced(m))
    emit(m, -1, 'ioapic_write_rte', {
      ...rteDesc(e),
      pin,
      remoteIrr: e.remoteIrr,
      cleared: old.remoteIrr === 1 && e.remoteIrr === 0,
      qemu,
    });
  return e;
}

// ---------------------------------------------------------------------------------------------
// KVM in-kernel IOAPIC (R5)

/** KVM: ioapic.c ioapic_service() (R5.4). Returns the delivery result, or -1 if nothing was sent. */
function kvmIoapicService(m: Ctx, pin: number, lineStatus: boolean): number {
  const io = m.s.ioapic;
  const e = io.rte[pin];
  if (e.mask || (e.trigger === 1 && e.remoteIrr)) return -1;
  if (e.trigger === 0) {
    io.irrDelivered |= bit(pin);
    io.edgeUndelivered &= ~bit(pin);
  }
  io.deliveries[pin]++;
  const prev = traced(m) ? emitService(m, e, pin, false) : m.cause;
  const irq = scratchIrq(m, e.vector, e.deliveryMode, e.destMode, e.trigger, e.dest);
  const rtcTracking = pin === RTC_GSI && lineStatus && io.rtcPendingEoi === 0 && !m.s.config.secureAvic;
  const ret = rtcTracking ? rtcDelivery(m, irq) : kvmIrqDeliveryToApic(m, null, irq);
  if (ret !== 0 && e.trigger === 1) e.remoteIrr = 1;
  if (traced(m)) emitDelivered(m, pin, e, ret, rtcTracking);
  m.cause = prev;
  return ret;
}

/** The RTC with line status: the destination map and pending_eoi record who must EOI it (R5.4). */
function rtcDelivery(m: Ctx, irq: LapicIrq): number {
  const io = m.s.ioapic;
  io.rtcDestMap.clear();
  const ret = kvmIrqDeliveryToApic(m, null, irq, io.rtcDestMap);
  io.rtcPendingEoi = Math.max(ret, 0);
  return ret;
}

function emitDelivered(m: Ctx, pin: number, e: Rte, ret: number, rtc: boolean): void {
  emit(m, -1, 'ioapic_delivered', {
    pin,
    vector: e.vector,
    accepted: ret,
    trigger: e.trigger,
    remoteIrr: e.remoteIrr,
    rtc,
    rtcPending: m.s.ioapic.rtcPendingEoi,
  });
}

/** KVM: ioapic.c ioapic_set_irq() (R5.3). */
export function kvmIoapicSetIrq(m: Ctx, pin: number, level: 0 | 1): void {
  const io = m.s.ioapic;
  const e = io.rte[pin];
  type Outcome = 'low' | 'rtc-coalesced' | 'edge-coalesced' | 'masked' | 'remote-irr' | 'serviced';
  let outcome: Outcome;
  if (level === 0) {
    io.irr &= ~bit(pin);
    outcome = 'low';
  } else {
    const edge = e.trigger === 0;
    if (edge && kvmApicvActivated(m) && pin === RTC_GSI) kvmIoapicLazyUpdateEoi(m);
    if (pin === RTC_GSI && io.rtcPendingEoi > 0 && !m.s.config.secureAvic) {
      outcome = 'rtc-coalesced';
    } else {
      const old = io.irr;
      io.irr |= bit(pin);
      if (edge) io.irrDelivered &= ~bit(pin);
      if (edge && old === io.irr) outcome = 'edge-coalesced';
      else outcome = e.mask ? 'masked' : e.trigger === 1 && e.remoteIrr ? 'remote-irr' : 'serviced';
    }
  }
  const prev = traced(m)
    ? causedBy(
        m,
        emit(m, -1, 'kvm_ioapic_set_irq', {
          ...rteDesc(e),
          pin,
          level,
          outcome,
          rtcPending: io.rtcPendingEoi,
        }),
      )
    : m.cause;
  if (outcome === 'masked' || outcome === 'remote-irr' || outcome === 'serviced')
    kvmIoapicService(m, pin, true);
  m.cause = prev;
}

/** Settles RTC EOI tracking for vCPUs that no longer have the vector pending (KVM: ioapic_lazy_update_eoi()). */
function kvmIoapicLazyUpdateEoi(m: Ctx): void {
  const io = m.s.ioapic;
  for (const [cpu, vector] of [...io.rtcDestMap]) {
    const v = m.s.cpus[cpu];
    if (kvmApicPendingEoi(v, vector)) continue;
    io.rtcDestMap.delete(cpu);
    io.rtcPendingEoi = Math.max(io.rtcPendingEoi - 1, 0);
  }
}

/** IRR or ISR holds the vector (KVM: lapic.c kvm_apic_pending_eoi()). */
export function kvmApicPendingEoi(v: VcpuState, vector: number): boolean {
  const r = vector >>> 5;
  const b = 1 << (vector & 31);
  return ((v.irr[r] | v.isr[r]) & b) !== 0;
}

/** KVM: ioapic.c kvm_ioapic_update_eoi() and kvm_ioapic_update_eoi_one() (R5.6). */
export function kvmIoapicUpdateEoi(m: Ctx, v: VcpuState, vector: number, trigger: 0 | 1): void {
  const io = m.s.ioapic;
  // Step 1: RTC dest_map bookkeeping.
  if (io.rtcDestMap.size !== 0) rtcEoi(m, v, vector);
  const suppressed = kvmLapicSuppressEoiBroadcast(m, v);
  // Every pin whose RTE has this vector, in pin order (an EOI never rewrites an RTE).
  for (let pins = m.vectorPins[vector]; pins !== 0; pins &= pins - 1) {
    const pin = lowestPin(pins);
    const e = io.rte[pin];
    // Step 2a: ack notifiers would run here; none are modelled (no PIT, no irqfd resampler).
    if (trigger !== 1 || suppressed) {
      if (traced(m)) emitEoiNotForPin(m, v, pin, vector, suppressed);
      continue;
    }
    // Step 2c/d/e.
    e.remoteIrr = 0;
    const prev = traced(m) ? emitRemoteIrrClear(m, pin, vector, v.index) : m.cause;
    if (!e.mask && io.irr & bit(pin)) {
      if (reinjectOrDefer(m, pin)) kvmIoapicService(m, pin, false);
    } else {
      io.irqEoi[pin] = 0;
    }
    m.cause = prev;
  }
}

function emitRemoteIrrClear(m: Ctx, pin: number, vector: number, from: number): number {
  return causedBy(m, emit(m, -1, 'remote_irr_clear', { pin, vector, from }));
}

/** KVM: ioapic.c rtc_irq_eoi(): the vCPU owed the RTC's EOI. */
function rtcEoi(m: Ctx, v: VcpuState, vector: number): void {
  const io = m.s.ioapic;
  if (io.rtcDestMap.get(v.index) !== vector) return;
  io.rtcDestMap.delete(v.index);
  io.rtcPendingEoi = Math.max(io.rtcPendingEoi - 1, 0);
}

/** An EOI that leaves the pin's remote IRR alone: suppressed by SEOIB, or of an edge vector. */
function emitEoiNotForPin(m: Ctx, v: VcpuState, pin: number, vector: number, suppressed: boolean): void {
  if (suppressed) emit(m, v.index, 'seoib_suppressed', { pin, vector, mode: m.s.vm.seoib });
  else emit(m, -1, 'ioapic_edge_eoi', { pin, vector, from: v.index });
}

/** KVM: ioapic.c kvm_ioapic_eoi_inject_work(). */
function kvmIoapicEoiInjectWork(m: Ctx): void {
  const io = m.s.ioapic;
  for (let pin = 0; pin < io.rte.length; pin++) {
    const e = io.rte[pin];
    if (e.trigger !== 1) continue;
    if (io.irr & bit(pin) && !e.remoteIrr) kvmIoapicService(m, pin, false);
  }
}

/** KVM: ioapic.c ioapic_write_indirect(): one half of an RTE, or (`route`) the whole entry (R5.5). */
function kvmIoapicWriteIndirect(m: Ctx, pin: number, fields: Partial<RteFields>): void {
  const io = m.s.ioapic;
  const old = io.rte[pin];
  const e = replaceRte(m, pin, fields, false);
  const prev = causedBy(m, lastEvent(m));
  // Step 5: a pending level interrupt is injected now (no irqfd resampler is modelled).
  if (e.trigger === 1 && io.irr & bit(pin) && !e.mask && !e.remoteIrr) kvmIoapicService(m, pin, false);
  // Step 6: who scans. Fixed: old and new destinations (old dest id with the new dest mode); else all.
  let targets: VcpuState[];
  if (e.deliveryMode === 0) {
    const set = new Set(kvmBitmapOrDestVcpus(m, e.dest, e.destMode));
    if (old.destMode !== e.destMode || old.dest !== e.dest)
      for (const v of kvmBitmapOrDestVcpus(m, old.dest, e.destMode)) set.add(v);
    targets = m.s.cpus.filter((v) => set.has(v));
  } else {
    targets = m.s.cpus;
  }
  if (traced(m))
    emit(m, -1, 'scan_ioapic_request', {
      pin,
      targets: targets.map((v) => v.index),
      fixed: e.deliveryMode === 0,
    });
  for (const v of targets) kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, true);
  m.cause = prev;
}

// ---------------------------------------------------------------------------------------------
// QEMU userspace IOAPIC (R6), split irqchip

/** QEMU: kvm_set_irq(gsi, 1) → KVM: kvm_set_msi() through the GSI's MSI route. */
function kvmSetIrqGsi(m: Ctx, gsi: number): void {
  const route = m.s.vm.routes[gsi];
  const prev = traced(m) ? emitSetIrqGsi(m, gsi, route !== null) : m.cause;
  if (route) kvmSetMsi(m, route);
  m.cause = prev;
}

function emitSetIrqGsi(m: Ctx, gsi: number, routed: boolean): number {
  return causedBy(m, emit(m, -1, 'kvm_set_irq', { pin: gsi, level: 1, routed }));
}

/**
 * KVM: irq.c kvm_set_msi() with kvm_set_msi_irq() decoding (R4.9): dest = address[19:12], plus
 * address_hi[31:8] << 8 only with KVM_X2APIC_API_USE_32BIT_IDS; without it a dest above 0xff
 * keeps its low 8 bits.
 */
export function kvmSetMsi(m: Ctx, msg: MsiRoute): number {
  const dest = m.x2apicFormat ? msg.dest : msg.dest & 0xff;
  const prev = traced(m) ? emitMsiSetIrq(m, msg, dest) : m.cause;
  const r = kvmIrqDeliveryToApic(
    m,
    null,
    scratchIrq(m, msg.vector, msg.deliveryMode, msg.destMode, msg.trigger, dest),
  );
  m.cause = prev;
  return r;
}

/** kvm_set_msi's event, with the MSI address as KVM prints it. */
function emitMsiSetIrq(m: Ctx, msg: MsiRoute, dest: number): number {
  const format = m.x2apicFormat;
  const address = (0xfee00000 + ((msg.dest & 0xff) << 12) + msg.destMode * 4) >>> 0;
  // KVM prints the 64-bit address only with 32-bit IDs: dest[31:8] sits in address_hi[31:8].
  const hi = format ? (msg.dest >>> 8) << 8 : 0;
  const addr = hi ? `${hi.toString(16)}${address.toString(16).padStart(8, '0')}` : address.toString(16);
  return causedBy(
    m,
    emit(m, -1, 'kvm_msi_set_irq', {
      address: addr,
      vector: msg.vector,
      deliveryMode: msg.deliveryMode,
      destMode: msg.destMode,
      trigger: msg.trigger,
      format,
      requested: msg.dest,
      dest,
    }),
  );
}

/** QEMU: hw/intc/ioapic.c ioapic_service(): every pin with irr set and unmasked. */
function qemuIoapicService(m: Ctx): void {
  const io = m.s.ioapic;
  const rte = io.rte;
  // The pins with irr set, from pin 0 up; serving one never changes another's irr.
  for (let pins = io.irr; pins !== 0; pins &= pins - 1) {
    const pin = lowestPin(pins);
    const e = rte[pin];
    if (e.mask) continue;
    if (e.trigger === 0) {
      io.irr &= ~bit(pin);
      io.edgeUndelivered &= ~bit(pin);
    } else {
      if (e.remoteIrr) continue; // coalesced until the EOI
      e.remoteIrr = 1; // set before delivery, whatever the result (R6)
    }
    io.deliveries[pin]++;
    const prev = traced(m) ? emitService(m, e, pin, true) : m.cause;
    kvmSetIrqGsi(m, pin);
    m.cause = prev;
  }
}

/** QEMU: ioapic_set_irq() (R6: no ISA remap here; edges on masked pins are discarded). */
function qemuIoapicSetIrq(m: Ctx, pin: number, level: 0 | 1): void {
  const io = m.s.ioapic;
  const e = io.rte[pin];
  let service = false;
  if (e.trigger === 1) {
    if (level) {
      io.irr |= bit(pin);
      service = !e.remoteIrr;
    } else {
      io.irr &= ~bit(pin);
    }
  } else if (level && !e.mask) {
    io.irr |= bit(pin);
    service = true;
  }
  const prev = traced(m)
    ? causedBy(
        m,
        emit(m, -1, 'ioapic_set_irq', {
          pin,
          level,
          trigger: e.trigger,
          mask: e.mask,
          remoteIrr: e.remoteIrr,
        }),
      )
    : m.cause;
  if (service) qemuIoapicService(m);
  m.cause = prev;
}

/** QEMU: ioapic_update_kvm_routes(): unmasked pins get a fresh MSI route; then KVM_SET_GSI_ROUTING. */
export function qemuUpdateKvmRoutes(m: Ctx): void {
  const { rte } = m.s.ioapic;
  const routes = m.s.vm.routes;
  for (let pin = 0; pin < rte.length; pin++) {
    const e = rte[pin];
    if (e.mask) continue;
    routes[pin] = {
      dest: e.dest,
      destMode: e.destMode,
      vector: e.vector,
      deliveryMode: e.deliveryMode,
      trigger: e.trigger,
    };
  }
  if (traced(m)) emit(m, -1, 'gsi_routing_update', { routes: routes.filter(Boolean).length });
  // KVM: irq.c kvm_arch_irq_routing_update(): every vCPU rescans (R7.8).
  for (const v of m.s.cpus) kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, true);
}

/** QEMU: ioapic_mem_write() of an RTE: one half, or (`route`) both at once (R6). */
function qemuIoapicRteWrite(m: Ctx, pin: number, fields: Partial<RteFields>): void {
  const io = m.s.ioapic;
  io.irqEoi[pin] = 0; // QEMU resets the storm counter on every RTE write
  replaceRte(m, pin, fields, true);
  const prev = causedBy(m, lastEvent(m));
  qemuUpdateKvmRoutes(m);
  qemuIoapicService(m);
  m.cause = prev;
}

/** QEMU: ioapic_eoi_broadcast() (R6): level pins with this RTE vector. */
export function qemuIoapicEoiBroadcast(m: Ctx, vector: number): void {
  const io = m.s.ioapic;
  const rte = io.rte;
  const outer = traced(m) ? emitEoiBroadcast(m, vector) : m.cause;
  // Every pin whose RTE has this vector, in pin order (an EOI never rewrites an RTE).
  for (let pins = m.vectorPins[vector]; pins !== 0; pins &= pins - 1) {
    const pin = lowestPin(pins);
    const e = rte[pin];
    if (e.trigger !== 1) continue;
    if (!e.remoteIrr) continue;
    e.remoteIrr = 0;
    const prev = traced(m) ? emitClearRemoteIrr(m, pin, vector) : m.cause;
    if (!e.mask && io.irr & bit(pin)) {
      if (reinjectOrDefer(m, pin)) qemuIoapicService(m);
    } else {
      io.irqEoi[pin] = 0;
    }
    m.cause = prev;
  }
  m.cause = outer;
}

function emitEoiBroadcast(m: Ctx, vector: number): number {
  return causedBy(m, emit(m, -1, 'ioapic_eoi_broadcast', { vector }));
}

function emitClearRemoteIrr(m: Ctx, pin: number, vector: number): number {
  return causedBy(m, emit(m, -1, 'ioapic_clear_remote_irr', { pin, vector }));
}

/** A guest write of the IOAPIC EOI register at 0x40 (R6, R8.1). Returns true if honoured. */
export function ioapicDirectedEoi(m: Ctx, v: VcpuState, value: number): boolean {
  const version = ioapicVersionOf(m.s.config);
  const vector = value <= 0xff ? value : undefined;
  if (!isSplit(m) || version !== 0x20) {
    if (traced(m)) emit(m, v.index, 'ioapic_eoi_ignored', { value, vector, split: isSplit(m) });
    return false;
  }
  countCpuVector(m, CTR['directed-eois'], v.index, vector ?? -1);
  const prev = traced(m) ? causedBy(m, emit(m, v.index, 'ioapic_directed_eoi', { value, vector })) : m.cause;
  if (vector !== undefined) qemuIoapicEoiBroadcast(m, vector);
  m.cause = prev;
  return true;
}
