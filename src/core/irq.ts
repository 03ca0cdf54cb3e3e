/**
 * KVM's GSI routing to the APICs, as arch/x86/kvm/irq.c has it (irq_comm.c in older kernels):
 * kvm_set_msi() with kvm_set_msi_irq()'s decoding, the MSI route a GSI takes under `irqchip
 * split` (virt/kvm/irqchip.c kvm_set_irq()), kvm_arch_irq_routing_update(), and the scan of
 * IOAPIC vectors per vCPU: kvm_scan_ioapic_irq() and, under split, kvm_scan_ioapic_routes()
 * (R4.9, R7.5, R7.6, R7.8). The in-kernel IOAPIC's own scan is ioapic.ts kvmIoapicScanEntry.
 */

import { bitmapSet } from './bitmap.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, emit, traced } from './ctx.ts';
import { kvmApicMatchDest, kvmIrqDeliveryToApic, scratchIrq } from './delivery.ts';
import { kvmApicPendingEoi, kvmMakeRequest } from './lapic.ts';
import type { MsiRoute, VcpuState } from './state.ts';
import { REQ_SCAN_IOAPIC } from './state.ts';

/** KVM: irq.c kvm_scan_ioapic_irq() (R7.5). */
export function kvmScanIoapicIrq(
  ctx: Ctx,
  v: VcpuState,
  dest: number,
  destMode: 0 | 1,
  vector: number,
): void {
  if (kvmApicMatchDest(ctx, v, null, 0, dest, destMode)) {
    bitmapSet(v.ioapicHandledVectors, vector);
  } else if (kvmApicPendingEoi(v, vector)) {
    // The vCPU is no longer a target but still owes the EOI of an in-flight IRQ: intercept it.
    bitmapSet(v.ioapicHandledVectors, vector);
    if (ctx.state.config.kvm.staleEoiRescan && vector > v.highestStalePendingIoapicEoi)
      v.highestStalePendingIoapicEoi = vector;
  }
}

/** KVM: irq.c kvm_scan_ioapic_routes() (R7.6): only MSI routes with trigger=level among the reserved IOAPIC GSIs count. */
export function kvmScanIoapicRoutes(ctx: Ctx, v: VcpuState): void {
  for (const route of ctx.state.vm.routes) {
    if (route?.trigger === 1) kvmScanIoapicIrq(ctx, v, route.dest, route.destMode, route.vector);
  }
}

/** KVM: irq.c kvm_arch_irq_routing_update(), after KVM_SET_GSI_ROUTING: every vCPU rescans (R7.8). */
export function kvmArchIrqRoutingUpdate(ctx: Ctx): void {
  for (const v of ctx.state.cpus) kvmMakeRequest(ctx, v, REQ_SCAN_IOAPIC, true);
}

/** QEMU: kvm_set_irq(gsi, 1) → KVM: kvm_set_irq() → kvm_set_msi() through the GSI's MSI route. */
export function kvmSetIrqGsi(ctx: Ctx, gsi: number): void {
  const route = ctx.state.vm.routes[gsi];
  const prev = traced(ctx) ? emitSetIrqGsi(ctx, gsi, route !== null) : ctx.cause;
  if (route) kvmSetMsi(ctx, route);
  ctx.cause = prev;
}

function emitSetIrqGsi(ctx: Ctx, gsi: number, routed: boolean): number {
  return causedBy(ctx, emit(ctx, -1, 'kvm_set_irq', { pin: gsi, level: 1, routed }));
}

/**
 * KVM: irq.c kvm_set_msi() with kvm_set_msi_irq() decoding (R4.9): dest = address[19:12], plus
 * address_hi[31:8] << 8 only with KVM_X2APIC_API_USE_32BIT_IDS; without it a dest above 0xff
 * keeps its low 8 bits.
 */
export function kvmSetMsi(ctx: Ctx, msg: MsiRoute): number {
  const dest = ctx.x2apicFormat ? msg.dest : msg.dest & 0xff;
  const prev = traced(ctx) ? emitMsiSetIrq(ctx, msg, dest) : ctx.cause;
  const r = kvmIrqDeliveryToApic(
    ctx,
    null,
    scratchIrq(ctx, msg.vector, msg.deliveryMode, msg.destMode, msg.trigger, dest),
  );
  ctx.cause = prev;
  return r;
}

/** kvm_set_msi's event, with the MSI address as KVM prints it. */
function emitMsiSetIrq(ctx: Ctx, msg: MsiRoute, dest: number): number {
  const format = ctx.x2apicFormat;
  const address = (0xfee00000 + ((msg.dest & 0xff) << 12) + msg.destMode * 4) >>> 0;
  // KVM prints the 64-bit address only with 32-bit IDs: dest[31:8] sits in address_hi[31:8].
  const hi = format ? (msg.dest >>> 8) << 8 : 0;
  const addr = hi ? `${hi.toString(16)}${address.toString(16).padStart(8, '0')}` : address.toString(16);
  return causedBy(
    ctx,
    emit(ctx, -1, 'kvm_msi_set_irq', {
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
