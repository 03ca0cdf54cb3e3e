/**
 * The vCPU's crossings between guest mode and KVM, whichever vendor: a VM exit (counted, the
 * kvm_exit tracepoint, then the PV EOI sync that x86.c vcpu_enter_guest() runs right after the
 * vendor's run returns, kvm_lapic_sync_from_vapic()), and an interrupt the guest takes through
 * an interrupt gate. x86.c's, kept apart from x86.ts only because TypeScript modules cannot be
 * cyclic: x86.ts calls vmx.ts and savic.ts, which exit and deliver too.
 */
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { countCpu, countCpuVector, emit, markGuestBusy, touch, traced } from './ctx.ts';
import type { ExitWhat } from './events.ts';
import { kvmLapicSyncFromVapic } from './lapic-eoi.ts';
import type { VcpuState } from './state.ts';
import { newFrame } from './state.ts';

/**
 * A VM exit on this vCPU: counted, then the PV EOI sync runs before the handler (R9.4), when
 * the vCPU has APIC attention (x86.c vcpu_enter_guest(): `if (vcpu->arch.apic_attention)`;
 * PV EOI pending is the only attention bit modelled). Throws HostCrash when the sync trips the
 * pre-fix assertion (R9.5).
 */
export function vmExit(ctx: Ctx, v: VcpuState, reason: string, what: ExitWhat, vector?: number): void {
  v.inGuest = false;
  v.kickPending = false;
  countCpu(ctx, CTR.exits, v.index);
  if (traced(ctx)) emitExit(ctx, v, reason, what, vector);
  touch(ctx, v);
  if (v.pvEoiPending) kvmLapicSyncFromVapic(ctx, v);
}

/** vmExit's event. */
function emitExit(ctx: Ctx, v: VcpuState, reason: string, what: ExitWhat, vector: number | undefined): void {
  const exit = emit(
    ctx,
    v.index,
    'kvm_exit',
    vector === undefined ? { reason, what } : { reason, what, vector },
  );
  // What KVM does for the exit (and the PV EOI sync before it) descends from the exit.
  ctx.cause = exit;
  ctx.vcpuCause[v.index] = exit;
}

/** The guest takes vector V: a handler frame remembers IF and clears it, as an interrupt gate does. */
export function guestTakeInterrupt(ctx: Ctx, v: VcpuState, vector: number, level: boolean): void {
  // A frame the guest's iret let go of is reused: taking an interrupt allocates nothing.
  const f =
    ctx.framePoolSize > 0 ? ctx.framePool[--ctx.framePoolSize] : newFrame(vector, false, false, null, 0);
  f.vector = vector;
  f.savedIf = v.rflagsIf;
  f.levelAtTake = level;
  f.script = null;
  f.pc = 0;
  v.frames.push(f);
  markGuestBusy(ctx, v);
  v.rflagsIf = false;
  countCpuVector(ctx, CTR.injections, v.index, vector);
}
