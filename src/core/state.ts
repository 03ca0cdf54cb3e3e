/**
 * The machine's state: plain data (numbers, typed arrays, arrays, maps), cloneable and
 * structured-cloneable, so that keyframes, snapshots and worker messages are cheap.
 * This module is MUTABLE state only; behaviour lives in the files named after the kernel and
 * QEMU sources they follow (lapic, ioapic, x86, …; README.md, Layout).
 */

import type { RteFields } from './actions.ts';
import type { ApicMap } from './apicmap.ts';
import { apicvInhibitsAtBoot, buildApicMap } from './apicmap.ts';
import type { Bitmap } from './bitmap.ts';
import { bitmapNew } from './bitmap.ts';
import type {
  Config,
  GuestProfile,
  HostKernel,
  QemuSeoibPolicy,
  QemuSeoibState,
  SeoibFlagsAt,
  SeoibMode,
} from './config.ts';
import {
  cpuidHasX2apic,
  DEFAULT_MACHINE,
  guestProfileOf,
  NUM_PINS,
  qemuStateOf,
  seoibModeOf,
  seoibPolicyOf,
} from './config.ts';
import type { Counters } from './counters.ts';
import { countersClone, countersNew } from './counters.ts';

/**
 * KVM_REQ_* bits a vCPU can have pending, in vcpu_enter_guest's processing order (R7.4): EOI
 * exit, scan, exitmap, APICv update, event.
 */
export const REQ_EVENT = 1;
export const REQ_SCAN_IOAPIC = 2;
export const REQ_LOAD_EOI_EXITMAP = 4;
export const REQ_IOAPIC_EOI_EXIT = 8;
export const REQ_APICV_UPDATE = 16;

export const REQUEST_NAMES: [number, string][] = [
  [REQ_IOAPIC_EOI_EXIT, 'KVM_REQ_IOAPIC_EOI_EXIT'],
  [REQ_SCAN_IOAPIC, 'KVM_REQ_SCAN_IOAPIC'],
  [REQ_LOAD_EOI_EXITMAP, 'KVM_REQ_LOAD_EOI_EXITMAP'],
  [REQ_APICV_UPDATE, 'KVM_REQ_APICV_UPDATE'],
  [REQ_EVENT, 'KVM_REQ_EVENT'],
];

export type GuestOp =
  | { op: 'service'; pin: number }
  | { op: 'eoi' }
  | { op: 'iret' }
  | { op: 'ioapic-eoi'; vector: number }
  | { op: 'seoib-on' }
  | { op: 'pv-eoi-on' };

/** An interrupt the guest is handling: pushed when it takes one, popped by iret. */
export interface HandlerFrame {
  vector: number;
  /** RFLAGS.IF when the interrupt was taken (an interrupt gate clears it; iret restores it). */
  savedIf: boolean;
  /** TMR[vector] when the interrupt was taken (the windows profile reads it). */
  levelAtTake: boolean;
  /** The guest profile's script for this handler, fixed at its first step; null before that. */
  script: GuestOp[] | null;
  pc: number;
}

/** A windows profile deferred task: service the vector's pins, then EOI it at the IOAPIC. */
export interface DeferredTask {
  vector: number;
  script: GuestOp[] | null;
  pc: number;
}

export interface VcpuState {
  readonly index: number;
  readonly x2apic: boolean;
  /** xAPIC ID register value (ID in bits 31:24); in x2APIC mode the ID is the index. */
  idReg: number;
  ldr: number;
  dfr: number;
  spiv: number;
  lvr: number;
  tpr: number;
  irr: Bitmap;
  isr: Bitmap;
  tmr: Bitmap;
  /** KVM caches (R1): highest_isr_cache, apic_arb_prio. */
  highestIsrCache: number;
  apicArbPrio: number;

  /** KVM's ioapic_handled_vectors and the loaded EOI-exit bitmap (R7.1, R7.2). */
  ioapicHandledVectors: Bitmap;
  eoiExitBitmap: Bitmap;
  highestStalePendingIoapicEoi: number;
  pendingIoapicEoi: number;
  requests: number;

  /** KVM: apic->apicv_active, changed only at an entry that processes KVM_REQ_APICV_UPDATE (R11.1). */
  apicvActive: boolean;
  /** VMX TPR_THRESHOLD (a priority class, 0 = none), armed where update_cr8_intercept runs (R11.1). */
  tprThreshold: number;

  /** True while the vCPU runs guest code; false between a VM exit and the next entry. */
  inGuest: boolean;
  /** A request kicked it while in the guest: it exits at its next turn. */
  kickPending: boolean;

  /** PV EOI (R9): MSR enable bit, the guest's byte, KVM_APIC_PV_EOI_PENDING. */
  pvEoiEnabled: boolean;
  pvEoiByte: 0 | 1;
  pvEoiPending: boolean;

  /** Secure AVIC guest-owned APIC registers (R10.1); null without Secure AVIC. */
  savic: { irr: Bitmap; isr: Bitmap; tmr: Bitmap; tpr: number } | null;

  /** Guest CPU. */
  rflagsIf: boolean;
  frames: HandlerFrame[];
  profile: GuestProfile;
  booted: boolean;
  tasks: DeferredTask[];
}

export interface Rte extends RteFields {
  remoteIrr: 0 | 1;
}

export interface MsiRoute {
  dest: number;
  destMode: 0 | 1;
  vector: number;
  deliveryMode: 0 | 1;
  trigger: 0 | 1;
}

export interface IoapicState {
  rte: Rte[];
  /** IOREGSEL (offset 0x00): the indirect register IOWIN (0x10) reads and writes (R5.2). */
  ioregsel: number;
  /** The IOAPIC's irr register (24 bits). */
  irr: number;
  /** KVM: irr_delivered (edge pins already delivered while irr stayed set). */
  irrDelivered: number;
  /** Device line levels, as the devices drive them. */
  line: number;
  /** Successive-EOI storm counters (irq_eoi[]). */
  irqEoi: number[];
  /** Messages sent per pin (display only). */
  deliveries: number[];
  /**
   * Model bookkeeping, no IOAPIC register: edge pins whose line rose and whose edge no message
   * has carried yet (QEMU discards an edge on a masked pin, R6; KVM keeps it in irr without
   * irr_delivered, R5.5). The lost-interrupt lint reads it; cleared when the line drops.
   */
  edgeUndelivered: number;
  /** KVM RTC (GSI 8) EOI tracking: pending_eoi and dest_map (vCPU → vector). */
  rtcPendingEoi: number;
  rtcDestMap: Map<number, number>;
  /** Deadline (ns) of the storm-limit deferred injection, or -1. */
  deferredAt: number;
}

/** The host the VM runs on now: its QEMU policy, machine type and kernel (one leg of its life). */
export interface HostLeg {
  readonly policy: QemuSeoibPolicy;
  readonly machine: string;
  readonly kernel: HostKernel;
  readonly flags: SeoibFlagsAt;
  readonly loadvmCheck: boolean;
}

/** One entry of the VM's life (the lifecycle strip); immutable. */
export interface LifeEntry {
  readonly kind: 'power-on' | 'reboot' | 'savevm' | 'loadvm' | 'migrate' | 'flag-write';
  readonly time: number;
  /** The leg it happened on (0 = the first host; a completed migration starts the next). */
  readonly leg: number;
  readonly ok: boolean;
  /** A snapshot name, a failure reason, or the flags written. */
  readonly detail: string;
  readonly host: HostLeg;
  /** KVM's mode and QEMU's state after it. */
  readonly mode: SeoibMode;
  readonly state: QemuSeoibState;
}

export interface VmState {
  seoib: SeoibMode;
  /** kvm->arch.apicv_inhibit_reasons: BIT(APICV_INHIBIT_REASON_*) that VMX records (R4.8, R11.1). */
  apicvInhibits: number;
  /** kvm->arch.apic_map as the last recalculation left it (R4.8); replaced, never mutated. */
  apicMap: ApicMap;
  /** Split: KVM's GSI routing table for the IOAPIC pins (null = no route). */
  routes: (MsiRoute | null)[];
  /** The host assertion fired (R9.5 without the fix): later actions are skipped. */
  crashed: boolean;
  /** QEMU's kvm_lapic_seoib_state: what its VMState subsection carries (R8.6, R8.10). */
  qemuSeoib: QemuSeoibState;
  /** The host the VM runs on (changes at a completed migration or a power-on). */
  host: HostLeg;
  leg: number;
  /** The latest migration's outcome and the latest KVM_ENABLE_CAP(X2APIC_API) result. */
  lastMigration: 'none' | 'completed' | 'failed';
  lastFlagWrite: 'none' | 'ok' | 'einval';
  /** The VM's life so far, oldest first; replaced, never mutated (copies share it). */
  life: readonly LifeEntry[];
}

/** What `snapshot NAME` saves (contract §4 Snapshots); immutable once taken. */
export interface SavedMachine {
  cpus: VcpuState[];
  ioapic: IoapicState;
  /** QEMU's SEOIB state, saved as the VMState subsection (R8.10). */
  qemuSeoib: QemuSeoibState;
}

export interface MachineState {
  readonly config: Config;
  time: number;
  cpus: VcpuState[];
  ioapic: IoapicState;
  vm: VmState;
  counters: Counters;
  snapshots: Map<string, SavedMachine>;
}

/** LVR per R2.4: version 0x14, 6 LVTs, bit 24 when CPUID has x2APIC and SEOIB is advertised (R8.2). */
export function lvrFor(config: Config): number {
  return lvrOf(config, seoibModeOf(config));
}

/** LVR as kvm_apic_set_version() computes it under KVM mode `seoib` (R8.2, R8.9). */
export function lvrOf(config: Config, seoib: SeoibMode): number {
  const advertise =
    cpuidHasX2apic(config) && (seoib === 'enabled' || (seoib === 'quirked' && config.irqchip === 'split'));
  return 0x14 | (5 << 16) | (advertise ? 1 << 24 : 0);
}

/**
 * The constant among `options` equal to `s`. A configuration's words come from the parser as
 * pieces of the scenario text; the core compares the guest profile and the SEOIB mode at every
 * step, and comparing with the constants themselves is a pointer comparison, not a text one.
 */
function intern<T extends string>(s: T, options: readonly T[]): T {
  const i = options.indexOf(s);
  return i >= 0 ? options[i] : s;
}

const PROFILES: readonly GuestProfile[] = ['manual', 'linux', 'windows'];
const SEOIB_MODES: readonly SeoibMode[] = ['quirked', 'enabled', 'disabled'];

export function x2apicLdr(id: number): number {
  return (((id >>> 4) << 16) | (1 << (id & 0xf))) >>> 0;
}

function newVcpu(config: Config, index: number): VcpuState {
  const x2apic = config.apic === 'x2apic';
  return {
    index,
    x2apic,
    idReg: x2apic ? index : ((index & 0xff) << 24) >>> 0,
    ldr: x2apic ? x2apicLdr(index) : 0,
    dfr: 0xffffffff,
    spiv: 0x1ff,
    lvr: lvrFor(config),
    tpr: 0,
    irr: bitmapNew(),
    isr: bitmapNew(),
    tmr: bitmapNew(),
    highestIsrCache: -1,
    apicArbPrio: 0,
    ioapicHandledVectors: bitmapNew(),
    eoiExitBitmap: bitmapNew(),
    highestStalePendingIoapicEoi: -1,
    pendingIoapicEoi: -1,
    requests: 0,
    apicvActive: false,
    tprThreshold: 0,
    inGuest: true,
    kickPending: false,
    pvEoiEnabled: false,
    pvEoiByte: 0,
    pvEoiPending: false,
    savic: config.secureAvic ? { irr: bitmapNew(), isr: bitmapNew(), tmr: bitmapNew(), tpr: 0 } : null,
    rflagsIf: true,
    frames: [],
    profile: intern(guestProfileOf(config, index), PROFILES),
    booted: false,
    tasks: [],
  };
}

function resetRte(): Rte {
  return {
    vector: 0,
    trigger: 0,
    dest: 0,
    destMode: 0,
    deliveryMode: 0,
    mask: 1,
    polarity: 0,
    remoteIrr: 0,
  };
}

export function newMachineState(config: Config): MachineState {
  const cpus: VcpuState[] = [];
  for (let i = 0; i < config.vcpus; i++) cpus.push(newVcpu(config, i));
  // kvm_lapic_reset() ends with kvm_recalculate_apic_map(); the first KVM_RUN settles APICv.
  const apicMap = buildApicMap(config, cpus);
  const apicvInhibits = apicvInhibitsAtBoot(config, apicMap);
  // `apicv off` is itself an inhibit (APICV_INHIBIT_REASON_DISABLED); Secure AVIC has no APICv.
  for (const v of cpus) v.apicvActive = !config.secureAvic && apicvInhibits === 0;
  return {
    config,
    time: 0,
    cpus,
    ioapic: {
      rte: Array.from({ length: NUM_PINS }, resetRte),
      ioregsel: 0,
      irr: 0,
      irrDelivered: 0,
      line: 0,
      irqEoi: new Array(NUM_PINS).fill(0),
      deliveries: new Array(NUM_PINS).fill(0),
      edgeUndelivered: 0,
      rtcPendingEoi: 0,
      rtcDestMap: new Map(),
      deferredAt: -1,
    },
    vm: {
      seoib: intern(seoibModeOf(config), SEOIB_MODES),
      apicvInhibits,
      apicMap,
      routes: new Array(NUM_PINS).fill(null),
      crashed: false,
      qemuSeoib: qemuStateOf(seoibModeOf(config)),
      host: hostLegOf(config),
      leg: 0,
      lastMigration: 'none',
      lastFlagWrite: seoibModeOf(config) === 'quirked' ? 'none' : 'ok',
      life: [powerOnEntry(config)],
    },
    counters: countersNew(config.vcpus),
    snapshots: new Map(),
  };
}

/** The life's first entry: power-on on the configured host (R8.10). */
function powerOnEntry(config: Config): LifeEntry {
  const mode = seoibModeOf(config);
  const host = hostLegOf(config);
  return { kind: 'power-on', time: 0, leg: 0, ok: true, detail: '', host, mode, state: qemuStateOf(mode) };
}

/** The first host, from the configuration. */
export function hostLegOf(config: Config): HostLeg {
  return {
    policy: seoibPolicyOf(config),
    machine: config.vmm.machine ?? DEFAULT_MACHINE,
    kernel: config.vmm.kernel,
    flags: config.vmm.seoibFlags,
    loadvmCheck: config.vmm.loadvmCheck,
  };
}

/** A handler frame; every frame has this one shape, so that the code reading frames sees one. */
export function newFrame(
  vector: number,
  savedIf: boolean,
  levelAtTake: boolean,
  script: GuestOp[] | null,
  pc: number,
): HandlerFrame {
  return { vector, savedIf, levelAtTake, script, pc };
}

// Scripts are never mutated after they are fixed, so copies share them.
export function cloneFrames(frames: HandlerFrame[]): HandlerFrame[] {
  return frames.map((f) => newFrame(f.vector, f.savedIf, f.levelAtTake, f.script, f.pc));
}

export function cloneTasks(tasks: DeferredTask[]): DeferredTask[] {
  return tasks.map((t) => ({ vector: t.vector, script: t.script, pc: t.pc }));
}

/*
 * The copies below are written out field by field, in the order newVcpu and newMachineState
 * create them, never with a spread: an object spread gives the copy another hidden class, and a
 * machine restarted from a copy (a keyframe, a snapshot) then ran its core code over objects of
 * two shapes, about a third slower (state.test.ts checks the orders).
 */

export function cloneVcpu(v: VcpuState): VcpuState {
  return {
    index: v.index,
    x2apic: v.x2apic,
    idReg: v.idReg,
    ldr: v.ldr,
    dfr: v.dfr,
    spiv: v.spiv,
    lvr: v.lvr,
    tpr: v.tpr,
    irr: v.irr.slice(),
    isr: v.isr.slice(),
    tmr: v.tmr.slice(),
    highestIsrCache: v.highestIsrCache,
    apicArbPrio: v.apicArbPrio,
    ioapicHandledVectors: v.ioapicHandledVectors.slice(),
    eoiExitBitmap: v.eoiExitBitmap.slice(),
    highestStalePendingIoapicEoi: v.highestStalePendingIoapicEoi,
    pendingIoapicEoi: v.pendingIoapicEoi,
    requests: v.requests,
    apicvActive: v.apicvActive,
    tprThreshold: v.tprThreshold,
    inGuest: v.inGuest,
    kickPending: v.kickPending,
    pvEoiEnabled: v.pvEoiEnabled,
    pvEoiByte: v.pvEoiByte,
    pvEoiPending: v.pvEoiPending,
    savic: v.savic
      ? { irr: v.savic.irr.slice(), isr: v.savic.isr.slice(), tmr: v.savic.tmr.slice(), tpr: v.savic.tpr }
      : null,
    rflagsIf: v.rflagsIf,
    frames: cloneFrames(v.frames),
    profile: v.profile,
    booted: v.booted,
    tasks: cloneTasks(v.tasks),
  };
}

/** A redirection entry; every entry has this one shape (see above). */
export function newRte(e: Rte): Rte {
  return {
    vector: e.vector,
    trigger: e.trigger,
    dest: e.dest,
    destMode: e.destMode,
    deliveryMode: e.deliveryMode,
    mask: e.mask,
    polarity: e.polarity,
    remoteIrr: e.remoteIrr,
  };
}

export function cloneIoapic(io: IoapicState): IoapicState {
  return {
    rte: io.rte.map(newRte),
    ioregsel: io.ioregsel,
    irr: io.irr,
    irrDelivered: io.irrDelivered,
    line: io.line,
    irqEoi: io.irqEoi.slice(),
    deliveries: io.deliveries.slice(),
    edgeUndelivered: io.edgeUndelivered,
    rtcPendingEoi: io.rtcPendingEoi,
    rtcDestMap: new Map(io.rtcDestMap),
    deferredAt: io.deferredAt,
  };
}

function cloneVm(vm: VmState): VmState {
  return {
    seoib: vm.seoib,
    apicvInhibits: vm.apicvInhibits,
    apicMap: vm.apicMap,
    routes: vm.routes.slice(),
    crashed: vm.crashed,
    qemuSeoib: vm.qemuSeoib,
    host: vm.host,
    leg: vm.leg,
    lastMigration: vm.lastMigration,
    lastFlagWrite: vm.lastFlagWrite,
    life: vm.life,
  };
}

/** A deep copy that shares nothing mutable with the original. */
export function cloneMachineState(s: MachineState): MachineState {
  return {
    config: s.config,
    time: s.time,
    cpus: s.cpus.map(cloneVcpu),
    ioapic: cloneIoapic(s.ioapic),
    vm: cloneVm(s.vm),
    counters: countersClone(s.counters),
    // Saved snapshots are immutable: share them.
    snapshots: new Map(s.snapshots),
  };
}
