/**
 * What VMX (Intel) adds to the LAPIC, as arch/x86/kvm/vmx/vmx.c and the CPU have it: the exit
 * of a TPR write below the TPR threshold (handle_tpr_below_threshold(); the threshold is armed by
 * x86.ts updateCr8Intercept, x86.c's update_cr8_intercept()), APICv's virtual-interrupt delivery
 * of what vmx_deliver_interrupt() posted, and EOI virtualization with its EOI-induced exit
 * (handle_apic_eoi_induced()) (R3.9, R11.1).
 */
import { bitmapClear, bitmapHighest, bitmapTest } from './bitmap.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { causedBy, countCpu, countCpuVector, emit, touch, traced } from './ctx.ts';
import { kvmApicAckInterrupt, kvmApicHasInterrupt, kvmMakeRequest } from './lapic.ts';
import { kvmApicSetEoiAccelerated } from './lapic-eoi.ts';
import type { VcpuState } from './state.ts';
import { REQ_EVENT } from './state.ts';
import { guestTakeInterrupt, vmExit } from './vcpu.ts';

/**
 * After a TPR write (lapic.ts apicSetTpr): with APICv TPR is virtualized without exits; without,
 * only a write below the threshold armed at the last entry that processed KVM_REQ_EVENT exits
 * (R11.1), whatever IF and the ISR say. KVM: vmx.c handle_tpr_below_threshold() raises
 * KVM_REQ_EVENT, so the entry re-evaluates PPR and injects.
 */
export function tprBelowThresholdExit(ctx: Ctx, v: VcpuState, value: number): void {
  if (v.apicvActive || value >> 4 >= v.tprThreshold) return;
  vmExit(ctx, v, 'TPR_BELOW_THRESHOLD', 'tpr-threshold', v.tprThreshold);
  kvmMakeRequest(ctx, v, REQ_EVENT, false);
}

/**
 * APICv's virtual-interrupt delivery to a vCPU running guest code with IF set (R11.1): the CPU
 * acks the highest deliverable IRR vector itself, no exit.
 */
export function apicvDeliver(ctx: Ctx, v: VcpuState): void {
  const vector = kvmApicHasInterrupt(v);
  if (vector === -1) return;
  kvmApicAckInterrupt(v, vector, true);
  guestTakeInterrupt(ctx, v, vector, bitmapTest(v.tmr, vector));
  if (traced(ctx)) ctx.guestCause[v.index] = emit(ctx, v.index, 'apicv_deliver', { vector });
}

/**
 * R11.1 EOI virtualization: the vector is SVI, the highest ISR vector, 0 when the ISR is empty;
 * the CPU clears it and updates PPR, and exits iff that vector's EOI-exit bit is set.
 */
export function virtualizedEoi(ctx: Ctx, v: VcpuState): void {
  const highest = bitmapHighest(v.isr);
  const vector = Math.max(highest, 0);
  if (highest !== -1) {
    bitmapClear(v.isr, vector);
    touch(ctx, v);
  } else {
    countCpu(ctx, CTR['empty-eois'], v.index);
  }
  const exits = bitmapTest(v.eoiExitBitmap, vector);
  if (traced(ctx)) causedBy(ctx, emit(ctx, v.index, 'apicv_eoi', { vector, empty: highest === -1, exits }));
  if (!exits) return;
  vmExit(ctx, v, 'EOI_INDUCED', 'eoi-induced', vector);
  countCpuVector(ctx, CTR['eoi-exits'], v.index, vector);
  kvmApicSetEoiAccelerated(ctx, v, vector);
}
