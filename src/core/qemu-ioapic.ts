/**
 * QEMU's userspace IOAPIC (`irqchip split`, R6), as hw/intc/ioapic.c has it: ioapic_set_irq(),
 * ioapic_service() (each pin a kvm_set_irq() of its GSI, which KVM's MSI route delivers: irq.ts),
 * ioapic_update_kvm_routes() (KVM_SET_GSI_ROUTING), ioapic_mem_write() of an RTE, and
 * ioapic_eoi_broadcast(). What it shares with KVM's IOAPIC is in ioapic-common.ts; how devices
 * and the guest reach it, in irqchip.ts.
 */
import type { RteFields } from './actions.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, emit, lastEvent, traced } from './ctx.ts';
import { emitService, lowestPin, reinjectOrDefer, replaceRte } from './ioapic-common.ts';
import { kvmArchIrqRoutingUpdate, kvmSetIrqGsi } from './irq.ts';

const bit = (pin: number) => 1 << pin;

/** QEMU: hw/intc/ioapic.c ioapic_service(): every pin with irr set and unmasked. */
export function qemuIoapicService(ctx: Ctx): void {
  const io = ctx.state.ioapic;
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
    const prev = traced(ctx) ? emitService(ctx, e, pin, true) : ctx.cause;
    kvmSetIrqGsi(ctx, pin);
    ctx.cause = prev;
  }
}

/** QEMU: ioapic_set_irq() (R6: no ISA remap here; edges on masked pins are discarded). */
export function qemuIoapicSetIrq(ctx: Ctx, pin: number, level: 0 | 1): void {
  const io = ctx.state.ioapic;
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
  const prev = traced(ctx)
    ? causedBy(
        ctx,
        emit(ctx, -1, 'ioapic_set_irq', {
          pin,
          level,
          trigger: e.trigger,
          mask: e.mask,
          remoteIrr: e.remoteIrr,
        }),
      )
    : ctx.cause;
  if (service) qemuIoapicService(ctx);
  ctx.cause = prev;
}

/** QEMU: ioapic_update_kvm_routes(): unmasked pins get a fresh MSI route; then KVM_SET_GSI_ROUTING. */
export function qemuUpdateKvmRoutes(ctx: Ctx): void {
  const { rte } = ctx.state.ioapic;
  const routes = ctx.state.vm.routes;
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
  if (traced(ctx)) emit(ctx, -1, 'gsi_routing_update', { routes: routes.filter(Boolean).length });
  kvmArchIrqRoutingUpdate(ctx);
}

/** QEMU: ioapic_mem_write() of an RTE: one half, or (`route`) both at once (R6). */
export function qemuIoapicRteWrite(ctx: Ctx, pin: number, fields: Partial<RteFields>): void {
  const io = ctx.state.ioapic;
  io.irqEoi[pin] = 0; // QEMU resets the storm counter on every RTE write
  replaceRte(ctx, pin, fields, true);
  const prev = causedBy(ctx, lastEvent(ctx));
  qemuUpdateKvmRoutes(ctx);
  qemuIoapicService(ctx);
  ctx.cause = prev;
}

/** QEMU: ioapic_eoi_broadcast() (R6): level pins with this RTE vector. */
export function qemuIoapicEoiBroadcast(ctx: Ctx, vector: number): void {
  const io = ctx.state.ioapic;
  const rte = io.rte;
  const outer = traced(ctx) ? emitEoiBroadcast(ctx, vector) : ctx.cause;
  // Every pin whose RTE has this vector, in pin order (an EOI never rewrites an RTE).
  for (let pins = ctx.vectorPins[vector]; pins !== 0; pins &= pins - 1) {
    const pin = lowestPin(pins);
    const e = rte[pin];
    if (e.trigger !== 1) continue;
    if (!e.remoteIrr) continue;
    e.remoteIrr = 0;
    const prev = traced(ctx) ? emitClearRemoteIrr(ctx, pin, vector) : ctx.cause;
    if (!e.mask && io.irr & bit(pin)) {
      if (reinjectOrDefer(ctx, pin)) qemuIoapicService(ctx);
    } else {
      io.irqEoi[pin] = 0;
    }
    ctx.cause = prev;
  }
  ctx.cause = outer;
}

// emit… functions: each builds one event, apart from the hot function that emits it (ctx.ts emit).

function emitEoiBroadcast(ctx: Ctx, vector: number): number {
  return causedBy(ctx, emit(ctx, -1, 'ioapic_eoi_broadcast', { vector }));
}

function emitClearRemoteIrr(ctx: Ctx, pin: number, vector: number): number {
  return causedBy(ctx, emit(ctx, -1, 'ioapic_clear_remote_irr', { pin, vector }));
}
