/** The execution context every core function works on: state, trace sink, counters. */
import type { CounterName } from './counters.ts';
import { countersAdd } from './counters.ts';
import type { TraceEvent } from './events.ts';
import type { MachineState, VcpuState } from './state.ts';

export interface Ctx {
  s: MachineState;
  /** When false no event is built (replay and benchmarks run this way). */
  tracing: boolean;
  events: TraceEvent[];
  /** At most this many events are kept per step (a storm run makes millions); the rest are counted. */
  maxEvents: number;
  droppedEvents: number;
  /** vCPUs that may have something to do before the machine is quiescent (kvm.ts settle). */
  attn: Uint8Array;
}

/** Thrown by a VM exit whose PV EOI sync trips the pre-fix host assertion (R9.5). */
export class HostCrash extends Error {
  constructor(readonly cpu: number) {
    super(`host assertion on vCPU ${cpu}`);
  }
}

export function emit(
  m: Ctx,
  cpu: number,
  type: string,
  text: string,
  why: string,
  extra?: { vector?: number; pin?: number },
): void {
  if (m.events.length >= m.maxEvents) {
    m.droppedEvents++;
    return;
  }
  m.events.push({ type, time: m.s.time, cpu, text, why, ...extra });
}

/** Counts one occurrence; -1 leaves a filter value out. */
export function count(m: Ctx, name: CounterName, cpu = -1, vector = -1, pin = -1): void {
  countersAdd(m.s.counters, name, cpu, vector, pin);
}

/** Marks a vCPU for the settle loop: it may need an entry, an exit or a delivery. */
export function touch(m: Ctx, v: VcpuState): void {
  m.attn[v.index] = 1;
}

export function apicid(v: VcpuState): number {
  return v.x2apic ? v.index : v.idReg >>> 24;
}

/**
 * APICv activated for the VM: no inhibit recorded (DISABLED stands for `apicv off`); never with
 * Secure AVIC. Each vCPU follows at its next entry (VcpuState.apicvActive). KVM: x86.c
 * kvm_apicv_activated().
 */
export function kvmApicvActivated(m: Ctx): boolean {
  return m.s.vm.apicvInhibits === 0 && !m.s.config.secureAvic;
}
