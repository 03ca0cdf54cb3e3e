/**
 * Secure AVIC [proposal] (R10), AMD SEV-SNP's guest-owned APIC: KVM's side as the RFC's
 * arch/x86/kvm/svm/sev.c has it (sev_savic_set_requested_irr() at entry, the shadow ISR and the
 * EOI exit, savic_handle_msr_exit()), the guest APIC's own delivery and TPR, and the guest's EOI
 * routine as Linux's arch/x86/kernel/apic/x2apic_savic.c savic_eoi() has it.
 */
import { bitmapClear, bitmapHighest, bitmapSet, bitmapTest } from './bitmap.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { countCpu, countCpuVector, emit, touch, traced } from './ctx.ts';
import { guestHasInterrupt } from './lapic.ts';
import { kvmApicSetEoiAccelerated } from './lapic-eoi.ts';
import type { VcpuState } from './state.ts';
import { guestTakeInterrupt, vmExit } from './vcpu.ts';

/** KVM: svm/sev.c sev_savic_set_requested_irr() [proposal] (R10.2). */
export function savicSetRequestedIrr(ctx: Ctx, v: VcpuState): void {
  const savic = v.savic!;
  let any = false;
  const moved: number[] | null = ctx.recording ? [] : null; // for the trace only
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
  if (any && traced(ctx) && moved)
    ctx.vcpuCause[v.index] = emit(ctx, v.index, 'savic_requested_irr', {
      vectors: moved.sort((a, b) => a - b),
    });
}

/** The guest's own APIC delivers to a vCPU running guest code with IF set, no exit (R10). */
export function savicDeliver(ctx: Ctx, v: VcpuState): void {
  const savic = v.savic!;
  const vector = guestHasInterrupt(v);
  if (vector === -1) return;
  bitmapClear(savic.irr, vector);
  bitmapSet(savic.isr, vector);
  guestTakeInterrupt(ctx, v, vector, bitmapTest(savic.tmr, vector));
  if (traced(ctx)) ctx.guestCause[v.index] = emit(ctx, v.index, 'savic_deliver', { vector });
}

/** A TPR write under Secure AVIC: the guest's own TPR, no exit (R10.1). */
export function savicSetTpr(ctx: Ctx, v: VcpuState, value: number): void {
  v.savic!.tpr = value;
  if (traced(ctx)) emit(ctx, v.index, 'guest_tpr', { value, savic: true });
}

/** Linux x2apic_savic.c savic_eoi() [proposal] (R10.3). */
export function savicGuestEoi(ctx: Ctx, v: VcpuState): void {
  const g = v.savic!;
  const vector = bitmapHighest(g.isr);
  if (vector === -1) {
    countCpu(ctx, CTR['empty-eois'], v.index);
    if (traced(ctx)) emit(ctx, v.index, 'savic_eoi_warn', {});
    return;
  }
  bitmapClear(g.isr, vector);
  touch(ctx, v);
  countCpu(ctx, CTR['eoi-writes'], v.index);
  const level = bitmapTest(g.tmr, vector);
  if (traced(ctx)) emit(ctx, v.index, 'savic_eoi', { vector, level });
  if (!level) return;
  vmExit(ctx, v, 'VMGEXIT', 'savic-eoi');
  savicHandleEoiExit(ctx, v);
}

/** Secure AVIC EOI exit: EOI the highest shadow-ISR vector (KVM RFC savic_handle_msr_exit(), R10.4). */
export function savicHandleEoiExit(ctx: Ctx, v: VcpuState): void {
  const vector = bitmapHighest(v.isr);
  countCpuVector(ctx, CTR['eoi-exits'], v.index, vector);
  if (vector === -1) {
    countCpu(ctx, CTR['empty-eois'], v.index);
    if (traced(ctx)) emit(ctx, v.index, 'savic_eoi_empty', {});
    return;
  }
  bitmapClear(v.isr, vector);
  kvmApicSetEoiAccelerated(ctx, v, vector, true);
}
