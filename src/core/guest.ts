/**
 * The guest: what `cpu C …` does (contract §3, guest side) and the automatic guest profiles
 * `linux` and `windows` (contract §5). Its register writes exit (vcpu.ts vmExit) and are then
 * handled where KVM handles them: lapic.ts (SPIV, TPR, xAPIC ID / LDR / DFR), lapic-eoi.ts
 * (EOI, the PV EOI MSR), vmx.ts (EOI virtualization, the TPR-threshold exit), savic.ts (Secure AVIC),
 * irqchip.ts (the IOAPIC's MMIO registers).
 */
import type { CpuOp, RteFields } from './actions.ts';
import { CTR } from './counters.ts';
import type { Ctx } from './ctx.ts';
import { apicid, causedBy, countCpu, countCpuVector, emit, touch, traced } from './ctx.ts';
import type { GpWhat } from './events.ts';
import { hex } from './hex.ts';
import { IOAPIC_BASE, lowestPin, rteLowDword } from './ioapic-common.ts';
import { ioapicDirectedEoi, ioapicSetLine, ioapicWriteIoregsel, ioapicWriteIowin } from './irqchip.ts';
import {
  apicSetSpiv,
  apicSetTpr,
  apicWriteMapRegister,
  guestHasInterrupt,
  LVR_DIRECTED_EOI,
  raiseEvent,
  SPIV_DIRECTED_EOI,
} from './lapic.ts';
import { apicSetEoi, kvmLapicSetPvEoi } from './lapic-eoi.ts';
import { savicGuestEoi, savicHandleEoiExit, savicSetTpr } from './savic.ts';
import type { DeferredTask, GuestOp, HandlerFrame, VcpuState } from './state.ts';
import { vmExit } from './vcpu.ts';
import { tprBelowThresholdExit, virtualizedEoi } from './vmx.ts';
import { settle, windowExitVector } from './x86.ts';

const writeExit = (v: VcpuState) => (v.x2apic ? 'MSR_WRITE' : 'APIC_ACCESS');

function gp(ctx: Ctx, v: VcpuState, what: GpWhat): void {
  if (traced(ctx)) emit(ctx, v.index, 'kvm_inj_exception', { what });
}

/** The guest's EOI routine: PV-EOI-aware (R9.2) and Secure-AVIC-aware (R10.3). */
function guestEoi(ctx: Ctx, v: VcpuState): void {
  if (v.savic) return savicGuestEoi(ctx, v);
  if (v.pvEoiByte === 1) return pvEoiElided(ctx, v);
  countCpu(ctx, CTR['eoi-writes'], v.index);
  if (v.apicvActive) return virtualizedEoi(ctx, v);
  vmExit(ctx, v, writeExit(v), 'eoi-write');
  const vector = apicSetEoi(ctx, v);
  countCpuVector(ctx, CTR['eoi-exits'], v.index, vector);
}

/** Linux kvm_guest_apic_eoi_write(): test-and-clear the byte; set means "EOI not required". */
function pvEoiElided(ctx: Ctx, v: VcpuState): void {
  v.pvEoiByte = 0;
  countCpu(ctx, CTR['pv-eoi-elided'], v.index);
  if (traced(ctx)) emit(ctx, v.index, 'pv_eoi_elided', {});
}

/** IF opened: without hardware delivery, a deliverable interrupt needs an interrupt-window exit. */
function ifOpened(ctx: Ctx, v: VcpuState, wasIf: boolean): void {
  touch(ctx, v);
  if (wasIf || !v.rflagsIf) return;
  const vector = windowExitVector(v);
  if (vector === -1) return;
  vmExit(ctx, v, 'PENDING_INTERRUPT', 'irq-window', vector);
  raiseEvent(ctx, v);
}

/** SPIV write: an exit, then lapic.ts apicSetSpiv (R2.3). */
function writeSpiv(ctx: Ctx, v: VcpuState, value: number): void {
  vmExit(ctx, v, writeExit(v), 'spiv-write');
  apicSetSpiv(ctx, v, value);
}

/** Writes of the xAPIC ID, LDR and DFR (R2.1); read-only in x2APIC mode (#GP). */
function writeMapRegister(ctx: Ctx, v: VcpuState, op: 'apic-id' | 'ldr' | 'dfr', value: number): void {
  vmExit(ctx, v, writeExit(v), `${op}-write`);
  if (v.x2apic) return gp(ctx, v, 'x2apic-readonly');
  apicWriteMapRegister(ctx, v, op, value);
}

/** MSR_KVM_PV_EOI_EN write: #GP unless KVM offers PV EOI (x86.c kvm_set_msr_common(), R9.1). */
function writePvEoiMsr(ctx: Ctx, v: VcpuState, on: boolean): void {
  vmExit(ctx, v, 'MSR_WRITE', 'pv-eoi-msr');
  if (!ctx.state.config.kvm.pvEoi || v.savic)
    return gp(ctx, v, v.savic ? 'pv-eoi-savic' : 'pv-eoi-not-offered');
  kvmLapicSetPvEoi(ctx, v, on);
}

function rdmsrEoi(ctx: Ctx, v: VcpuState): void {
  vmExit(ctx, v, 'MSR_READ', 'rdmsr-eoi');
  if (!v.savic) return gp(ctx, v, 'eoi-write-only');
  if (ctx.state.config.kvm.savicEoiWriteCheck) return gp(ctx, v, 'savic-read-checked');
  if (traced(ctx)) emit(ctx, v.index, 'savic_eoi_read_as_write', {});
  savicHandleEoiExit(ctx, v);
}

/** One guest action on vCPU C (contract §3). */
export function guestOp(ctx: Ctx, v: VcpuState, op: CpuOp): void {
  switch (op.op) {
    case 'eoi':
      return guestEoi(ctx, v);
    case 'iret':
      return guestIret(ctx, v);
    case 'sti': {
      const wasIf = v.rflagsIf;
      v.rflagsIf = true;
      if (traced(ctx)) causedBy(ctx, emit(ctx, v.index, 'guest_sti', {}));
      return ifOpened(ctx, v, wasIf);
    }
    case 'cli':
      v.rflagsIf = false;
      if (traced(ctx)) emit(ctx, v.index, 'guest_cli', {});
      return;
    case 'tpr':
      return writeTpr(ctx, v, op.value & 0xff);
    case 'apic-id':
    case 'ldr':
    case 'dfr':
      return writeMapRegister(ctx, v, op.op, op.value);
    case 'spiv':
      return writeSpiv(ctx, v, op.value);
    case 'seoib':
      return writeSpiv(ctx, v, op.on ? v.spiv | SPIV_DIRECTED_EOI : v.spiv & ~SPIV_DIRECTED_EOI);
    case 'ioapic-eoi':
      return guestIoapicEoi(ctx, v, op.value);
    case 'ioapic-rte':
      return guestWriteRte(ctx, v, op.pin, op.fields);
    case 'service':
      return guestService(ctx, v, op.pin);
    case 'pv-eoi':
      return writePvEoiMsr(ctx, v, op.on);
    case 'rdmsr-eoi':
      return rdmsrEoi(ctx, v);
    case 'exit':
      return vmExit(ctx, v, 'EXTERNAL_INTERRUPT', 'other');
  }
}

/** iret: the handler's frame is popped and IF restored; an interrupt may now need a window exit. */
function guestIret(ctx: Ctx, v: VcpuState): void {
  const f = v.frames.pop();
  if (!f) {
    if (traced(ctx)) emit(ctx, v.index, 'guest_iret', { vector: -1, if: v.rflagsIf });
    return;
  }
  const wasIf = v.rflagsIf;
  v.rflagsIf = f.savedIf;
  // An interrupt-window exit that the iret opens descends from it.
  if (traced(ctx)) emitIret(ctx, v, f.vector);
  ctx.framePool[ctx.framePoolSize++] = f; // nothing else holds a popped frame (clones copy them)
  ifOpened(ctx, v, wasIf);
}

function emitIret(ctx: Ctx, v: VcpuState, vector: number): void {
  causedBy(ctx, emit(ctx, v.index, 'guest_iret', { vector, if: v.rflagsIf }));
}

/** The device's line is serviced: the driver makes it drop. */
function guestService(ctx: Ctx, v: VcpuState, pin: number): void {
  const prev = traced(ctx) ? causedBy(ctx, emit(ctx, v.index, 'guest_service', { pin })) : ctx.cause;
  ioapicSetLine(ctx, pin, 0);
  ctx.cause = prev;
}

/** A write of the IOAPIC's EOI register (0x40): an MMIO exit, QEMU's trace of it in split. */
function guestIoapicEoi(ctx: Ctx, v: VcpuState, value: number): void {
  vmExit(ctx, v, 'EPT_MISCONFIG', 'ioapic-mmio');
  if (traced(ctx))
    causedBy(
      ctx,
      emit(ctx, v.index, 'kvm_mmio', {
        gpa: IOAPIC_BASE + 0x40,
        value: value >>> 0,
        reg: 'EOI register',
      }),
    );
  if (ctx.split) {
    // QEMU's IOAPIC: KVM_EXIT_MMIO, then QEMU traces the write of its EOI register (0x40).
    if (traced(ctx))
      causedBy(ctx, emit(ctx, v.index, 'kvm_userspace_exit', { mmio: `EOI register := ${hex(value)}` }));
    if (traced(ctx))
      causedBy(
        ctx,
        emit(ctx, v.index, 'ioapic_mem_write', {
          addr: 0x40,
          regsel: ctx.state.ioapic.ioregsel,
          value: value >>> 0,
          reg: 'EOI register (0x40)',
        }),
      );
  }
  ioapicDirectedEoi(ctx, v, value);
}

/**
 * The guest rewrites RTE PIN itself through IOREGSEL/IOWIN (R5.2, R5.5, R6) as Linux's
 * ioapic_write_entry() does: under ioapic_lock with interrupts off (raw_spin_lock_irqsave()),
 * the high dword first, then the low one. __ioapic_write_entry() writes the high word first
 * because the low word may unmask the entry, which must be fully populated by then. Each half
 * is an IOREGSEL write and an IOWIN write: four MMIO writes, four VM exits (EPT
 * misconfiguration; KVM_EXIT_MMIO to QEMU in split), and the vCPU runs again before the next.
 */
function guestWriteRte(ctx: Ctx, v: VcpuState, pin: number, fields: Partial<RteFields>): void {
  const next = { ...ctx.state.ioapic.rte[pin], ...fields };
  const halves: [number, number][] = [
    [0x11 + 2 * pin, (next.dest << 24) >>> 0],
    [0x10 + 2 * pin, rteLowDword(next)],
  ];
  const savedIf = v.rflagsIf;
  v.rflagsIf = false;
  const root = traced(ctx)
    ? emit(ctx, v.index, 'guest_ioapic_write_entry', { pin, high: halves[0][1], low: halves[1][1] })
    : -1;
  for (const [sel, value] of halves) {
    ctx.cause = root >= 0 ? root : ctx.cause;
    ioapicMmioWrite(ctx, v, `IOREGSEL := ${hex(sel)}`, () => ioapicWriteIoregsel(ctx, v, sel));
    ctx.cause = root >= 0 ? root : ctx.cause;
    ioapicMmioWrite(ctx, v, `IOWIN := ${hex(value)}`, () => ioapicWriteIowin(ctx, v, value));
  }
  if (root >= 0) ctx.cause = root;
  // raw_spin_unlock_irqrestore(): IF comes back; a pending interrupt then needs a window exit.
  v.rflagsIf = savedIf;
  if (savedIf) ifOpened(ctx, v, false);
}

/** One guest MMIO write to the IOAPIC page: a VM exit, the write, and KVM_RUN again. */
function ioapicMmioWrite(ctx: Ctx, v: VcpuState, what: string, write: () => void): void {
  vmExit(ctx, v, 'EPT_MISCONFIG', 'ioapic-mmio');
  if (ctx.split && traced(ctx)) causedBy(ctx, emit(ctx, v.index, 'kvm_userspace_exit', { mmio: what }));
  write();
  settle(ctx);
}

/** TPR write (R3.2); a TPR-threshold exit when it goes below the armed threshold (R11.1). */
function writeTpr(ctx: Ctx, v: VcpuState, value: number): void {
  touch(ctx, v);
  if (v.savic) return savicSetTpr(ctx, v, value);
  apicSetTpr(ctx, v, value);
  tprBelowThresholdExit(ctx, v, value);
}

// ---------------------------------------------------------------------------------------------
// Guest profiles (contract §5)

/** The pins of this vector whose line is high, from pin 0 up. */
function pinsToService(ctx: Ctx, vector: number): number[] {
  const pins: number[] = [];
  for (let p = ctx.vectorPins[vector] & ctx.state.ioapic.line; p !== 0; p &= p - 1) pins.push(lowestPin(p));
  return pins;
}

/**
 * The vCPU's guest will have nothing to do until it takes an interrupt: a manual guest, or a
 * booted one with no handler running and no deferred task queued.
 */
export function guestIdle(v: VcpuState): boolean {
  return v.profile === 'manual' || (v.booted && v.frames.length === 0 && v.tasks.length === 0);
}

/** Whether the vCPU's guest has a step to take now (decided at its turn in a `run` round). */
export function guestHasWork(_ctx: Ctx, v: VcpuState): boolean {
  if (v.profile === 'manual') return false;
  if (!v.booted) return true;
  if (v.frames.length) return true;
  return v.profile === 'windows' && v.tasks.length > 0 && guestHasInterrupt(v) === -1;
}

function bootOp(ctx: Ctx, v: VcpuState): GuestOp | null {
  if (v.profile === 'linux') return ctx.state.config.kvm.pvEoi && !v.savic ? { op: 'pv-eoi-on' } : null;
  return v.lvr & LVR_DIRECTED_EOI ? { op: 'seoib-on' } : null;
}

/** The script of a handler with no pin to service; shared, as scripts are never changed once fixed. */
const EOI_IRET: GuestOp[] = Object.freeze([{ op: 'eoi' }, { op: 'iret' }] as GuestOp[]) as GuestOp[];

function handlerScript(ctx: Ctx, v: VcpuState, vector: number, level: boolean): GuestOp[] {
  if (v.profile === 'windows' && level && v.spiv & SPIV_DIRECTED_EOI) {
    deferIoapicEoi(ctx, v, vector);
    return EOI_IRET;
  }
  return ctx.vectorPins[vector] & ctx.state.ioapic.line ? serviceScript(ctx, vector) : EOI_IRET;
}

/** Directed EOI: EOI the LAPIC now, EOI the IOAPIC later from a deferred task (R8.5). */
function deferIoapicEoi(ctx: Ctx, v: VcpuState, vector: number): void {
  if (hasUnstartedTask(v, vector)) return;
  v.tasks.push({ vector, script: null, pc: 0 });
  ctx.vectorSets[vector]++;
}

function serviceScript(ctx: Ctx, vector: number): GuestOp[] {
  return [
    ...pinsToService(ctx, vector).map((pin): GuestOp => ({ op: 'service', pin })),
    { op: 'eoi' },
    { op: 'iret' },
  ];
}

/** A deferred task for the vector is queued and has not started. */
function hasUnstartedTask(v: VcpuState, vector: number): boolean {
  const tasks = v.tasks;
  for (let i = 0; i < tasks.length; i++)
    if (tasks[i].vector === vector && tasks[i].script === null) return true;
  return false;
}

function runGuestOp(ctx: Ctx, v: VcpuState, op: GuestOp): void {
  switch (op.op) {
    case 'service':
      return guestService(ctx, v, op.pin);
    case 'eoi':
      return guestEoi(ctx, v);
    case 'iret':
      return guestIret(ctx, v);
    case 'ioapic-eoi':
      return guestOp(ctx, v, { op: 'ioapic-eoi', value: op.vector });
    case 'seoib-on':
      return guestOp(ctx, v, { op: 'seoib', on: true });
    case 'pv-eoi-on':
      return guestOp(ctx, v, { op: 'pv-eoi', on: true });
  }
}

/** One guest step of the vCPU's profile. */
export function guestStep(ctx: Ctx, v: VcpuState): void {
  if (!v.booted) return guestBoot(ctx, v);
  const f = v.frames[v.frames.length - 1];
  if (f) {
    const op = (f.script ?? startHandler(ctx, v, f))[f.pc++];
    if (op) runGuestOp(ctx, v, op);
    return;
  }
  const t = v.tasks[0];
  if (!t) return;
  const script = t.script ?? startTask(ctx, v, t);
  const op = script[t.pc++];
  if (t.pc >= script.length) v.tasks.shift();
  if (op) runGuestOp(ctx, v, op);
}

/** The boot step: the profile's one setup write, if it has one. */
function guestBoot(ctx: Ctx, v: VcpuState): void {
  v.booted = true;
  const op = bootOp(ctx, v);
  if (traced(ctx))
    causedBy(
      ctx,
      emit(ctx, v.index, 'guest_boot', {
        profile: v.profile,
        apicid: apicid(v),
        op: op ? (op.op as 'pv-eoi-on' | 'seoib-on') : null,
      }),
    );
  if (op) runGuestOp(ctx, v, op);
}

/** A handler's first step fixes its script. */
function startHandler(ctx: Ctx, v: VcpuState, f: HandlerFrame): GuestOp[] {
  const script = handlerScript(ctx, v, f.vector, f.levelAtTake);
  f.script = script;
  if (traced(ctx)) emitHandler(ctx, v, f.vector, script);
  return script;
}

function emitHandler(ctx: Ctx, v: VcpuState, vector: number, script: GuestOp[]): void {
  causedBy(
    ctx,
    (ctx.guestCause[v.index] = emit(ctx, v.index, 'guest_handler', {
      vector,
      profile: v.profile,
      script: script.map(opText).join(', '),
    })),
  );
}

/** A deferred task's first step fixes its script. */
function startTask(ctx: Ctx, v: VcpuState, t: DeferredTask): GuestOp[] {
  const script: GuestOp[] = [
    ...pinsToService(ctx, t.vector).map((pin): GuestOp => ({ op: 'service', pin })),
    { op: 'ioapic-eoi', vector: t.vector },
  ];
  t.script = script;
  if (traced(ctx))
    causedBy(
      ctx,
      (ctx.guestCause[v.index] = emit(ctx, v.index, 'guest_deferred_task', {
        vector: t.vector,
        script: script.map(opText).join(', '),
      })),
    );
  return script;
}

export function opText(op: GuestOp): string {
  switch (op.op) {
    case 'service':
      return `service ${op.pin}`;
    case 'ioapic-eoi':
      return `ioapic-eoi ${hex(op.vector)}`;
    default:
      return op.op;
  }
}
