/**
 * The IOAPIC the `irqchip` setting wires in, and the ways to it both IOAPICs have: a device's
 * line (KVM_IRQ_LINE to KVM's in-kernel IOAPIC, or QEMU's GSI handler to its own), the guest's
 * MMIO writes of IOREGSEL / IOWIN (KVM's in-kernel device, or KVM_EXIT_MMIO to QEMU's
 * ioapic_mem_write()), the EOI register at 0x40, and the storm limit's delayed service (R5, R6).
 * No kernel file does this choosing: `irqchip kernel` means ioapic.ts (arch/x86/kvm/ioapic.c),
 * `irqchip split` means qemu-ioapic.ts (QEMU hw/intc/ioapic.c).
 */
import type { RteFields } from './actions.ts';
import { ioapicVersionOf, NUM_PINS } from './config.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, countCpuVector, emit, traced } from './ctx.ts';
import { kvmIoapicEoiInjectWork, kvmIoapicSetIrq, kvmIoapicWriteIndirect } from './ioapic.ts';
import { IOAPIC_BASE } from './ioapic-common.ts';
import {
  qemuIoapicEoiBroadcast,
  qemuIoapicRteWrite,
  qemuIoapicService,
  qemuIoapicSetIrq,
} from './qemu-ioapic.ts';
import type { VcpuState } from './state.ts';

const bit = (pin: number) => 1 << pin;

/** The device drives its line; routes to the configured IOAPIC. */
export function ioapicSetLine(ctx: Ctx, pin: number, level: 0 | 1): void {
  const io = ctx.state.ioapic;
  const rise = level === 1 && (io.line & bit(pin)) === 0;
  if (!level) io.edgeUndelivered &= ~bit(pin);
  else if (rise && io.rte[pin].trigger === 0) io.edgeUndelivered |= bit(pin);
  io.line = level ? io.line | bit(pin) : io.line & ~bit(pin);
  if (ctx.split) {
    qemuIoapicSetIrq(ctx, pin, level);
    return;
  }
  // KVM_IRQ_LINE → kvm_set_irq(), traced before the IOAPIC sees the level (virt/kvm/irqchip.c).
  const prev = traced(ctx)
    ? causedBy(ctx, emit(ctx, -1, 'kvm_set_irq', { pin, level, routed: true, kernel: true }))
    : ctx.cause;
  kvmIoapicSetIrq(ctx, pin, level);
  ctx.cause = prev;
}

/** The guest rewrites redirection entry PIN in one 64-bit update. */
export function ioapicWriteRte(ctx: Ctx, pin: number, fields: Partial<RteFields>): void {
  if (ctx.split) qemuIoapicRteWrite(ctx, pin, fields);
  else kvmIoapicWriteIndirect(ctx, pin, fields);
}

/** A guest MMIO write of IOREGSEL (offset 0x00): both IOAPICs keep data & 0xff (R5.2, R6). */
export function ioapicWriteIoregsel(ctx: Ctx, v: VcpuState, value: number): void {
  ctx.state.ioapic.ioregsel = value & 0xff;
  if (ctx.tracing) mmioTrace(ctx, v, 0x00, value);
}

/**
 * A guest MMIO write of IOWIN (offset 0x10): the 32-bit half of the RTE that IOREGSEL selects,
 * written on its own. KVM: ioapic.c ioapic_write_indirect() (R5.5); QEMU: ioapic_mem_write()
 * (R6), which refreshes the routes and services every pin after each half.
 */
export function ioapicWriteIowin(ctx: Ctx, v: VcpuState, value: number): void {
  const sel = ctx.state.ioapic.ioregsel;
  if (ctx.tracing) mmioTrace(ctx, v, 0x10, value);
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
  if (ctx.split) qemuIoapicRteWrite(ctx, pin, fields);
  else kvmIoapicWriteIndirect(ctx, pin, fields);
}

function mmioTrace(ctx: Ctx, v: VcpuState, addr: number, value: number): void {
  const sel = ctx.state.ioapic.ioregsel;
  const reg =
    addr === 0
      ? 'IOREGSEL'
      : sel >= 0x10
        ? `IOWIN: RTE ${(sel - 0x10) >> 1} ${sel & 1 ? 'high' : 'low'} dword`
        : 'IOWIN';
  const f = { addr, regsel: sel, value, reg };
  // x86.c write_mmio() traces every emulated MMIO write, whoever handles it.
  if (traced(ctx)) causedBy(ctx, emit(ctx, v.index, 'kvm_mmio', { gpa: IOAPIC_BASE + addr, value, reg }));
  if (traced(ctx))
    causedBy(
      ctx,
      ctx.split ? emit(ctx, v.index, 'ioapic_mem_write', f) : emit(ctx, v.index, 'ioapic_mmio_write', f),
    );
}

/** Fires the storm-limit deferred injection once virtual time reaches it (inclusive). */
export function ioapicFireDueTimers(ctx: Ctx): void {
  const at = ctx.state.ioapic.deferredAt;
  if (at >= 0 && ctx.state.time >= at) ioapicDeferredService(ctx);
}

function ioapicDeferredService(ctx: Ctx): void {
  const io = ctx.state.ioapic;
  io.deferredAt = -1;
  const prev = traced(ctx) ? causedBy(ctx, emit(ctx, -1, 'ioapic_deferred_service', {})) : ctx.cause;
  if (ctx.split) qemuIoapicService(ctx);
  else kvmIoapicEoiInjectWork(ctx);
  ctx.cause = prev;
}

/**
 * A guest write of the IOAPIC EOI register at 0x40 (R6, R8.1). Returns true if honoured: only
 * QEMU's IOAPIC at version 0x20 has the register (ioapic_mem_write() case IOAPIC_EOI); KVM's
 * in-kernel one ignores the offset.
 */
export function ioapicDirectedEoi(ctx: Ctx, v: VcpuState, value: number): boolean {
  const version = ioapicVersionOf(ctx.state.config);
  const vector = value <= 0xff ? value : undefined;
  if (!ctx.split || version !== 0x20) {
    if (traced(ctx)) emit(ctx, v.index, 'ioapic_eoi_ignored', { value, vector, split: ctx.split });
    return false;
  }
  countCpuVector(ctx, CTR['directed-eois'], v.index, vector ?? -1);
  const prev = traced(ctx)
    ? causedBy(ctx, emit(ctx, v.index, 'ioapic_directed_eoi', { value, vector }))
    : ctx.cause;
  if (vector !== undefined) qemuIoapicEoiBroadcast(ctx, vector);
  ctx.cause = prev;
  return true;
}
