/**
 * Read-only views of a machine state: what `expect` checks (contract §7), what the command
 * line prints as JSON, and what the UI draws. Under Secure AVIC, irr/isr/tmr/tpr/ppr are the
 * guest's own registers and shadow-isr is KVM's ISR (contract §6).
 */
import { APICV_INHIBIT_REASON_DISABLED, apicMapSummary, inhibitNames } from './apicmap.ts';
import { bitmapVectors } from './bitmap.ts';
import { broadcastQuirkDisabled, ioapicVersionOf, x2apicFormat } from './config.ts';
import { countersTotals } from './counters.ts';
import { guestPpr, ppr, SPIV_APIC_ENABLED, SPIV_DIRECTED_EOI, SPIV_FOCUS } from './lapic.ts';
import type { MachineState, VcpuState } from './state.ts';
import { REQUEST_NAMES } from './state.ts';

export type CpuSetReg = 'irr' | 'isr' | 'tmr' | 'handled' | 'shadow-isr';
export type CpuValueReg = 'ppr' | 'tpr' | 'spiv' | 'lvr' | 'if' | 'stale' | 'pv-eoi-pending';
export type IoapicField = 'remote-irr' | 'irr' | 'line' | 'mask' | 'vector' | 'trigger' | 'dest';

export const CPU_SET_REGS: readonly CpuSetReg[] = ['irr', 'isr', 'tmr', 'handled', 'shadow-isr'];
export const CPU_VALUE_REGS: readonly CpuValueReg[] = [
  'ppr',
  'tpr',
  'spiv',
  'lvr',
  'if',
  'stale',
  'pv-eoi-pending',
];
export const IOAPIC_FIELDS: readonly IoapicField[] = [
  'remote-irr',
  'irr',
  'line',
  'mask',
  'vector',
  'trigger',
  'dest',
];

export function cpuSet(v: VcpuState, reg: CpuSetReg): number[] {
  switch (reg) {
    case 'irr':
      return bitmapVectors(v.savic ? v.savic.irr : v.irr);
    case 'isr':
      return bitmapVectors(v.savic ? v.savic.isr : v.isr);
    case 'tmr':
      return bitmapVectors(v.savic ? v.savic.tmr : v.tmr);
    case 'handled':
      return bitmapVectors(v.ioapicHandledVectors);
    case 'shadow-isr':
      return v.savic ? bitmapVectors(v.isr) : [];
  }
}

export function cpuValue(v: VcpuState, reg: CpuValueReg): number {
  switch (reg) {
    case 'ppr':
      return guestPpr(v);
    case 'tpr':
      return v.savic ? v.savic.tpr : v.tpr;
    case 'spiv':
      return v.spiv;
    case 'lvr':
      return v.lvr;
    case 'if':
      return v.rflagsIf ? 1 : 0;
    case 'stale':
      return v.highestStalePendingIoapicEoi;
    case 'pv-eoi-pending':
      return v.pvEoiPending ? 1 : 0;
  }
}

export function ioapicField(s: MachineState, pin: number, field: IoapicField): number {
  const io = s.ioapic;
  const e = io.rte[pin];
  switch (field) {
    case 'remote-irr':
      return e.remoteIrr;
    case 'irr':
      return (io.irr >>> pin) & 1;
    case 'line':
      return (io.line >>> pin) & 1;
    case 'mask':
      return e.mask;
    case 'vector':
      return e.vector;
    case 'trigger':
      return e.trigger;
    case 'dest':
      return e.dest;
  }
}

/** The VERSION register as read: version | (max redirection entry 23 << 16). */
export function ioapicVersionRegister(s: MachineState): number {
  return ioapicVersionOf(s.config) | (23 << 16);
}

export type ApicvState = 'active' | 'inhibited' | 'off';

/**
 * `expect kvm apicv` (contract §7): `off` with `apicv off` or Secure AVIC, else `inhibited`
 * while an inhibit VMX honours is set (R4.8, R11.1), else `active`. This is the VM's state;
 * each vCPU follows it at its next entry (cpuSummary apicvActive).
 */
export function apicvState(s: MachineState): ApicvState {
  if (!s.config.apicv || s.config.secureAvic) return 'off';
  return s.vm.apicvInhibits ? 'inhibited' : 'active';
}

export function pendingRequestNames(v: VcpuState): string[] {
  return REQUEST_NAMES.filter(([bit]) => v.requests & bit).map(([, name]) => name);
}

/** SPIV decoded (R2.3): spurious vector, APIC software enable, focus, suppress EOI broadcast. */
export function spivFields(spiv: number) {
  return {
    vector: spiv & 0xff,
    enabled: (spiv & SPIV_APIC_ENABLED) !== 0,
    focus: (spiv & SPIV_FOCUS) !== 0,
    suppressEoiBroadcast: (spiv & SPIV_DIRECTED_EOI) !== 0,
  };
}

/** A plain JSON-able summary of one vCPU (command line `--json`, UI overview). */
export function cpuSummary(v: VcpuState) {
  return {
    cpu: v.index,
    apicId: v.x2apic ? v.index : v.idReg >>> 24,
    mode: v.x2apic ? 'x2apic' : 'xapic',
    irr: cpuSet(v, 'irr'),
    isr: cpuSet(v, 'isr'),
    tmr: cpuSet(v, 'tmr'),
    handled: cpuSet(v, 'handled'),
    shadowIsr: cpuSet(v, 'shadow-isr'),
    tpr: cpuValue(v, 'tpr'),
    ppr: cpuValue(v, 'ppr'),
    kvmPpr: ppr(v),
    spiv: v.spiv,
    lvr: v.lvr,
    ldr: v.ldr,
    dfr: v.dfr,
    if: v.rflagsIf ? 1 : 0,
    stale: v.highestStalePendingIoapicEoi,
    eoiExitBitmap: bitmapVectors(v.eoiExitBitmap),
    apicvActive: v.apicvActive,
    tprThreshold: v.tprThreshold,
    pvEoi: { enabled: v.pvEoiEnabled, guestByte: v.pvEoiByte, pending: v.pvEoiPending },
    handlers: v.frames.map((f) => f.vector),
    deferredTasks: v.tasks.map((t) => t.vector),
    profile: v.profile,
    requests: pendingRequestNames(v),
  };
}

export function machineSummary(s: MachineState) {
  const io = s.ioapic;
  return {
    time: s.time,
    cpus: s.cpus.map(cpuSummary),
    ioapic: {
      version: ioapicVersionRegister(s),
      irr: io.irr,
      line: io.line,
      pins: io.rte.map((e, pin) => ({
        pin,
        vector: e.vector,
        trigger: e.trigger ? 'level' : 'edge',
        dest: e.dest,
        destMode: e.destMode ? 'logical' : 'physical',
        delivery: e.deliveryMode ? 'lowest' : 'fixed',
        mask: e.mask,
        polarity: e.polarity ? 'low' : 'high',
        remoteIrr: e.remoteIrr,
        irr: (io.irr >>> pin) & 1,
        line: (io.line >>> pin) & 1,
        stormCount: io.irqEoi[pin],
        deliveries: io.deliveries[pin],
      })),
      deferredAt: io.deferredAt,
    },
    kvm: {
      seoib: s.vm.seoib,
      apicvInhibited: apicvState(s) === 'inhibited',
      apicv: apicvState(s),
      // The reasons KVM records (VMX_REQUIRED_APICV_INHIBITS); DISABLED stands for `apicv off`.
      apicvInhibitReasons: inhibitNames(s.vm.apicvInhibits & ~(1 << APICV_INHIBIT_REASON_DISABLED)),
      // What the map implies but VMX does not record (an AVIC-only inhibit).
      apicvInhibitsIgnoredByVmx:
        !s.vm.apicMap.valid || s.vm.apicMap.logicalMode === 'disabled' ? ['LOGICAL_ID_ALIASED'] : [],
      apicMap: apicMapSummary(s.vm.apicMap),
      x2apicApi: {
        use32BitIds: x2apicFormat(s.config),
        broadcastQuirkDisabled: broadcastQuirkDisabled(s.config),
      },
      crashed: s.vm.crashed,
      routes: s.vm.routes.map((r, gsi) => (r ? { gsi, ...r } : null)).filter((r) => r !== null),
    },
    counters: countersTotals(s.counters),
  };
}
