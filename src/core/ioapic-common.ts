/**
 * What the two IOAPICs share, as QEMU's hw/intc/ioapic_common.c holds what its IOAPIC devices
 * share: the pin bookkeeping (which pins have a vector, the low dword of an RTE), an RTE
 * write's read-only bits, and the storm limit's count of successive EOIs with the line still
 * high, which KVM's arch/x86/kvm/ioapic.c and QEMU's hw/intc/ioapic.c keep alike (R5, R6).
 * KVM's IOAPIC is ioapic.ts, QEMU's is qemu-ioapic.ts; irqchip.ts picks one.
 */
import type { RteFields } from './actions.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, countPin, emit, traced } from './ctx.ts';
import type { Rte } from './state.ts';
import { newRte } from './state.ts';

export const RTC_GSI = 8;
/** Where both IOAPICs sit in guest physical memory (R5.2). */
export const IOAPIC_BASE = 0xfec00000;
/** KVM: HZ/100; QEMU: NANOSECONDS_PER_SECOND/100 of QEMU_CLOCK_VIRTUAL. */
export const STORM_DEFER_NS = 10_000_000;

const bit = (pin: number) => 1 << pin;

// emit… functions: each builds one event, apart from the hot function that emits it (ctx.ts emit).

/** `ioapic_service`, its fields written out (a spread of rteDesc is slow, and storms service a lot). */
export function emitService(ctx: Ctx, e: Rte, pin: number, qemu: boolean): number {
  return causedBy(
    ctx,
    emit(ctx, -1, 'ioapic_service', {
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
export function rteDesc(e: Rte) {
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
export function ioapicIndexVectors(ctx: Ctx): void {
  const { rte } = ctx.state.ioapic;
  ctx.vectorPins.fill(0);
  for (let pin = 0; pin < rte.length; pin++) ctx.vectorPins[rte[pin].vector] |= bit(pin);
}

/** The lowest pin in a pin mask (callers walk a mask from pin 0 up, as the IOAPIC loops do). */
export function lowestPin(pins: number): number {
  return 31 - Math.clz32(pins & -pins);
}

/** Any level pin with this RTE vector whose remote IRR is set (what an EOI broadcast can clear). */
export function levelPinAwaitingEoi(ctx: Ctx, vector: number): boolean {
  const { rte } = ctx.state.ioapic;
  for (let pins = ctx.vectorPins[vector]; pins !== 0; pins &= pins - 1) {
    const e = rte[lowestPin(pins)];
    if (e.trigger === 1 && e.remoteIrr === 1) return true;
  }
  return false;
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

/**
 * An EOI found the line still high: re-inject now, or defer by 10 ms at the storm limit (R5.6 d,
 * R6). KVM: ioapic.c kvm_ioapic_update_eoi_one() (IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT); QEMU:
 * hw/intc/ioapic.c ioapic_eoi_broadcast() (SUCCESSIVE_IRQ_MAX_COUNT).
 */
export function reinjectOrDefer(ctx: Ctx, pin: number): boolean {
  const io = ctx.state.ioapic;
  const limit = ctx.state.config.kvm.stormLimit;
  const successive = ++io.irqEoi[pin];
  if (ctx.split ? successive >= limit : successive === limit) {
    deferStorm(ctx, pin, limit);
    return false;
  }
  countPin(ctx, CTR.reinjections, pin);
  if (traced(ctx)) emitReinject(ctx, pin, successive, limit);
  return true;
}

function emitReinject(ctx: Ctx, pin: number, successive: number, limit: number): void {
  emit(ctx, -1, 'ioapic_reinject', { pin, successive, limit, qemu: ctx.split });
}

/** The storm limit is reached: the injection waits 10 ms (apart: storms are rare, EOIs are not). */
function deferStorm(ctx: Ctx, pin: number, limit: number): void {
  const io = ctx.state.ioapic;
  io.irqEoi[pin] = 0;
  countPin(ctx, CTR.storms, pin);
  // One pending service for all pins: a later storm keeps the earlier deadline (KVM's
  // schedule_delayed_work on pending work does nothing; time only moves forward).
  if (io.deferredAt < 0) io.deferredAt = ctx.state.time + STORM_DEFER_NS;
  if (traced(ctx)) {
    if (ctx.split) emit(ctx, -1, 'ioapic_eoi_delayed_reassert', { pin, limit, dueNs: io.deferredAt });
    else
      emit(ctx, -1, 'kvm_ioapic_delayed_eoi_inj', {
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
export function replaceRte(ctx: Ctx, pin: number, fields: Partial<RteFields>, qemu: boolean): Rte {
  const io = ctx.state.ioapic;
  const old = io.rte[pin];
  const e = newRte({ ...old, ...fields, remoteIrr: old.remoteIrr });
  if (e.trigger === 0) e.remoteIrr = 0;
  io.rte[pin] = e;
  ctx.vectorPins[old.vector] &= ~bit(pin);
  ctx.vectorPins[e.vector] |= bit(pin);
  if (traced(ctx))
    emit(ctx, -1, 'ioapic_write_rte', {
      ...rteDesc(e),
      pin,
      remoteIrr: e.remoteIrr,
      cleared: old.remoteIrr === 1 && e.remoteIrr === 0,
      qemu,
    });
  return e;
}
