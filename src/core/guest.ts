/**
 * The guest CPU: what `cpu C …` does (contract §3, guest side) and the automatic guest
 * profiles `linux` and `windows` (contract §5).
 */
import type { CpuOp } from './actions.ts';
import { bitmapClear, bitmapHighest, bitmapTest } from './bitmap.ts';
import type { Ctx } from './ctx.ts';
import { apicid, apicvActive, count, emit, touch } from './ctx.ts';
import { hex } from './hex.ts';
import { ioapicDirectedEoi, ioapicSetLine } from './ioapic.ts';
import { apicSetEoi, kvmApicSetEoiAccelerated, needsWindowExit, savicHandleEoiExit, vmExit } from './kvm.ts';
import {
  guestHasInterrupt,
  kvmApicHasInterrupt,
  kvmMakeRequest,
  LVR_DIRECTED_EOI,
  raiseEvent,
  SPIV_APIC_ENABLED,
  SPIV_DIRECTED_EOI,
} from './lapic.ts';
import type { GuestOp, VcpuState } from './state.ts';
import { REQ_SCAN_IOAPIC } from './state.ts';

const writeExit = (v: VcpuState) => (v.x2apic ? 'MSR_WRITE' : 'APIC_ACCESS');

/** The APIC map changed: every vCPU gets KVM_REQ_SCAN_IOAPIC (KVM: kvm_recalculate_apic_map(), R7.8). */
function apicMapChanged(m: Ctx, why: string): void {
  for (const v of m.s.cpus) kvmMakeRequest(m, v, REQ_SCAN_IOAPIC, true);
  if (m.tracing) emit(m, -1, 'kvm_recalculate_apic_map', 'KVM_REQ_SCAN_IOAPIC on every vCPU', why);
}

function gp(m: Ctx, v: VcpuState, why: string): void {
  if (m.tracing) emit(m, v.index, 'kvm_inj_exception', '#GP (0x0)', why);
}

/** The guest's EOI routine: PV-EOI-aware (R9.2) and Secure-AVIC-aware (R10.3). */
function guestEoi(m: Ctx, v: VcpuState): void {
  if (v.savic) return savicGuestEoi(m, v);
  if (v.pvEoiByte === 1) {
    // Linux kvm_guest_apic_eoi_write(): test-and-clear the byte; set means "EOI not required".
    v.pvEoiByte = 0;
    count(m, 'pv-eoi-elided', v.index);
    if (m.tracing)
      emit(
        m,
        v.index,
        'pv_eoi_elided',
        `vcpu ${v.index}`,
        'R9.2: the PV EOI byte was 1: the guest clears it and skips the EOI write (no exit); KVM applies the EOI at the next exit',
      );
    return;
  }
  count(m, 'eoi-writes', v.index);
  if (apicvActive(m)) {
    // R3.9: the CPU clears the ISR bit and updates PPR itself; it exits only for EOI-exit-bitmap vectors.
    const vector = bitmapHighest(v.isr);
    if (vector === -1) {
      if (m.tracing)
        emit(
          m,
          v.index,
          'apicv_eoi',
          'ISR empty',
          'R3.9: virtualized EOI with an empty ISR: nothing happens, no exit',
        );
      return;
    }
    bitmapClear(v.isr, vector);
    touch(m, v);
    if (!bitmapTest(v.eoiExitBitmap, vector)) {
      if (m.tracing)
        emit(
          m,
          v.index,
          'apicv_eoi',
          `vec ${vector}`,
          `R3.9: virtualized EOI of ${hex(vector)}: not in the EOI-exit bitmap, so no VM exit`,
          { vector },
        );
      return;
    }
    vmExit(
      m,
      v,
      'EOI_INDUCED',
      () => `R3.9 / R7.2: ${hex(vector)} is in the EOI-exit bitmap: trap-like EOI exit`,
    );
    count(m, 'eoi-exits', v.index, vector);
    kvmApicSetEoiAccelerated(m, v, vector);
    return;
  }
  vmExit(m, v, writeExit(v), 'R3.8: without APICv every EOI write traps to KVM');
  const vector = apicSetEoi(m, v);
  count(m, 'eoi-exits', v.index, vector);
}

/** Linux x2apic_savic.c savic_eoi() [proposal] (R10.3). */
function savicGuestEoi(m: Ctx, v: VcpuState): void {
  const g = v.savic!;
  const vector = bitmapHighest(g.isr);
  if (vector === -1) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'savic_eoi_warn',
        'EOI write while no active interrupt in APIC_ISR',
        'R10.3: the guest finds no in-service vector and writes nothing',
      );
    return;
  }
  bitmapClear(g.isr, vector);
  touch(m, v);
  count(m, 'eoi-writes', v.index);
  if (!bitmapTest(g.tmr, vector)) {
    if (m.tracing)
      emit(
        m,
        v.index,
        'savic_eoi',
        `vec ${vector} accelerated`,
        `R10.3: ${hex(vector)} is edge (guest TMR 0): hardware-accelerated EOI, invisible to KVM`,
        { vector },
      );
    return;
  }
  if (m.tracing)
    emit(
      m,
      v.index,
      'savic_eoi',
      `vec ${vector} level`,
      `R10.3: ${hex(vector)} is level (guest TMR 1): the guest clears its ISR and writes APIC_EOI through the GHCB MSR protocol`,
      { vector },
    );
  vmExit(m, v, 'VMGEXIT', 'R10.3: GHCB MSR-protocol write of APIC_EOI');
  savicHandleEoiExit(m, v);
}

/** IF opened: without hardware delivery, a deliverable interrupt needs an interrupt-window exit. */
function ifOpened(m: Ctx, v: VcpuState, wasIf: boolean): void {
  touch(m, v);
  if (wasIf || !v.rflagsIf || !needsWindowExit(m, v)) return;
  vmExit(
    m,
    v,
    'PENDING_INTERRUPT',
    () => `R3.5: IF opened while ${hex(kvmApicHasInterrupt(v))} is deliverable: interrupt-window exit`,
  );
  raiseEvent(m, v);
}

/** SPIV write (KVM: kvm_lapic_reg_write() case APIC_SPIV, apic_set_spiv(); R2.3). */
function writeSpiv(m: Ctx, v: VcpuState, value: number): void {
  vmExit(m, v, writeExit(v), 'SPIV write');
  const mask = 0x3ff | (v.lvr & LVR_DIRECTED_EOI ? SPIV_DIRECTED_EOI : 0);
  const old = v.spiv;
  v.spiv = (value & mask) >>> 0;
  if (m.tracing) {
    const dropped = value & SPIV_DIRECTED_EOI && !(mask & SPIV_DIRECTED_EOI);
    emit(
      m,
      v.index,
      'apic_write_spiv',
      `vcpu ${v.index} spiv ${hex(v.spiv)}`,
      `R2.3: SPIV := ${hex(value)} & ${hex(mask)}${dropped ? ' (bit 12 dropped: LVR[24] is 0, SEOIB not advertised)' : ''}`,
    );
  }
  if ((old ^ v.spiv) & SPIV_APIC_ENABLED)
    apicMapChanged(m, 'R2.3 / R7.8: SPIV bit 8 toggled: APIC map recalculated');
}

/** Writes of the xAPIC ID, LDR and DFR (R2.1); read-only in x2APIC mode (#GP). */
function writeMapRegister(m: Ctx, v: VcpuState, op: 'apic-id' | 'ldr' | 'dfr', value: number): void {
  vmExit(m, v, writeExit(v), () => `${op} write`);
  if (v.x2apic)
    return gp(
      m,
      v,
      `R2.1: in x2APIC mode the ${op === 'apic-id' ? 'ID' : op.toUpperCase()} register is read-only: #GP`,
    );
  if (op === 'apic-id') {
    v.idReg = (value >>> 24) << 24;
    if (v.idReg >>> 24 !== (v.index & 0xff) && m.s.config.apicv && !m.s.vm.apicvInhibited) {
      m.s.vm.apicvInhibited = true;
      // KVM: kvm_apic_update_apicv() on every vCPU: the ISR cache starts over.
      for (const w of m.s.cpus) w.highestIsrCache = -1;
      if (m.tracing)
        emit(
          m,
          -1,
          'apicv_inhibit',
          'APICV_INHIBIT_REASON_APIC_ID_MODIFIED',
          'R11.1: an xAPIC ID differs from the vCPU id: APICv is inhibited for the rest of the run',
        );
    }
  } else if (op === 'ldr') {
    v.ldr = (value & 0xff000000) >>> 0;
  } else {
    v.dfr = (value | 0x0fffffff) >>> 0;
  }
  if (m.tracing)
    emit(
      m,
      v.index,
      `apic_write_${op.replace('-', '_')}`,
      `vcpu ${v.index} ${op} ${hex(op === 'apic-id' ? v.idReg : op === 'ldr' ? v.ldr : v.dfr)}`,
      'R2.1: register written',
    );
  apicMapChanged(m, `R7.8: ${op} write: APIC map recalculated`);
}

/** MSR_KVM_PV_EOI_EN write (KVM: kvm_lapic_set_pv_eoi(), R9.1). */
function writePvEoiMsr(m: Ctx, v: VcpuState, on: boolean): void {
  vmExit(m, v, 'MSR_WRITE', 'MSR_KVM_PV_EOI_EN write');
  if (!m.s.config.kvm.pvEoi || v.savic)
    return gp(
      m,
      v,
      v.savic
        ? 'R10.1: PV EOI is never offered to a Secure AVIC guest: #GP'
        : 'R9: KVM does not offer PV EOI (kvm pv-eoi=off): #GP',
    );
  v.pvEoiEnabled = on;
  if (on) v.pvEoiByte = 0;
  if (m.tracing)
    emit(
      m,
      v.index,
      'pv_eoi_msr',
      `vcpu ${v.index} ${on ? 'enable' : 'disable'}`,
      on
        ? 'R9.1: PV EOI enabled (the guest zeroed its byte first)'
        : 'R9.1: PV EOI disabled; only the MSR value is stored (KVM_APIC_PV_EOI_PENDING is not cleared)',
    );
}

function rdmsrEoi(m: Ctx, v: VcpuState): void {
  vmExit(m, v, 'MSR_READ', 'RDMSR of the x2APIC EOI MSR');
  if (!v.savic) return gp(m, v, 'R2.1: the EOI register is write-only: #GP');
  if (m.s.config.kvm.savicEoiWriteCheck)
    return gp(m, v, 'R10.4 a: the exit handler checks the direction: a read is not an EOI; #GP');
  if (m.tracing)
    emit(
      m,
      v.index,
      'savic_eoi_read_as_write',
      `vcpu ${v.index}`,
      'R10.4 a (check off): the RFC handler does not look at the direction: the read is handled as an EOI',
    );
  savicHandleEoiExit(m, v);
}

/** One guest action on vCPU C (contract §3). */
export function guestOp(m: Ctx, v: VcpuState, op: CpuOp): void {
  switch (op.op) {
    case 'eoi':
      return guestEoi(m, v);
    case 'iret': {
      const f = v.frames.pop();
      if (!f) {
        if (m.tracing)
          emit(m, v.index, 'guest_iret', 'no handler', 'iret with no handler running: nothing happens');
        return;
      }
      const wasIf = v.rflagsIf;
      v.rflagsIf = f.savedIf;
      if (m.tracing)
        emit(
          m,
          v.index,
          'guest_iret',
          `vec ${f.vector} if ${v.rflagsIf ? 1 : 0}`,
          `the handler of ${hex(f.vector)} returns; IF restored to ${v.rflagsIf ? 1 : 0}`,
          { vector: f.vector },
        );
      return ifOpened(m, v, wasIf);
    }
    case 'sti': {
      const wasIf = v.rflagsIf;
      v.rflagsIf = true;
      if (m.tracing) emit(m, v.index, 'guest_sti', 'if 1', 'STI: interrupts enabled');
      return ifOpened(m, v, wasIf);
    }
    case 'cli':
      v.rflagsIf = false;
      if (m.tracing) emit(m, v.index, 'guest_cli', 'if 0', 'CLI: interrupts blocked (no exit)');
      return;
    case 'tpr':
      return writeTpr(m, v, op.value & 0xff);
    case 'apic-id':
    case 'ldr':
    case 'dfr':
      return writeMapRegister(m, v, op.op, op.value);
    case 'spiv':
      return writeSpiv(m, v, op.value);
    case 'seoib':
      return writeSpiv(m, v, op.on ? v.spiv | SPIV_DIRECTED_EOI : v.spiv & ~SPIV_DIRECTED_EOI);
    case 'ioapic-eoi':
      vmExit(m, v, 'EPT_MISCONFIG', 'MMIO write to the IOAPIC page');
      ioapicDirectedEoi(m, v, op.value);
      return;
    case 'service':
      if (m.tracing)
        emit(
          m,
          v.index,
          'guest_service',
          `pin ${op.pin}`,
          `the handler services the device on pin ${op.pin}: its line drops`,
          { pin: op.pin },
        );
      return ioapicSetLine(m, op.pin, 0);
    case 'pv-eoi':
      return writePvEoiMsr(m, v, op.on);
    case 'rdmsr-eoi':
      return rdmsrEoi(m, v);
    case 'exit':
      return vmExit(m, v, 'EXTERNAL_INTERRUPT', 'some other VM exit and re-entry');
  }
}

/** TPR write (R3.2); a TPR-threshold exit when it makes an interrupt deliverable, whatever IF is. */
function writeTpr(m: Ctx, v: VcpuState, value: number): void {
  touch(m, v);
  if (v.savic) {
    v.savic.tpr = value;
    if (m.tracing)
      emit(
        m,
        v.index,
        'guest_tpr',
        `tpr ${hex(value)}`,
        'R10.1: Secure AVIC accelerates TPR writes: no exit, KVM does not see the value',
      );
    return;
  }
  const before = kvmApicHasInterrupt(v) !== -1;
  v.tpr = value;
  if (m.tracing) emit(m, v.index, 'guest_tpr', `tpr ${hex(value)}`, 'R3.2: TPR written; PPR recomputed');
  if (apicvActive(m) || before || kvmApicHasInterrupt(v) === -1) return;
  vmExit(
    m,
    v,
    'TPR_BELOW_THRESHOLD',
    () => `R3.2: TPR lowered below the pending ${hex(kvmApicHasInterrupt(v))}'s class: TPR-threshold exit`,
  );
  raiseEvent(m, v); // apic_update_ppr(): PPR dropped and an interrupt is deliverable
}

// ---------------------------------------------------------------------------------------------
// Guest profiles (contract §5)

function pinsToService(m: Ctx, vector: number): number[] {
  const { rte, line } = m.s.ioapic;
  const pins: number[] = [];
  for (let pin = 0; pin < rte.length; pin++)
    if (rte[pin].vector === vector && line & (1 << pin)) pins.push(pin);
  return pins;
}

/** Whether the vCPU's guest has a step to take now (decided at its turn in a `run` round). */
export function guestHasWork(_m: Ctx, v: VcpuState): boolean {
  if (v.profile === 'manual') return false;
  if (!v.booted) return true;
  if (v.frames.length) return true;
  return v.profile === 'windows' && v.tasks.length > 0 && guestHasInterrupt(v) === -1;
}

function bootOp(m: Ctx, v: VcpuState): GuestOp | null {
  if (v.profile === 'linux') return m.s.config.kvm.pvEoi && !v.savic ? { op: 'pv-eoi-on' } : null;
  return v.lvr & LVR_DIRECTED_EOI ? { op: 'seoib-on' } : null;
}

function handlerScript(m: Ctx, v: VcpuState, vector: number, level: boolean): GuestOp[] {
  if (v.profile === 'windows' && level && v.spiv & SPIV_DIRECTED_EOI) {
    // Directed EOI: EOI the LAPIC now, EOI the IOAPIC later from a deferred task (R8.5).
    if (!v.tasks.some((t) => t.vector === vector && t.script === null))
      v.tasks.push({ vector, script: null, pc: 0 });
    return [{ op: 'eoi' }, { op: 'iret' }];
  }
  return [
    ...pinsToService(m, vector).map((pin): GuestOp => ({ op: 'service', pin })),
    { op: 'eoi' },
    { op: 'iret' },
  ];
}

function runGuestOp(m: Ctx, v: VcpuState, op: GuestOp): void {
  switch (op.op) {
    case 'service':
    case 'eoi':
    case 'iret':
      return guestOp(m, v, op);
    case 'ioapic-eoi':
      return guestOp(m, v, { op: 'ioapic-eoi', value: op.vector });
    case 'seoib-on':
      return guestOp(m, v, { op: 'seoib', on: true });
    case 'pv-eoi-on':
      return guestOp(m, v, { op: 'pv-eoi', on: true });
  }
}

/** One guest step of the vCPU's profile. */
export function guestStep(m: Ctx, v: VcpuState): void {
  if (!v.booted) {
    v.booted = true;
    const op = bootOp(m, v);
    if (m.tracing)
      emit(
        m,
        v.index,
        'guest_boot',
        `${v.profile} apicid ${apicid(v).toString(16)}`,
        op
          ? `§5: ${v.profile} boot step: ${op.op === 'pv-eoi-on' ? 'enable PV EOI (KVM offers it)' : 'set SPIV bit 12 (LVR[24] is set; the IOAPIC version is not checked, R8.5)'}`
          : `§5: ${v.profile} boot step: nothing to set up`,
      );
    if (op) runGuestOp(m, v, op);
    return;
  }
  const f = v.frames[v.frames.length - 1];
  if (f) {
    if (!f.script) {
      f.script = handlerScript(m, v, f.vector, f.levelAtTake);
      if (m.tracing)
        emit(
          m,
          v.index,
          'guest_handler',
          `vec ${f.vector} script ${f.script.map(opText).join(', ')}`,
          `§5: ${v.profile} handler for ${hex(f.vector)}, fixed at its first step`,
          { vector: f.vector },
        );
    }
    const op = f.script[f.pc++];
    if (op) runGuestOp(m, v, op);
    return;
  }
  const t = v.tasks[0];
  if (!t) return;
  if (!t.script) {
    t.script = [
      ...pinsToService(m, t.vector).map((pin): GuestOp => ({ op: 'service', pin })),
      { op: 'ioapic-eoi', vector: t.vector },
    ];
    if (m.tracing)
      emit(
        m,
        v.index,
        'guest_deferred_task',
        `vec ${t.vector} script ${t.script.map(opText).join(', ')}`,
        '§5: windows deferred task: service the device, then EOI the IOAPIC (directed EOI)',
        { vector: t.vector },
      );
  }
  const op = t.script[t.pc++];
  if (t.pc >= t.script.length) v.tasks.shift();
  if (op) runGuestOp(m, v, op);
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
