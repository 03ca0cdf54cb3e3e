/**
 * The IOAPIC in its two implementations: KVM's in-kernel one (`irqchip kernel`, R5) and QEMU's
 * userspace one (`irqchip split`, R6), which reaches KVM through GSI → MSI routes.
 */
import type { RteFields } from './actions.ts';

import { ioapicVersionOf } from './config.ts';
import type { Ctx } from './ctx.ts';
import { count, emit } from './ctx.ts';
import { destVcpus, kvmIrqDeliveryToApic } from './delivery.ts';
import { DELIVERY_MODE_NAMES, DEST_MODE_NAMES, TRIGGER_NAMES } from './events.ts';
import { hex } from './hex.ts';
import { kvmLapicSuppressEoiBroadcast, kvmMakeRequest } from './lapic.ts';
import type { MsiRoute, Rte, VcpuState } from './state.ts';
import { REQ_SCAN_IOAPIC } from './state.ts';

export const RTC_GSI = 8;
/** KVM: HZ/100; QEMU: NANOSECONDS_PER_SECOND/100 of QEMU_CLOCK_VIRTUAL. */
export const STORM_DEFER_NS = 10_000_000;

const bit = (pin: number) => 1 << pin;

export function isSplit(m: Ctx): boolean {
  return m.s.config.irqchip === 'split';
}

function rteDesc(e: Rte): string {
  return `(${DELIVERY_MODE_NAMES[e.deliveryMode]}|${DEST_MODE_NAMES[e.destMode]}|${TRIGGER_NAMES[e.trigger]}${e.mask ? '|masked' : ''})`;
}

/** Any level pin with this RTE vector whose remote IRR is set (what an EOI broadcast can clear). */
export function levelPinAwaitingEoi(m: Ctx, vector: number): boolean {
  return m.s.ioapic.rte.some((e) => e.vector === vector && e.trigger === 1 && e.remoteIrr === 1);
}

/** The device drives its line; routes to the configured IOAPIC. */
export function ioapicSetLine(m: Ctx, pin: number, level: 0 | 1): void {
  const io = m.s.ioapic;
  io.line = level ? io.line | bit(pin) : io.line & ~bit(pin);
  if (isSplit(m)) qemuIoapicSetIrq(m, pin, level);
  else kvmIoapicSetIrq(m, pin, level);
}

/** The guest rewrites redirection entry PIN in one 64-bit update. */
export function ioapicWriteRte(m: Ctx, pin: number, fields: Partial<RteFields>): void {
  if (isSplit(m)) qemuIoapicRteWrite(m, pin, fields);
  else kvmIoapicWriteIndirect(m, pin, fields);
}

/** Fires the storm-limit deferred injection once virtual time reaches it (inclusive). */
export function ioapicFireDueTimers(m: Ctx): void {
  const io = m.s.ioapic;
  if (io.deferredAt < 0 || m.s.time < io.deferredAt) return;
  io.deferredAt = -1;
  if (m.tracing)
    emit(
      m,
      -1,
      'ioapic_deferred_service',
      `deadline reached`,
      'R5.6 d: the 10 ms deferral is over: level pins with irr=1 and remote IRR=0 are serviced',
    );
  if (isSplit(m)) qemuIoapicService(m);
  else kvmIoapicEoiInjectWork(m);
}

/** An EOI found the line still high: re-inject now, or defer by 10 ms at the storm limit (R5.6 d, R6). */
function reinjectOrDefer(m: Ctx, pin: number): boolean {
  const io = m.s.ioapic;
  const limit = m.s.config.kvm.stormLimit;
  io.irqEoi[pin]++;
  const storm = isSplit(m) ? io.irqEoi[pin] >= limit : io.irqEoi[pin] === limit;
  if (!storm) {
    count(m, 'reinjections', -1, -1, pin);
    if (m.tracing)
      emit(
        m,
        -1,
        'ioapic_reinject',
        `pin ${pin} successive ${io.irqEoi[pin]}`,
        `R5.6 d: EOI while the line is still high: re-injected at once (${io.irqEoi[pin]} of ${limit} before the storm limit)`,
        { pin },
      );
    return true;
  }
  io.irqEoi[pin] = 0;
  count(m, 'storms', -1, -1, pin);
  const due = m.s.time + STORM_DEFER_NS;
  if (io.deferredAt < 0 || due < io.deferredAt) io.deferredAt = due;
  if (m.tracing) {
    const e = io.rte[pin];
    const why = `R5.6 d: ${limit} successive EOIs found the line high: re-injection deferred to t=${(io.deferredAt / 1e6).toFixed(3)} ms`;
    if (isSplit(m))
      emit(m, -1, 'ioapic_eoi_delayed_reassert', `delayed reassert on EOI broadcast for pin ${pin}`, why, {
        pin,
      });
    else
      emit(
        m,
        -1,
        'kvm_ioapic_delayed_eoi_inj',
        `dst ${e.dest.toString(16)} vec ${e.vector} ${rteDesc(e)}`,
        why,
        { pin },
      );
  }
  return false;
}

/**
 * The part of an RTE write both IOAPICs share: remote IRR (and delivery status, never set here)
 * are read-only for the guest, and an edge entry has no remote IRR (KVM R5.5 step 3, which lets
 * Linux and Xen unstick it; QEMU ioapic_fix_edge_remote_irr()). Returns the new entry.
 */
function replaceRte(m: Ctx, pin: number, fields: Partial<RteFields>, rule: string): Rte {
  const io = m.s.ioapic;
  const old = io.rte[pin];
  const e: Rte = { ...old, ...fields, remoteIrr: old.remoteIrr };
  if (e.trigger === 0) e.remoteIrr = 0;
  io.rte[pin] = e;
  if (m.tracing)
    emit(
      m,
      -1,
      'ioapic_write_rte',
      `pin ${pin} dst ${e.dest.toString(16)} vec ${e.vector} ${rteDesc(e)}`,
      `${rule}: RTE ${pin} rewritten; remote IRR ${e.remoteIrr}${old.remoteIrr && !e.remoteIrr ? ' (cleared: the pin is edge now)' : ''}`,
      { pin, vector: e.vector },
    );
  return e;
}

// ---------------------------------------------------------------------------------------------
// KVM in-kernel IOAPIC (R5)

/** KVM: ioapic.c ioapic_service() (R5.4). Returns the delivery result, or -1 if nothing was sent. */
function kvmIoapicService(m: Ctx, pin: number, lineStatus: boolean): number {
  const io = m.s.ioapic;
  const e = io.rte[pin];
  if (e.mask || (e.trigger === 1 && e.remoteIrr)) return -1;
  if (e.trigger === 0) io.irrDelivered |= bit(pin);
  io.deliveries[pin]++;
  if (m.tracing)
    emit(
      m,
      -1,
      'ioapic_service',
      `pin ${pin} dst ${e.dest.toString(16)} vec ${e.vector} ${rteDesc(e)}`,
      `R5.4: pin ${pin} is unmasked${e.trigger ? ' and its remote IRR is 0' : ''}: the IOAPIC sends its message`,
      { pin, vector: e.vector },
    );
  const irq = {
    vector: e.vector,
    deliveryMode: e.deliveryMode,
    destMode: e.destMode,
    trigger: e.trigger,
    dest: e.dest,
    shorthand: 0 as const,
  };
  let ret: number;
  const rtcTracking = pin === RTC_GSI && lineStatus && io.rtcPendingEoi === 0 && !m.s.config.secureAvic;
  if (rtcTracking) {
    io.rtcDestMap.clear();
    ret = kvmIrqDeliveryToApic(m, null, irq, io.rtcDestMap);
    io.rtcPendingEoi = Math.max(ret, 0);
  } else {
    ret = kvmIrqDeliveryToApic(m, null, irq);
  }
  if (ret !== 0 && e.trigger === 1) e.remoteIrr = 1;
  if (m.tracing)
    emit(
      m,
      -1,
      'ioapic_delivered',
      `pin ${pin} vec ${e.vector} accepted ${ret}${e.trigger ? ` remote_irr ${e.remoteIrr}` : ''}`,
      ret === 0
        ? `R5.4: no vCPU accepted the message${e.trigger ? ': remote IRR stays 0 (KVM fast path returns 0, R4.8)' : ''}`
        : `R5.4: accepted by ${ret} vCPU(s)${e.trigger ? '; level: remote IRR := 1 until an EOI' : '; edge: irr stays set until the line drops'}${rtcTracking ? `; RTC tracking: pending_eoi = ${io.rtcPendingEoi}` : ''}`,
      { pin, vector: e.vector },
    );
  return ret;
}

/** KVM: ioapic.c ioapic_set_irq() (R5.3). */
export function kvmIoapicSetIrq(m: Ctx, pin: number, level: 0 | 1): void {
  const io = m.s.ioapic;
  const e = io.rte[pin];
  let ret = 1;
  let why: string;
  if (level === 0) {
    io.irr &= ~bit(pin);
    why = 'R5.3 step 1: line low: irr cleared, remote IRR untouched';
  } else {
    const edge = e.trigger === 0;
    if (edge && m.s.config.apicv && !m.s.vm.apicvInhibited && pin === RTC_GSI) kvmIoapicLazyUpdateEoi(m);
    if (pin === RTC_GSI && io.rtcPendingEoi > 0 && !m.s.config.secureAvic) {
      ret = 0;
      why = `R5.3 step 3 / R11.4: RTC interrupt coalesced: ${io.rtcPendingEoi} vCPU(s) still owe its EOI`;
    } else {
      const old = io.irr;
      io.irr |= bit(pin);
      if (edge) io.irrDelivered &= ~bit(pin);
      if (edge && old === io.irr) {
        ret = 0;
        why = 'R5.3 step 4: edge pin already high (the line never went low): no new edge, coalesced';
      } else {
        ret = kvmIoapicService(m, pin, true);
        why =
          ret === -1
            ? e.mask
              ? 'R5.4: pin masked: irr set, nothing delivered'
              : 'R5.4: level pin with remote IRR = 1: nothing delivered until the EOI'
            : 'R5.3 step 5: irr set, pin serviced';
      }
    }
  }
  if (m.tracing)
    emit(
      m,
      -1,
      'kvm_ioapic_set_irq',
      `pin ${pin} dst ${e.dest.toString(16)} vec ${e.vector} ${rteDesc(e)}${ret === 0 ? ' (coalesced)' : ''}`,
      why,
      { pin, vector: e.vector },
    );
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
  if (io.rtcDestMap.get(v.index) === vector) {
    io.rtcDestMap.delete(v.index);
    io.rtcPendingEoi = Math.max(io.rtcPendingEoi - 1, 0);
  }
  const suppressed = kvmLapicSuppressEoiBroadcast(m, v);
  for (let pin = 0; pin < io.rte.length; pin++) {
    const e = io.rte[pin];
    if (e.vector !== vector) continue;
    // Step 2a: ack notifiers would run here; none are modelled (no PIT, no irqfd resampler).
    if (trigger !== 1 || suppressed) {
      if (m.tracing)
        emit(
          m,
          v.index,
          suppressed ? 'seoib_suppressed' : 'ioapic_edge_eoi',
          `pin ${pin} vec ${vector}`,
          suppressed
            ? `R8.3 / R5.6 b: SPIV[12] set and SEOIB ${m.s.vm.seoib}: remote IRR is not cleared (the guest must EOI the IOAPIC)`
            : `R5.6 b: TMR[${hex(vector)}] = 0 on vCPU ${v.index}: an edge EOI leaves pin ${pin}'s remote IRR alone`,
          { pin, vector },
        );
      continue;
    }
    // Step 2c/d/e.
    e.remoteIrr = 0;
    if (m.tracing)
      emit(
        m,
        -1,
        'remote_irr_clear',
        `pin ${pin} vec ${vector}`,
        `R5.6 c: level EOI from vCPU ${v.index}: remote IRR of pin ${pin} cleared`,
        { pin, vector },
      );
    if (!e.mask && io.irr & bit(pin)) {
      if (reinjectOrDefer(m, pin)) kvmIoapicService(m, pin, false);
    } else {
      io.irqEoi[pin] = 0;
    }
  }
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

/** KVM: ioapic.c ioapic_write_indirect() for one whole RTE (R5.5). */
function kvmIoapicWriteIndirect(m: Ctx, pin: number, fields: Partial<RteFields>): void {
  const io = m.s.ioapic;
  const old = io.rte[pin];
  const e = replaceRte(m, pin, fields, 'R5.5');
  // Step 5: a pending level interrupt is injected now (no irqfd resampler is modelled).
  if (e.trigger === 1 && io.irr & bit(pin) && !e.mask && !e.remoteIrr) kvmIoapicService(m, pin, false);
  // Step 6: who scans. Fixed: old and new destinations (old dest id with the new dest mode); else all.
  let targets: VcpuState[];
  if (e.deliveryMode === 0) {
    const set = new Set(destVcpus(m, e.dest, e.destMode));
    if (old.destMode !== e.destMode || old.dest !== e.dest)
      for (const v of destVcpus(m, old.dest, e.destMode)) set.add(v);
    targets = m.s.cpus.filter((v) => set.has(v));
  } else {
    targets = m.s.cpus;
  }
  for (const v of targets) kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, true);
  if (m.tracing)
    emit(
      m,
      -1,
      'kvm_make_scan_ioapic_request',
      `vcpus ${targets.map((v) => v.index).join(',') || 'none'}`,
      e.deliveryMode === 0
        ? 'R5.5 step 6: Fixed RTE: KVM_REQ_SCAN_IOAPIC for the vCPUs of the new and old destination'
        : 'R5.5 step 6: non-Fixed RTE: KVM_REQ_SCAN_IOAPIC for every vCPU',
      { pin },
    );
}

// ---------------------------------------------------------------------------------------------
// QEMU userspace IOAPIC (R6), split irqchip

/** QEMU: kvm_set_irq(gsi, 1) → KVM: kvm_set_msi() through the GSI's MSI route. */
function kvmSetIrqGsi(m: Ctx, gsi: number): void {
  const route = m.s.vm.routes[gsi];
  if (m.tracing)
    emit(
      m,
      -1,
      'kvm_set_irq',
      `gsi ${gsi} level 1 source 0`,
      route
        ? 'R6: QEMU raises the GSI; KVM delivers its MSI route'
        : 'R6: the GSI has no route: KVM delivers nothing',
      { pin: gsi },
    );
  if (!route) return;
  kvmSetMsi(m, route);
}

/** KVM: irq.c kvm_set_msi() with kvm_set_msi_irq() decoding (R4.9). */
export function kvmSetMsi(m: Ctx, msg: MsiRoute): number {
  if (m.tracing) {
    const address = (0xfee00000 + ((msg.dest & 0xff) << 12) + msg.destMode * 4) >>> 0;
    // KVM prints the 64-bit address; 32-bit IDs put dest[31:8] in address_hi[31:8] (R4.9).
    const hi = (msg.dest >>> 8) << 8;
    const addr = hi ? `${hi.toString(16)}${address.toString(16).padStart(8, '0')}` : address.toString(16);
    emit(
      m,
      -1,
      'kvm_msi_set_irq',
      `dst ${addr} vec ${msg.vector} (${DELIVERY_MODE_NAMES[msg.deliveryMode]}|${DEST_MODE_NAMES[msg.destMode]}|${TRIGGER_NAMES[msg.trigger]})`,
      'R4.9: MSI decoded: dest = address[19:12] (and address_hi for 32-bit IDs), vector = data[7:0]',
      { vector: msg.vector },
    );
  }
  return kvmIrqDeliveryToApic(m, null, { ...msg, shorthand: 0 });
}

/** QEMU: hw/intc/ioapic.c ioapic_service(): every pin with irr set and unmasked. */
function qemuIoapicService(m: Ctx): void {
  const io = m.s.ioapic;
  for (let pin = 0; pin < io.rte.length; pin++) {
    if (!(io.irr & bit(pin))) continue;
    const e = io.rte[pin];
    if (e.mask) continue;
    if (e.trigger === 0) {
      io.irr &= ~bit(pin);
    } else {
      if (e.remoteIrr) continue; // coalesced until the EOI
      e.remoteIrr = 1; // set before delivery, whatever the result (R6)
    }
    io.deliveries[pin]++;
    if (m.tracing)
      emit(
        m,
        -1,
        'ioapic_service',
        `pin ${pin} vec ${e.vector} ${rteDesc(e)}`,
        e.trigger
          ? 'R6: QEMU services the level pin: remote IRR := 1 before delivering, whatever the result'
          : 'R6: QEMU services the edge pin: irr cleared, GSI raised and lowered',
        { pin, vector: e.vector },
      );
    kvmSetIrqGsi(m, pin);
  }
}

/** QEMU: ioapic_set_irq() (R6: no ISA remap here; edges on masked pins are discarded). */
function qemuIoapicSetIrq(m: Ctx, pin: number, level: 0 | 1): void {
  const io = m.s.ioapic;
  const e = io.rte[pin];
  if (m.tracing)
    emit(
      m,
      -1,
      'ioapic_set_irq',
      `vector: ${pin} level: ${level}`,
      e.trigger
        ? level
          ? e.remoteIrr
            ? 'R6: level pin: irr := 1; remote IRR set, so no service until the EOI'
            : 'R6: level pin: irr := 1 and service'
          : 'R6: level pin: irr := 0'
        : level
          ? e.mask
            ? 'R6: edge on a masked pin: discarded (82093AA rule)'
            : 'R6: edge pin: every level-1 call is an edge (no edge detector): irr := 1 and service'
          : 'R6: edge pin: level 0 is ignored',
      { pin },
    );
  if (e.trigger === 1) {
    if (level) {
      io.irr |= bit(pin);
      if (!e.remoteIrr) qemuIoapicService(m);
    } else {
      io.irr &= ~bit(pin);
    }
  } else if (level && !e.mask) {
    io.irr |= bit(pin);
    qemuIoapicService(m);
  }
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
  // KVM: irq.c kvm_arch_irq_routing_update(): every vCPU rescans (R7.8).
  for (const v of m.s.cpus) kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, true);
  if (m.tracing)
    emit(
      m,
      -1,
      'kvm_set_gsi_routing',
      `${routes.filter(Boolean).length} ioapic routes`,
      'R6 / R7.8: QEMU refreshes the MSI routes of the unmasked pins (masked pins keep theirs); KVM_SET_GSI_ROUTING asks every vCPU to scan',
    );
}

/** QEMU: ioapic_mem_write() of an RTE, both halves at once (R6). */
function qemuIoapicRteWrite(m: Ctx, pin: number, fields: Partial<RteFields>): void {
  const io = m.s.ioapic;
  io.irqEoi[pin] = 0; // QEMU resets the storm counter on every RTE write
  replaceRte(m, pin, fields, 'R6');
  qemuUpdateKvmRoutes(m);
  qemuIoapicService(m);
}

/** QEMU: ioapic_eoi_broadcast() (R6): level pins with this RTE vector. */
export function qemuIoapicEoiBroadcast(m: Ctx, vector: number): void {
  const io = m.s.ioapic;
  if (m.tracing)
    emit(
      m,
      -1,
      'ioapic_eoi_broadcast',
      `EOI broadcast for vector ${vector}`,
      'R6: QEMU looks for level pins with this RTE vector',
      { vector },
    );
  for (let pin = 0; pin < io.rte.length; pin++) {
    const e = io.rte[pin];
    if (e.vector !== vector || e.trigger !== 1) continue;
    if (!e.remoteIrr) continue;
    e.remoteIrr = 0;
    if (m.tracing)
      emit(
        m,
        -1,
        'ioapic_clear_remote_irr',
        `clear remote IRR for GSI ${pin} vector ${vector}`,
        `R6: remote IRR of pin ${pin} cleared`,
        { pin, vector },
      );
    if (!e.mask && io.irr & bit(pin)) {
      if (reinjectOrDefer(m, pin)) qemuIoapicService(m);
    } else {
      io.irqEoi[pin] = 0;
    }
  }
}

/** A guest write of the IOAPIC EOI register at 0x40 (R6, R8.1). Returns true if honoured. */
export function ioapicDirectedEoi(m: Ctx, v: VcpuState, value: number): boolean {
  const version = ioapicVersionOf(m.s.config);
  if (!isSplit(m) || version !== 0x20) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'ioapic_eoi_ignored',
        `write ${hex(value)} to 0x40`,
        isSplit(m)
          ? 'R6 / R8.1: QEMU IOAPIC version 0x11 has no EOI register: the write is ignored'
          : 'R5.2: the in-kernel IOAPIC (0x11) has no EOI register: the write is ignored',
        value <= 0xff ? { vector: value } : {},
      );
    return false;
  }
  count(m, 'directed-eois', v.index, value <= 0xff ? value : -1);
  if (m.tracing)
    emit(
      m,
      v.index,
      'ioapic_directed_eoi',
      `write ${hex(value)} to 0x40`,
      value > 0xff
        ? 'R6: the EOI register value is not masked to 8 bits: above 0xff it matches no pin'
        : 'R6 / R8.1: directed EOI: QEMU runs ioapic_eoi_broadcast for this vector',
      value <= 0xff ? { vector: value } : {},
    );
  if (value <= 0xff) qemuIoapicEoiBroadcast(m, value);
  return true;
}
