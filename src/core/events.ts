/**
 * The catalogue of trace events: every kind of event the core emits, once. For each kind: its
 * name (`type`: the KVM tracepoint where one exists, QEMU's trace-event name for QEMU IOAPIC
 * work, otherwise a plain name that is not a tracepoint's), where it comes from, the rule it
 * applies, the lane it belongs to, the objects it touches, its fields, and how its `text` (the
 * tracepoint's TP_printk output, or the same `name: fields` shape) and its `why` (plain words,
 * with the rule) are produced from those fields. Behaviour code only names a kind and its fields.
 */
import { formatVectorSet } from './bitmap.ts';
import { hex } from './hex.ts';

export const DELIVERY_MODE_NAMES = ['Fixed', 'LowPrio', 'SMI', 'Res3', 'NMI', 'INIT', 'SIPI', 'ExtINT'];
export const TRIGGER_NAMES = ['edge', 'level'];
export const DEST_MODE_NAMES = ['physical', 'logical'];
export const SHORTHAND_NAMES = ['dst', 'self', 'all', 'others'];
/** kvm_apic_dst_shorthand in arch/x86/kvm/trace.h, as kvm_apic_ipi prints it. */
export const KVM_SHORTHAND_NAMES = ['dst', 'self', 'all', 'all-but-self'];

/**
 * The destination kvm_msi_set_irq prints (arch/x86/kvm/trace.h, `dst %llx`): address[19:12] |
 * address_hi[31:8], from the address as the model prints it (hex, address_hi first when set).
 */
export function msiTraceDest(address: string): number {
  const lo = Number.parseInt(address.slice(-8), 16);
  const hi = address.length > 8 ? Number.parseInt(address.slice(0, -8), 16) : 0;
  return (((lo >>> 12) & 0xff) | (hi & 0xffffff00)) >>> 0;
}

/** Where a kind's name comes from. */
export type EventSource = 'kvm' | 'qemu' | 'model';

/** The delivery lanes: devices and the IOAPIC; KVM and userspace (QEMU); one per vCPU. */
export type Lane = 'ioapic' | 'kvm' | 'vcpu';

/** The objects an event reads or changes (lanes, the machine picture and the inspector use them). */
export type Touch =
  | 'line'
  | 'ioapic-irr'
  | 'rte'
  | 'remote-irr'
  | 'routes'
  | 'msg'
  | 'irr'
  | 'isr'
  | 'tmr'
  | 'ppr'
  | 'tpr'
  | 'if'
  | 'handler'
  | 'handled'
  | 'eoi-exit-bitmap'
  | 'requests'
  | 'exit'
  | 'userspace'
  | 'pv-eoi'
  | 'spiv'
  | 'apic-map'
  | 'apicv'
  | 'shadow-isr'
  | 'guest-apic'
  | 'snapshot';

/** One trace event as the core records it (only while tracing). */
export interface TraceEvent {
  type: EventKind;
  /** Virtual time in nanoseconds. */
  time: number;
  /** vCPU index, or -1 for IOAPIC / VMM / host work that belongs to no vCPU. */
  cpu: number;
  /** Index (in its step) of the event that led to this one; null for the step's action. */
  cause: number | null;
  /** The tracepoint's TP_printk output (or the same shape for events that are not tracepoints). */
  text: string;
  /** Plain words: what happened and why, starting with the rule it applied. */
  why: string;
  /** The rule it applied (`R5.6 d`, `§5`), '' when none. */
  rule: string;
  /** The delivery lane it is drawn on. */
  lane: Lane;
  vector?: number;
  pin?: number;
  fields: Readonly<Record<string, unknown>>;
}

interface KindDef<F> {
  source: EventSource;
  lane: Lane | ((cpu: number, f: F) => Lane);
  touches: readonly Touch[];
  rule: string | ((f: F) => string);
  /** The TP_printk text; `cpu` is the event's vCPU (-1 for none). */
  text: (f: F, cpu: number) => string;
  /** The why without its rule (the rule is prefixed). */
  why: (f: F) => string;
}

const kind = <F>(d: KindDef<F>): KindDef<F> => d;

interface RteDesc {
  dest: number;
  vector: number;
  deliveryMode: number;
  destMode: number;
  trigger: number;
  mask: number;
}
const rteFlags = (e: RteDesc) =>
  `(${DELIVERY_MODE_NAMES[e.deliveryMode]}|${DEST_MODE_NAMES[e.destMode]}|${TRIGGER_NAMES[e.trigger]}${e.mask ? '|masked' : ''})`;

/** Why each kind of VM exit happens (the `what` field of kvm_exit). */
const EXIT_WHY = {
  'eoi-write': 'R3.8: without APICv every EOI write traps to KVM',
  'eoi-induced': 'R3.9 / R7.2: the vector is in the EOI-exit bitmap: trap-like EOI exit',
  'icr-write': 'R2.5: ICR write',
  'spiv-write': 'R2.3: SPIV write',
  'apic-id-write': 'R2.1: xAPIC ID write',
  'ldr-write': 'R2.1: LDR write',
  'dfr-write': 'R2.1: DFR write',
  'pv-eoi-msr': 'R9.1: MSR_KVM_PV_EOI_EN write',
  'ioapic-mmio': '§4: MMIO write to the IOAPIC page',
  'rdmsr-eoi': '§3: RDMSR of the x2APIC EOI MSR',
  'savic-eoi': 'R10.3: GHCB MSR-protocol write of APIC_EOI',
  kick: '§4: a request kicked the running vCPU out of the guest (kvm_vcpu_kick)',
  'irq-window': 'R3.5: IF opened while an interrupt is deliverable: interrupt-window exit',
  'tpr-threshold': "R3.2: TPR lowered below a pending interrupt's class: TPR-threshold exit",
  savevm: '§4: savevm stops every vCPU',
  loadvm: '§4: loadvm stops every vCPU',
  migrate: 'R8.11: migration stops every vCPU on the source',
  reboot: 'R8.12: a reset stops every vCPU',
  other: '§3: some other VM exit and re-entry',
} as const;
export type ExitWhat = keyof typeof EXIT_WHY;

const GP_WHY = {
  'x2apic-readonly': 'R2.1: in x2APIC mode this register is read-only: #GP',
  'eoi-write-only': 'R2.1: the EOI register is write-only: #GP',
  'savic-read-checked': 'R10.4 a: the exit handler checks the direction: a read is not an EOI; #GP',
  'pv-eoi-not-offered': 'R9: KVM does not offer PV EOI (kvm pv-eoi=off): #GP',
  'pv-eoi-savic': 'R10.1: PV EOI is never offered to a Secure AVIC guest: #GP',
} as const;
export type GpWhat = keyof typeof GP_WHY;

/** Splits a "Rx.y: words" table entry into its rule and its words. */
function ruleOf(s: string): string {
  const i = s.indexOf(': ');
  return i < 0 ? '' : s.slice(0, i);
}
function wordsOf(s: string): string {
  const i = s.indexOf(': ');
  return i < 0 ? s : s.slice(i + 2);
}

const PV_EOI_NOT_ARMED = {
  irr: 'another interrupt is pending in IRR',
  cache: 'highest_isr_cache is -1',
  handled: 'the vector is in ioapic_handled_vectors (the IOAPIC needs the EOI)',
} as const;

/** Why KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) answered as it did (x86.c kvm_vm_ioctl_enable_cap). */
const CAP_WHY = {
  enable:
    'ENABLE_SUPPRESS_EOI_BROADCAST accepted: SPIV[12] is honoured from now on; LVR changes only at the next kvm_apic_set_version',
  disable:
    'DISABLE_SUPPRESS_EOI_BROADCAST accepted: SPIV[12] is ignored from now on; LVR changes only at the next kvm_apic_set_version',
  both: 'ENABLE and DISABLE together are rejected',
  'enable-kernel': 'ENABLE without split irqchip is rejected',
  'no-api': 'this kernel predates the SEOIB flags: bits 2 and 3 are outside KVM_X2APIC_API_VALID_FLAGS',
} as const;

/** Where kvm_apic_set_version() runs (R8.9). */
const LVR_AT = {
  reset: 'the LAPIC reset (kvm_lapic_reset)',
  'set-lapic': 'KVM_SET_LAPIC (kvm_apic_set_state)',
} as const;

/** What QEMU did with a loaded SEOIB state (the subsection's post_load, R8.10). */
const LOAD_WHY = {
  same: 'the loaded state is the one KVM is already in: nothing to set',
  set: "the loaded state's flag is set now (KVM lets ENABLE and DISABLE replace each other), before KVM_SET_LAPIC",
  kept: 'the loaded state is QUIRKED but KVM already has a flag, and KVM cannot go back to QUIRKED: QEMU keeps going, so its state (QUIRKED) and KVM (flag set) now disagree (the RFC as posted does not handle this)',
  refused:
    'the loaded state is QUIRKED but KVM already has a flag and cannot go back: loadvm is refused and the VM carries on as it was',
  einval: 'the flag the loaded state needs is rejected by KVM (EINVAL)',
} as const;

/** Why an incoming migration failed (R8.11). */
const MIGRATION_FAIL_WHY = {
  'unknown-subsection':
    'the destination QEMU predates the SEOIB subsection: "unknown subsection" ends the incoming migration',
  'no-api': "the destination kernel lacks the SEOIB API: setting the state's flag fails with EINVAL",
  'destination-init':
    "the destination QEMU's own policy needs a flag at start-up that its kernel rejects (EINVAL): it does not start",
  'enable-kernel': 'KVM rejects ENABLE without split irqchip',
} as const;

const byCpu = (cpu: number): Lane => (cpu >= 0 ? 'vcpu' : 'kvm');

export const EVENT_KINDS = {
  // --- the step's action (the root of every cause chain) ---------------------------------------
  action: kind<{ label: string; device: boolean }>({
    source: 'model',
    lane: (cpu, f) => (cpu >= 0 ? 'vcpu' : f.device ? 'ioapic' : 'kvm'),
    touches: [],
    rule: '§3',
    text: (f) => f.label,
    why: (f) => `the scenario's action: ${f.label}`,
  }),
  vm_stopped: kind<Record<string, never>>({
    source: 'model',
    lane: 'kvm',
    touches: [],
    rule: 'R9.5',
    text: () => 'action skipped',
    why: () => 'the host assertion fired earlier: the VM is stopped and later actions are skipped',
  }),
  run_done: kind<{ steps: number; limit: number }>({
    source: 'model',
    lane: 'kvm',
    touches: [],
    rule: '§5',
    text: (f) => `${f.steps} guest steps`,
    why: (f) =>
      f.steps < f.limit
        ? 'a round found no guest with work: run stops'
        : `run reached its limit of ${f.limit} guest steps`,
  }),

  // --- devices and the IOAPICs ---------------------------------------------------------------
  kvm_ioapic_set_irq: kind<
    RteDesc & {
      pin: number;
      level: number;
      outcome: 'low' | 'rtc-coalesced' | 'edge-coalesced' | 'masked' | 'remote-irr' | 'serviced';
      rtcPending: number;
    }
  >({
    source: 'kvm',
    lane: 'ioapic',
    touches: ['line', 'ioapic-irr'],
    rule: (f) =>
      ({
        low: 'R5.3 step 1',
        'rtc-coalesced': 'R5.3 step 3 / R11.4',
        'edge-coalesced': 'R5.3 step 4',
        masked: 'R5.4',
        'remote-irr': 'R5.4',
        serviced: 'R5.3 step 5',
      })[f.outcome],
    text: (f) =>
      `pin ${f.pin} dst ${f.dest.toString(16)} vec ${f.vector} ${rteFlags(f)}${
        f.outcome === 'rtc-coalesced' || f.outcome === 'edge-coalesced' ? ' (coalesced)' : ''
      }`,
    why: (f) =>
      ({
        low: 'line low: irr cleared, remote IRR untouched',
        'rtc-coalesced': `RTC interrupt coalesced: ${f.rtcPending} vCPU(s) still owe its EOI`,
        'edge-coalesced': 'edge pin already high (the line never went low): no new edge, coalesced',
        masked: 'pin masked: irr set, nothing delivered',
        'remote-irr': 'level pin with remote IRR = 1: nothing delivered until the EOI',
        serviced: 'line high: irr set, the pin is serviced',
      })[f.outcome],
  }),
  ioapic_set_irq: kind<{ pin: number; level: number; trigger: number; mask: number; remoteIrr: number }>({
    source: 'qemu',
    lane: 'ioapic',
    touches: ['line', 'ioapic-irr'],
    rule: 'R6',
    text: (f) => `vector: ${f.pin} level: ${f.level}`,
    why: (f) =>
      f.trigger
        ? f.level
          ? f.remoteIrr
            ? 'level pin: irr := 1; remote IRR set, so no service until the EOI'
            : 'level pin: irr := 1 and service'
          : 'level pin: irr := 0'
        : f.level
          ? f.mask
            ? 'edge on a masked pin: discarded (82093AA rule)'
            : 'edge pin: every level-1 call is an edge (no edge detector): irr := 1 and service'
          : 'edge pin: level 0 is ignored',
  }),
  ioapic_write_rte: kind<RteDesc & { pin: number; remoteIrr: number; cleared: boolean; qemu: boolean }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['rte', 'remote-irr'],
    rule: (f) => (f.qemu ? 'R6' : 'R5.5'),
    text: (f) => `pin ${f.pin} dst ${f.dest.toString(16)} vec ${f.vector} ${rteFlags(f)}`,
    why: (f) =>
      `RTE ${f.pin} rewritten; remote IRR ${f.remoteIrr}${f.cleared ? ' (cleared: the pin is edge now)' : ''}`,
  }),
  ioapic_service: kind<RteDesc & { pin: number; qemu: boolean }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['remote-irr', 'msg'],
    rule: (f) => (f.qemu ? 'R6' : 'R5.4'),
    text: (f) =>
      f.qemu
        ? `pin ${f.pin} vec ${f.vector} ${rteFlags(f)}`
        : `pin ${f.pin} dst ${f.dest.toString(16)} vec ${f.vector} ${rteFlags(f)}`,
    why: (f) =>
      f.qemu
        ? f.trigger
          ? 'QEMU services the level pin: remote IRR := 1 before delivering, whatever the result'
          : 'QEMU services the edge pin: irr cleared, GSI raised and lowered'
        : `pin ${f.pin} is unmasked${f.trigger ? ' and its remote IRR is 0' : ''}: the IOAPIC sends its message`,
  }),
  ioapic_delivered: kind<{
    pin: number;
    vector: number;
    accepted: number;
    trigger: number;
    remoteIrr: number;
    rtc: boolean;
    rtcPending: number;
  }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['remote-irr'],
    rule: 'R5.4',
    text: (f) =>
      `pin ${f.pin} vec ${f.vector} accepted ${f.accepted}${f.trigger ? ` remote_irr ${f.remoteIrr}` : ''}`,
    why: (f) =>
      f.accepted === 0
        ? `no vCPU accepted the message${f.trigger ? ': remote IRR stays 0 (the fast path returns 0, R4.8)' : ''}`
        : `${f.accepted < 0 ? 'the slow path matched nobody (-1)' : `accepted by ${f.accepted} vCPU(s)`}${
            f.trigger ? '; level: remote IRR := 1 until an EOI' : '; edge: irr stays set until the line drops'
          }${f.rtc ? `; RTC tracking: pending_eoi = ${f.rtcPending}` : ''}`,
  }),
  kvm_set_irq: kind<{ pin: number; level: number; routed: boolean; kernel?: boolean }>({
    source: 'kvm',
    lane: 'ioapic',
    touches: ['msg'],
    rule: (f) => (f.kernel ? 'R5.3' : 'R6'),
    text: (f) => `gsi ${f.pin} level ${f.level} source 0`,
    why: (f) =>
      f.kernel
        ? `the device's VMM sets the line with KVM_IRQ_LINE; KVM passes level ${f.level} to the in-kernel IOAPIC pin (the PIC is not modelled)`
        : f.routed
          ? 'QEMU raises the GSI; KVM delivers its MSI route'
          : 'the GSI has no route: KVM delivers nothing',
  }),
  kvm_msi_set_irq: kind<{
    address: string;
    vector: number;
    deliveryMode: number;
    destMode: number;
    trigger: number;
    format: boolean;
    requested: number;
    dest: number;
  }>({
    source: 'kvm',
    lane: 'ioapic',
    touches: ['msg'],
    rule: 'R4.9',
    text: (f) =>
      `dst ${msiTraceDest(f.address).toString(16)} vec ${f.vector} (${DELIVERY_MODE_NAMES[f.deliveryMode]}|${DEST_MODE_NAMES[f.destMode]}|${TRIGGER_NAMES[f.trigger]})`,
    why: (f) =>
      f.format
        ? 'MSI decoded: dest = address[19:12] | address_hi[31:8] << 8 (32-bit IDs), vector = data[7:0]'
        : `MSI decoded: dest = address[19:12] only (no 32-bit IDs)${f.requested > 0xff ? `: ${f.requested.toString(16)} keeps its low 8 bits, ${f.dest.toString(16)}` : ''}, vector = data[7:0]`,
  }),
  gsi_routing_update: kind<{ routes: number }>({
    source: 'model',
    lane: 'kvm',
    touches: ['routes', 'requests'],
    rule: 'R6 / R7.8',
    text: (f) => `${f.routes} ioapic routes`,
    why: () =>
      'QEMU refreshes the MSI routes of the unmasked pins (masked pins keep theirs); KVM_SET_GSI_ROUTING asks every vCPU to scan',
  }),
  scan_ioapic_request: kind<{ pin: number; targets: number[]; fixed: boolean }>({
    source: 'model',
    lane: 'kvm',
    touches: ['requests'],
    rule: 'R5.5 step 6',
    text: (f) => `vcpus ${f.targets.join(',') || 'none'}`,
    why: (f) =>
      f.fixed
        ? 'Fixed RTE: KVM_REQ_SCAN_IOAPIC for the vCPUs of the new and old destination'
        : 'non-Fixed RTE: KVM_REQ_SCAN_IOAPIC for every vCPU',
  }),
  ioapic_reinject: kind<{ pin: number; successive: number; limit: number; qemu: boolean }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['remote-irr'],
    rule: (f) => (f.qemu ? 'R6' : 'R5.6 d'),
    text: (f) => `pin ${f.pin} successive ${f.successive}`,
    why: (f) =>
      `EOI while the line is still high: re-injected at once (${f.successive} of ${f.limit} before the storm limit)`,
  }),
  ioapic_eoi_delayed_reassert: kind<{ pin: number; limit: number; dueNs: number }>({
    source: 'qemu',
    lane: 'ioapic',
    touches: [],
    rule: 'R6',
    text: (f) => `delayed reassert on EOI broadcast for pin ${f.pin}`,
    why: (f) =>
      `${f.limit} successive EOIs found the line high: re-injection deferred to t=${(f.dueNs / 1e6).toFixed(3)} ms`,
  }),
  kvm_ioapic_delayed_eoi_inj: kind<RteDesc & { pin: number; limit: number; dueNs: number }>({
    source: 'kvm',
    lane: 'ioapic',
    touches: [],
    rule: 'R5.6 d',
    text: (f) => `dst ${f.dest.toString(16)} vec ${f.vector} ${rteFlags(f)}`,
    why: (f) =>
      `${f.limit} successive EOIs found the line high: re-injection deferred to t=${(f.dueNs / 1e6).toFixed(3)} ms`,
  }),
  ioapic_deferred_service: kind<Record<string, never>>({
    source: 'model',
    lane: 'ioapic',
    touches: ['msg'],
    rule: 'R5.6 d',
    text: () => 'deadline reached',
    why: () => 'the 10 ms deferral is over: level pins with irr=1 and remote IRR=0 are serviced',
  }),
  ioapic_eoi_broadcast: kind<{ vector: number }>({
    source: 'qemu',
    lane: 'ioapic',
    touches: ['remote-irr'],
    rule: 'R6',
    text: (f) => `EOI broadcast for vector ${f.vector}`,
    why: () => 'QEMU looks for level pins with this RTE vector',
  }),
  ioapic_clear_remote_irr: kind<{ pin: number; vector: number }>({
    source: 'qemu',
    lane: 'ioapic',
    touches: ['remote-irr'],
    rule: 'R6',
    text: (f) => `clear remote IRR for GSI ${f.pin} vector ${f.vector}`,
    why: (f) => `remote IRR of pin ${f.pin} cleared`,
  }),
  remote_irr_clear: kind<{ pin: number; vector: number; from: number }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['remote-irr'],
    rule: 'R5.6 c',
    text: (f) => `pin ${f.pin} vec ${f.vector}`,
    why: (f) => `level EOI from vCPU ${f.from}: remote IRR of pin ${f.pin} cleared`,
  }),
  ioapic_edge_eoi: kind<{ pin: number; vector: number; from: number }>({
    source: 'model',
    lane: 'ioapic',
    touches: [],
    rule: 'R5.6 b',
    text: (f) => `pin ${f.pin} vec ${f.vector}`,
    why: (f) =>
      `TMR[${hex(f.vector)}] = 0 on vCPU ${f.from}: an edge EOI leaves pin ${f.pin}'s remote IRR alone`,
  }),
  seoib_suppressed: kind<{ vector: number; pin?: number; mode: string }>({
    source: 'model',
    lane: (cpu) => byCpu(cpu),
    touches: ['spiv'],
    rule: (f) => (f.pin === undefined ? 'R7.3 step 3 / R8.3' : 'R8.3 / R5.6 b'),
    text: (f) => (f.pin === undefined ? `vec ${f.vector}` : `pin ${f.pin} vec ${f.vector}`),
    why: (f) =>
      f.pin === undefined
        ? 'SPIV[12] set and SEOIB enabled: no KVM_EXIT_IOAPIC_EOI; the guest must write the IOAPIC EOI register'
        : `SPIV[12] set and SEOIB ${f.mode}: remote IRR is not cleared (the guest must EOI the IOAPIC)`,
  }),
  ioapic_eoi_ignored: kind<{ value: number; vector?: number; split: boolean }>({
    source: 'model',
    lane: 'ioapic',
    touches: [],
    rule: (f) => (f.split ? 'R6 / R8.1' : 'R5.2'),
    text: (f) => `write ${hex(f.value)} to 0x40`,
    why: (f) =>
      f.split
        ? 'QEMU IOAPIC version 0x11 has no EOI register: the write is ignored'
        : 'the in-kernel IOAPIC (0x11) has no EOI register: the write is ignored',
  }),
  ioapic_directed_eoi: kind<{ value: number; vector?: number }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['remote-irr'],
    rule: (f) => (f.value > 0xff ? 'R6' : 'R6 / R8.1'),
    text: (f) => `write ${hex(f.value)} to 0x40`,
    why: (f) =>
      f.value > 0xff
        ? 'the EOI register value is not masked to 8 bits: above 0xff it matches no pin'
        : 'directed EOI: QEMU runs ioapic_eoi_broadcast for this vector',
  }),

  // --- delivery (R4) ---------------------------------------------------------------------------
  lowest_prio_to_fixed: kind<Record<string, never>>({
    source: 'model',
    lane: 'kvm',
    touches: ['msg'],
    rule: 'R4.7',
    text: () => 'apic: phys broadcast and lowest prio',
    why: () => 'physical dest 0xff with lowest priority is converted to Fixed (broadcast)',
  }),
  lowest_prio_chosen: kind<{
    vector: number;
    chosen: number;
    hashing: boolean;
    candidates: number;
    index: number;
    arbPrio: number;
  }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['msg'],
    rule: 'R4.7',
    text: (f) => `vec ${f.vector} -> vcpu ${f.chosen}`,
    why: (f) =>
      f.hashing
        ? `vector hashing: ${f.vector} mod ${f.candidates} candidates = ${f.index} → vCPU ${f.chosen} (TPR not consulted)`
        : `no vector hashing: smallest apic_arb_prio (${f.arbPrio}) among ${f.candidates} candidates → vCPU ${f.chosen}`,
  }),
  kvm_apic_ipi: kind<{
    dest: number;
    vector: number;
    deliveryMode: number;
    destMode: number;
    shorthand: number;
  }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['msg'],
    rule: 'R2.5',
    text: (f) =>
      `dst ${f.dest.toString(16)} vec ${f.vector} (${DELIVERY_MODE_NAMES[f.deliveryMode]}|${DEST_MODE_NAMES[f.destMode]}|assert|edge|${KVM_SHORTHAND_NAMES[f.shorthand]})`,
    why: () => 'writing ICR sends the IPI at once (no broadcast quirk for IPIs, R4.1)',
  }),

  // --- the LAPIC (R2, R3) ----------------------------------------------------------------------
  apic_reject_irq: kind<{ apicid: number; vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['spiv'],
    rule: 'R3.7',
    text: (f) => `apicid ${f.apicid.toString(16)} vec ${f.vector}`,
    why: () => 'the APIC is software-disabled (SPIV bit 8 = 0), the message is dropped',
  }),
  kvm_apic_accept_irq: kind<{
    /** What KVM prints as apicid: vcpu->vcpu_id (so also for kvm_eoi and kvm_pv_eoi). */
    apicid: number;
    vector: number;
    deliveryMode: number;
    trigger: number;
    merged: boolean;
    how: 'posted' | 'kick' | 'event';
  }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['irr', 'tmr'],
    rule: 'R3.7',
    text: (f) =>
      `apicid ${f.apicid.toString(16)} vec ${f.vector} (${DELIVERY_MODE_NAMES[f.deliveryMode]}|${TRIGGER_NAMES[f.trigger]})`,
    why: (f) =>
      `accepted, IRR[${hex(f.vector)}] set${f.merged ? ' (already pending: merged)' : ''}, TMR[${hex(f.vector)}] := ${f.trigger} (${TRIGGER_NAMES[f.trigger]}); ${
        { posted: 'posted (APICv): no exit', kick: 'KVM_REQ_EVENT and a kick', event: 'KVM_REQ_EVENT' }[f.how]
      }`,
  }),
  kvm_inj_virq: kind<{ vector: number; pprBefore: number; pprAfter: number }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['irr', 'isr', 'ppr', 'if', 'handler'],
    rule: 'R3.3 / R3.6',
    text: (f) => `IRQ 0x${f.vector.toString(16)}`,
    why: (f) =>
      `class ${f.vector >> 4} > PPR class ${f.pprBefore >> 4} and IF = 1: injected (IRR→ISR, PPR now ${hex(f.pprAfter)}); the handler starts with IF = 0`,
  }),
  apicv_deliver: kind<{ vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['irr', 'isr', 'ppr', 'if', 'handler'],
    rule: 'R11.1',
    text: (f) => `vec ${f.vector}`,
    why: (f) =>
      `virtual-interrupt delivery: RVI ${hex(f.vector)} beats VPPR, the CPU takes it without a VM exit`,
  }),
  irq_window_request: kind<{ vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['if'],
    rule: 'R3.5',
    text: (f) => `vec ${f.vector}`,
    why: (f) => `${hex(f.vector)} is deliverable but IF = 0: KVM enables interrupt-window exiting`,
  }),
  kvm_eoi: kind<{ apicid: number; vector: number; accelerated: boolean; savic?: boolean }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['isr', 'ppr'],
    rule: (f) => (f.savic ? 'R10.4' : f.accelerated ? 'R3.9' : 'R3.8'),
    text: (f) => `apicid ${f.apicid.toString(16)} vector ${f.vector}`,
    why: (f) =>
      f.savic
        ? `Secure AVIC EOI exit: KVM took ${hex(f.vector)} off its shadow ISR and forwards the EOI as an accelerated one`
        : f.accelerated
          ? 'EOI-induced exit: the ISR bit is already clear, KVM only forwards the EOI'
          : `EOI clears the highest in-service vector ${hex(f.vector)} (the value written is ignored); PPR recomputed`,
  }),
  eoi_isr_empty: kind<{ apicid: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['isr'],
    rule: 'R3.8',
    text: (f) => `apicid ${f.apicid.toString(16)}`,
    why: () => 'ISR is empty: the EOI changes nothing',
  }),
  apicv_eoi: kind<{ vector: number; empty: boolean; exits: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['isr', 'ppr', 'eoi-exit-bitmap'],
    rule: (f) => (f.empty ? 'R11.1' : 'R3.9 / R11.1'),
    text: (f) => (f.empty ? 'ISR empty, SVI 0' : `vec ${f.vector}`),
    why: (f) =>
      f.empty
        ? f.exits
          ? 'virtualized EOI with an empty ISR: SVI is 0 and bit 0 of the EOI-exit bitmap is set: EOI-induced exit with vector 0'
          : 'virtualized EOI with an empty ISR: SVI is 0, not in the EOI-exit bitmap, so nothing happens and no exit'
        : f.exits
          ? `virtualized EOI of ${hex(f.vector)} (ISR bit cleared, PPR updated by the CPU); it is in the EOI-exit bitmap, so a trap-like EOI-induced exit follows`
          : `virtualized EOI of ${hex(f.vector)}: not in the EOI-exit bitmap, so no VM exit`,
  }),
  kvm_apic: kind<{ reg: string; value: number; requested?: number; dropped?: boolean }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['spiv', 'apic-map'],
    rule: (f) => (f.reg === 'APIC_SPIV' ? 'R2.3' : 'R2.1'),
    text: (f) => `apic_write ${f.reg} = 0x${f.value.toString(16)}`,
    why: (f) =>
      f.reg === 'APIC_SPIV'
        ? `SPIV := ${hex(f.requested ?? f.value)} & the write mask${f.dropped ? ' (bit 12 dropped: LVR[24] is 0, SEOIB not advertised)' : ''}`
        : 'register written',
  }),
  kvm_inj_exception: kind<{ what: GpWhat }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: [],
    rule: (f) => ruleOf(GP_WHY[f.what]),
    text: () => '#GP (0x0)',
    why: (f) => wordsOf(GP_WHY[f.what]),
  }),
  apic_map_recalculated: kind<{
    reg: string;
    maxApicId: number;
    state: 'valid' | 'invalid' | 'logical-disabled';
    detail: string;
  }>({
    source: 'model',
    lane: 'kvm',
    touches: ['apic-map', 'requests'],
    rule: 'R4.8 / R7.8',
    text: (f) => `max_apic_id ${f.maxApicId} ${f.state}`,
    why: (f) =>
      `${f.reg} write: the optimized APIC map is recalculated: ${f.detail}; KVM_REQ_SCAN_IOAPIC on every vCPU`,
  }),
  kvm_apicv_inhibit_changed: kind<{
    reason: number;
    set: boolean;
    inhibits: number;
    name: string;
    names: string;
    flips: boolean;
  }>({
    source: 'kvm',
    lane: 'kvm',
    touches: ['apicv', 'requests'],
    rule: 'R4.8 / R11.1',
    text: (f) => `${f.set ? 'set' : 'cleared'} reason=${f.reason}, inhibits=0x${f.inhibits.toString(16)}`,
    why: (f) =>
      `${f.name} ${f.set ? 'set' : 'cleared'}${
        f.flips
          ? `: APICv becomes ${f.inhibits ? 'inhibited' : 'active'}, KVM_REQ_APICV_UPDATE on every vCPU (each changes at its next entry)`
          : f.inhibits & 1
            ? ' (APICv is off: DISABLED stays set)'
            : ': APICv stays inhibited'
      }${f.names ? ` (now: ${f.names})` : ''}`,
  }),
  apicv_update: kind<{ active: boolean; inhibits: string }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['apicv', 'requests'],
    rule: 'R11.1',
    text: (f, cpu) => `vcpu ${cpu} apicv ${f.active ? 'active' : 'inactive'}`,
    why: (f) =>
      f.active
        ? 'KVM_REQ_APICV_UPDATE: no inhibit left, APICv is active again on this vCPU: interrupts are posted, EOIs outside the EOI-exit bitmap are virtualized (SVI = highest ISR vector)'
        : `KVM_REQ_APICV_UPDATE: APICv is inhibited (${f.inhibits}): this vCPU takes interrupts by injection and every EOI exits; KVM_REQ_EVENT`,
  }),
  tpr_threshold: kind<{ threshold: number; tprClass: number; irrClass: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['tpr'],
    rule: 'R11.1',
    text: (f, cpu) => `vcpu ${cpu} tpr_threshold ${f.threshold}`,
    why: (f) =>
      f.threshold
        ? `TPR class ${f.tprClass} holds back IRR class ${f.irrClass}: TPR_THRESHOLD := ${f.threshold}, a TPR write below it exits`
        : `TPR_THRESHOLD := 0${f.irrClass === -1 ? ' (IRR is empty)' : ` (TPR class ${f.tprClass} is below IRR class ${f.irrClass})`}: no TPR write exits`,
  }),
  delivery_fast_path: kind<{
    vector: number;
    destMode: number;
    dest: number;
    targets: number[];
    how: string;
    dropped: boolean;
  }>({
    source: 'model',
    lane: 'kvm',
    touches: ['msg', 'apic-map'],
    rule: 'R4.8',
    text: (f) =>
      `vec ${f.vector} ${DEST_MODE_NAMES[f.destMode]} dst ${hex(f.dest)} -> ${f.targets.length ? `vcpu ${f.targets.join(',')}` : 'nobody'}`,
    why: (f) =>
      `fast path over KVM's optimized APIC map (${f.how})${
        f.dropped
          ? ': the chosen slot has no APIC, the message is dropped ("Disabled LAPIC found during irq injection")'
          : f.targets.length
            ? ''
            : ': no APIC there, result 0'
      }`,
  }),
  delivery_slow_path: kind<{
    vector: number;
    shorthand: number;
    destMode: number;
    dest: number;
    reason: string;
  }>({
    source: 'model',
    lane: 'kvm',
    touches: ['msg'],
    rule: 'R4.8',
    text: (f) =>
      `vec ${f.vector} ${f.shorthand ? `shorthand ${SHORTHAND_NAMES[f.shorthand]}` : `${DEST_MODE_NAMES[f.destMode]} dst ${hex(f.dest)}`}`,
    why: (f) =>
      `slow path, every vCPU matched in index order (R4.1–R4.5): the map cannot serve this message (${f.reason})`,
  }),
  delivery_no_match: kind<{ vector: number; dest: number; lowest: boolean }>({
    source: 'model',
    lane: 'kvm',
    touches: ['msg'],
    rule: 'R4.8',
    text: (f) => `vec ${f.vector} dst ${hex(f.dest)}`,
    why: (f) =>
      f.lowest
        ? 'the slow path found no software-enabled candidate for the lowest-priority message: result -1'
        : 'the slow path matched no vCPU: result -1',
  }),
  guest_ioapic_write_entry: kind<{ pin: number; high: number; low: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['rte'],
    rule: '§3',
    text: (f) => `pin ${f.pin} high 0x${f.high.toString(16)} low 0x${f.low.toString(16)}`,
    why: (f) =>
      `the guest rewrites RTE ${f.pin} as Linux's ioapic_write_entry(): interrupts off, high dword (destination) first, then low dword (vector, modes, mask), each through IOREGSEL and IOWIN`,
  }),
  ioapic_mem_write: kind<{ addr: number; regsel: number; value: number; reg: string }>({
    source: 'qemu',
    lane: 'ioapic',
    touches: ['rte', 'remote-irr', 'routes'],
    rule: 'R6',
    text: (f) =>
      `ioapic mem write addr 0x${f.addr.toString(16)} regsel: 0x${f.regsel.toString(16)} size 0x4 val 0x${f.value.toString(16)}`,
    why: (f) => `the ${f.reg} write reached QEMU as KVM_EXIT_MMIO`,
  }),
  kvm_mmio: kind<{ gpa: number; value: number; reg: string }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: [],
    rule: 'R5.2',
    text: (f) => `mmio write len 4 gpa 0x${f.gpa.toString(16)} val 0x${f.value.toString(16)}`,
    why: (f) => `the guest's MMIO write of the IOAPIC ${f.reg}, emulated by KVM (write_mmio())`,
  }),
  ioapic_mmio_write: kind<{ addr: number; regsel: number; value: number; reg: string }>({
    source: 'model',
    lane: 'ioapic',
    touches: ['rte', 'remote-irr'],
    rule: 'R5.2',
    text: (f) =>
      `addr 0x${f.addr.toString(16)} regsel 0x${f.regsel.toString(16)} val 0x${f.value.toString(16)}`,
    why: (f) => `the ${f.reg} write, handled by KVM's in-kernel IOAPIC`,
  }),

  // --- KVM's EOI plumbing (R7) ----------------------------------------------------------------
  scan_ioapic: kind<{ handled: number[]; stale: number; changed: boolean; split: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handled'],
    rule: 'R7.6',
    text: (f, cpu) => `vcpu ${cpu} handled ${formatVectorSet(f.handled)} stale ${f.stale}`,
    why: (f) =>
      `ioapic_handled_vectors rebuilt from the ${f.split ? 'level MSI routes (R7.5)' : 'level RTEs and GSI 8 (R5.7)'}${
        f.changed ? ' (changed)' : ' (unchanged)'
      }${
        f.stale >= 0
          ? `; ${hex(f.stale)} is stale: still pending here but no longer routed here, its EOI will trigger a rescan`
          : ''
      }`,
  }),
  eoi_not_forwarded: kind<{ vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handled'],
    rule: 'R7.3 step 1',
    text: (f) => `vec ${f.vector}`,
    why: (f) => `${hex(f.vector)} is not in ioapic_handled_vectors: no IOAPIC work`,
  }),
  stale_eoi_rescan: kind<{ vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handled', 'requests'],
    rule: 'R7.3 step 2',
    text: (f) => `vec ${f.vector}`,
    why: (f) =>
      `EOI of the stale vector ${hex(f.vector)}: KVM_REQ_SCAN_IOAPIC so this vCPU stops intercepting it`,
  }),
  ioapic_eoi_exit_request: kind<{ vector: number; spivSeoib: boolean; mode: string }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handled', 'requests'],
    rule: 'R7.3 step 3',
    text: (f, cpu) => `vcpu ${cpu} KVM_REQ_IOAPIC_EOI_EXIT vec ${f.vector}`,
    why: (f) =>
      `split irqchip: the EOI goes to QEMU's IOAPIC as KVM_EXIT_IOAPIC_EOI at the next entry${
        f.spivSeoib ? ` (SPIV[12] is set but SEOIB is ${f.mode}: broadcast anyway)` : ''
      }`,
  }),
  eoi_forwarded: kind<{ vector: number; trigger: number; suppressed: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handled', 'tmr'],
    rule: 'R7.3 step 4',
    text: (f) => `vec ${f.vector} trigger ${TRIGGER_NAMES[f.trigger]}`,
    why: (f) =>
      `${hex(f.vector)} is in ioapic_handled_vectors: kvm_ioapic_update_eoi with trigger ${TRIGGER_NAMES[f.trigger]} (TMR[${hex(f.vector)}] = ${f.trigger})${f.suppressed ? '; SPIV[12] suppresses the broadcast (R8.3)' : ''}`,
  }),
  ioapic_eoi_exit_dropped: kind<{ vector: number }>({
    source: 'model',
    lane: 'kvm',
    touches: ['handled'],
    rule: 'R7.4',
    text: (f) => `vec ${f.vector}`,
    why: (f) => `${hex(f.vector)} left ioapic_handled_vectors before the entry: no userspace exit`,
  }),
  kvm_userspace_exit: kind<{ vector?: number; needless?: boolean; mmio?: string }>({
    source: 'kvm',
    lane: 'kvm',
    touches: ['userspace'],
    rule: (f) => (f.mmio !== undefined ? 'R6' : 'R7.4'),
    text: (f) => (f.mmio !== undefined ? 'reason KVM_EXIT_MMIO (6)' : 'reason KVM_EXIT_IOAPIC_EOI (26)'),
    why: (f) =>
      f.mmio !== undefined
        ? `split irqchip: the IOAPIC is QEMU's, so the write (${f.mmio}) exits to userspace`
        : `${hex(f.vector ?? 0)} is still in ioapic_handled_vectors: exit to QEMU with run->eoi.vector = ${f.vector}${
            f.needless ? ' (needless: no level pin with this vector has remote IRR set)' : ''
          }`,
  }),

  // --- exits and entries -----------------------------------------------------------------------
  kvm_exit: kind<{ reason: string; what: ExitWhat; vector?: number }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['exit'],
    rule: (f) => ruleOf(EXIT_WHY[f.what]),
    text: (f, cpu) => `vcpu ${cpu} reason ${f.reason}`,
    why: (f) => wordsOf(EXIT_WHY[f.what]),
  }),
  kvm_entry: kind<Record<string, never>>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['exit', 'requests'],
    rule: 'R7.4',
    text: (_f, cpu) => `vcpu ${cpu}, rip 0x0`,
    why: () =>
      'requests processed in order (IOAPIC EOI exit, scan, EOI-exit bitmap, event); back into the guest',
  }),

  // --- PV EOI (R9) ---------------------------------------------------------------------------
  pv_eoi_msr: kind<{ on: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.1',
    text: (f) => (f.on ? 'enable' : 'disable'),
    why: (f) =>
      f.on
        ? 'PV EOI enabled (the guest zeroed its byte first)'
        : 'PV EOI disabled; only the MSR value is stored (KVM_APIC_PV_EOI_PENDING is not cleared)',
  }),
  pv_eoi_arm: kind<{ apicid: number; vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.3',
    text: (f) => `apicid ${f.apicid.toString(16)} vector ${f.vector}`,
    why: (f) =>
      `PV EOI armed for ${hex(f.vector)}: guest byte := 1, KVM_APIC_PV_EOI_PENDING set; the guest may skip its EOI write`,
  }),
  pv_eoi_not_armed: kind<{ apicid: number; reason: keyof typeof PV_EOI_NOT_ARMED; vector?: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.3',
    text: (f) => `apicid ${f.apicid.toString(16)}`,
    why: (f) =>
      `PV EOI not armed: ${f.reason === 'handled' && f.vector !== undefined ? `${hex(f.vector)} is in ioapic_handled_vectors (the IOAPIC needs the EOI)` : PV_EOI_NOT_ARMED[f.reason]}`,
  }),
  pv_eoi_elided: kind<Record<string, never>>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.2',
    text: () => 'byte 1 -> 0',
    why: () =>
      'the PV EOI byte was 1: the guest clears it and skips the EOI write (no exit); KVM applies the EOI at the next exit',
  }),
  pv_eoi_sync: kind<{ apicid: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.4',
    text: (f) => `apicid ${f.apicid.toString(16)} not consumed`,
    why: () =>
      "the guest has not EOI'd yet: KVM clears its byte and PENDING; it may re-arm at an entry that processes KVM_REQ_EVENT",
  }),
  kvm_pv_eoi: kind<{ apicid: number; vector: number }>({
    source: 'kvm',
    lane: 'vcpu',
    touches: ['pv-eoi', 'isr'],
    rule: 'R9.4',
    text: (f) => `apicid ${f.apicid.toString(16)} vector ${f.vector}`,
    why: () => 'the guest consumed the PV EOI flag: KVM performs its EOI lazily, at this exit',
  }),
  pv_eoi_dropped: kind<{ apicid: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.5',
    text: (f) => `apicid ${f.apicid.toString(16)}`,
    why: () =>
      '(fix on) PV EOI was disabled while one was pending: KVM ignores it; not applied, the ISR bit stays [unverified]',
  }),
  host_bug_on: kind<Record<string, never>>({
    source: 'model',
    lane: 'kvm',
    touches: [],
    rule: 'R9.5',
    text: () => 'kernel BUG at arch/x86/kvm/lapic.c: BUG_ON(!pv_eoi_enabled(vcpu))',
    why: () => '(fix off) PENDING set but PV EOI disabled: the host assertion fires; the VM stops',
  }),
  host_pv_eoi_off: kind<{ pending: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['pv-eoi'],
    rule: 'R9.5',
    text: () => 'enable bit cleared',
    why: (f) =>
      `the host clears the PV EOI enable bit without a guest exit; KVM_APIC_PV_EOI_PENDING is ${f.pending ? 'still set' : 'clear'}`,
  }),

  // --- Secure AVIC (R10) -----------------------------------------------------------------------
  savic_requested_irr: kind<{ vectors: number[] }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['irr', 'guest-apic', 'shadow-isr'],
    rule: 'R10.2',
    text: (f) => `vectors ${formatVectorSet(f.vectors)}`,
    why: () =>
      "before VMRUN KVM moves its IRR into the guest's RequestedIRR; level vectors (KVM TMR set) go into KVM's shadow ISR",
  }),
  savic_deliver: kind<{ vector: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['guest-apic', 'if', 'handler'],
    rule: 'R10.1',
    text: (f) => `vec ${f.vector}`,
    why: (f) => `the guest's own APIC delivers ${hex(f.vector)} (guest IRR→ISR); KVM does not see it`,
  }),
  savic_eoi: kind<{ vector: number; level: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['guest-apic'],
    rule: 'R10.3',
    text: (f) => `vec ${f.vector} ${f.level ? 'level' : 'accelerated'}`,
    why: (f) =>
      f.level
        ? `${hex(f.vector)} is level (guest TMR 1): the guest clears its ISR and writes APIC_EOI through the GHCB MSR protocol`
        : `${hex(f.vector)} is edge (guest TMR 0): hardware-accelerated EOI, invisible to KVM`,
  }),
  savic_eoi_warn: kind<Record<string, never>>({
    source: 'model',
    lane: 'vcpu',
    touches: ['guest-apic'],
    rule: 'R10.3',
    text: () => 'EOI write while no active interrupt in APIC_ISR',
    why: () => 'the guest finds no in-service vector and writes nothing',
  }),
  savic_eoi_empty: kind<Record<string, never>>({
    source: 'model',
    lane: 'vcpu',
    touches: ['shadow-isr'],
    rule: 'R10.4 b',
    text: () => 'shadow ISR empty',
    why: () => 'the shadow ISR is empty: nothing to EOI (the RFC has no guard; modelled as a no-op)',
  }),
  savic_eoi_read_as_write: kind<Record<string, never>>({
    source: 'model',
    lane: 'vcpu',
    touches: ['shadow-isr'],
    rule: 'R10.4 a',
    text: () => 'rdmsr handled as EOI',
    why: () => '(check off) the RFC handler does not look at the direction: the read is handled as an EOI',
  }),

  // --- the guest (§3, §5) ----------------------------------------------------------------------
  guest_iret: kind<{ vector: number; if: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['if', 'handler'],
    rule: '§4',
    text: (f) => (f.vector < 0 ? 'no handler' : `vec ${f.vector} if ${f.if ? 1 : 0}`),
    why: (f) =>
      f.vector < 0
        ? 'iret with no handler running: nothing happens'
        : `the handler of ${hex(f.vector)} returns; IF restored to ${f.if ? 1 : 0}`,
  }),
  guest_sti: kind<Record<string, never>>({
    source: 'model',
    lane: 'vcpu',
    touches: ['if'],
    rule: '§3',
    text: () => 'if 1',
    why: () => 'STI: interrupts enabled',
  }),
  guest_cli: kind<Record<string, never>>({
    source: 'model',
    lane: 'vcpu',
    touches: ['if'],
    rule: '§3',
    text: () => 'if 0',
    why: () => 'CLI: interrupts blocked (no exit)',
  }),
  guest_tpr: kind<{ value: number; savic: boolean }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['tpr', 'ppr'],
    rule: (f) => (f.savic ? 'R10.1' : 'R3.2'),
    text: (f) => `tpr ${hex(f.value)}`,
    why: (f) =>
      f.savic
        ? 'Secure AVIC accelerates TPR writes: no exit, KVM does not see the value'
        : 'TPR written; PPR recomputed',
  }),
  guest_service: kind<{ pin: number }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['line'],
    rule: '§3',
    text: (f) => `pin ${f.pin}`,
    why: (f) => `the handler services the device on pin ${f.pin}: its line drops`,
  }),
  guest_boot: kind<{ profile: string; apicid: number; op: 'pv-eoi-on' | 'seoib-on' | null }>({
    source: 'model',
    lane: 'vcpu',
    touches: [],
    rule: (f) => (f.op === 'seoib-on' ? '§5 / R8.5' : '§5'),
    text: (f) => `${f.profile} apicid ${f.apicid.toString(16)}`,
    why: (f) =>
      f.op
        ? `${f.profile} boot step: ${f.op === 'pv-eoi-on' ? 'enable PV EOI (KVM offers it)' : 'set SPIV bit 12 (LVR[24] is set; the IOAPIC version is not checked)'}`
        : `${f.profile} boot step: nothing to set up`,
  }),
  guest_handler: kind<{ vector: number; profile: string; script: string }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handler'],
    rule: '§5',
    text: (f) => `vec ${f.vector} script ${f.script}`,
    why: (f) => `${f.profile} handler for ${hex(f.vector)}, fixed at its first step`,
  }),
  guest_deferred_task: kind<{ vector: number; script: string }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['handler'],
    rule: '§5',
    text: (f) => `vec ${f.vector} script ${f.script}`,
    why: () => 'windows deferred task: service the device, then EOI the IOAPIC (directed EOI)',
  }),

  // --- snapshots (§4) --------------------------------------------------------------------------
  savevm: kind<{ name: string }>({
    source: 'model',
    lane: 'kvm',
    touches: ['snapshot'],
    rule: '§4',
    text: (f) => f.name,
    why: () => 'LAPICs, guest CPUs, PV EOI, Secure AVIC registers, RTEs and IOAPIC lines saved',
  }),
  loadvm: kind<{ name: string }>({
    source: 'model',
    lane: 'kvm',
    touches: ['snapshot', 'irr', 'isr', 'tmr', 'rte', 'requests'],
    rule: '§4',
    text: (f) => f.name,
    why: () =>
      'state restored; highest_isr_cache = -1, apic_arb_prio = 0, PV EOI pending cleared, KVM_REQ_EVENT and a scan on every vCPU; counters, time, storm state and the SEOIB mode are not rewound',
  }),
  // --- the SEOIB life (R8.8-R8.12, docs/seoib-lifecycle.md) ------------------------------------
  x2apic_api_enable_cap: kind<{
    flags: string;
    result: 'ok' | 'EINVAL';
    reason: keyof typeof CAP_WHY;
    mode: string;
  }>({
    source: 'model',
    lane: 'kvm',
    touches: ['apic-map'],
    rule: 'R8.8',
    text: (f) => `KVM_ENABLE_CAP(KVM_CAP_X2APIC_API, ${f.flags}) = ${f.result === 'ok' ? '0' : '-EINVAL'}`,
    why: (f) => `${CAP_WHY[f.reason]}; suppress_eoi_broadcast_mode is now ${f.mode}`,
  }),
  lvr_recomputed: kind<{ lvr: number; old: number; at: keyof typeof LVR_AT }>({
    source: 'model',
    lane: 'vcpu',
    touches: ['spiv'],
    rule: 'R8.9',
    text: (f) => `LVR ${hex(f.old)} -> ${hex(f.lvr)}`,
    why: (f) =>
      `kvm_apic_set_version() runs at ${LVR_AT[f.at]}: LVR[24] now ${(f.lvr >>> 24) & 1} follows the VM's SEOIB mode`,
  }),
  vm_reset: kind<{ cold: boolean; policy: string; machine: string; kernel: string; state: string }>({
    source: 'model',
    lane: 'kvm',
    touches: ['irr', 'isr', 'tmr', 'rte', 'spiv', 'handler', 'requests'],
    rule: 'R8.12',
    text: (f) =>
      f.cold
        ? `power-on policy=${f.policy} machine=${f.machine} kernel=${f.kernel} state=${f.state}`
        : 'reboot',
    why: (f) =>
      f.cold
        ? `a new QEMU process and a fresh KVM VM (no x2APIC-API flag yet): the policy picks ${f.state} and sets its flag before the vCPUs exist; every LAPIC is reset and the guest boots again; the disk keeps its snapshots`
        : 'system reset: every LAPIC is reset (kvm_lapic_reset, so kvm_apic_set_version runs), the IOAPIC too, and the guest boots again at its next step; the KVM flags stay (one-way, R8.8)',
  }),
  qemu_seoib_load: kind<{ state: string; mode: string; outcome: keyof typeof LOAD_WHY; what: string }>({
    source: 'model',
    lane: 'kvm',
    touches: ['snapshot'],
    rule: 'R8.10',
    text: (f) => `${f.what} seoib-state=${f.state} kvm=${f.mode} ${f.outcome}`,
    why: (f) => LOAD_WHY[f.outcome],
  }),
  migration_start: kind<{ policy: string; machine: string; kernel: string; flags: string; state: string }>({
    source: 'model',
    lane: 'kvm',
    touches: ['snapshot'],
    rule: 'R8.11',
    text: (f) => `migrate policy=${f.policy} machine=${f.machine} kernel=${f.kernel} flags=${f.flags}`,
    why: (f) =>
      `the destination is a fresh KVM VM (no flag set); the stream carries the guest's state${f.state === 'quirked' ? ' and no SEOIB subsection (QUIRKED)' : ` and the SEOIB subsection (${f.state})`}`,
  }),
  migration_done: kind<{ leg: number; mode: string; state: string }>({
    source: 'model',
    lane: 'kvm',
    touches: ['snapshot', 'irr', 'isr', 'tmr', 'rte', 'requests'],
    rule: 'R8.11',
    text: (f) => `leg ${f.leg} kvm=${f.mode} seoib-state=${f.state}`,
    why: (f) =>
      `the VM runs on the destination (leg ${f.leg}): its LAPICs were set with KVM_SET_LAPIC, so LVR follows the destination's mode ${f.mode}; SPIV travels verbatim`,
  }),
  migration_failed: kind<{ reason: keyof typeof MIGRATION_FAIL_WHY }>({
    source: 'model',
    lane: 'kvm',
    touches: [],
    rule: 'R8.11',
    text: (f) => `failed: ${f.reason}`,
    why: (f) => `${MIGRATION_FAIL_WHY[f.reason]}; the VM keeps running on the source, as QEMU does`,
  }),
} as const;

export type EventKind = keyof typeof EVENT_KINDS;
export type FieldsOf<K extends EventKind> = (typeof EVENT_KINDS)[K] extends KindDef<infer F> ? F : never;

/** Every kind, for tests and the UI's filters. */
export const EVENT_KIND_NAMES = Object.keys(EVENT_KINDS) as EventKind[];

export function eventKind(type: EventKind): KindDef<unknown> {
  return EVENT_KINDS[type] as KindDef<unknown>;
}

/** Builds the event's text, rule and why from its catalogue entry (only while tracing). */
export function describeEvent<K extends EventKind>(
  type: K,
  f: FieldsOf<K>,
  cpu: number,
): { text: string; rule: string; why: string } {
  const d = EVENT_KINDS[type] as unknown as KindDef<FieldsOf<K>>;
  const rule = typeof d.rule === 'function' ? d.rule(f) : d.rule;
  const words = d.why(f);
  return { text: d.text(f, cpu), rule, why: rule ? `${rule}: ${words}` : words };
}

/** The lane an event is drawn on (recorded on the event as `lane`). */
export function laneOf(e: Pick<TraceEvent, 'type' | 'cpu' | 'fields'>): Lane {
  const d = eventKind(e.type);
  const lane = typeof d.lane === 'function' ? d.lane(e.cpu, e.fields) : d.lane;
  return lane === 'vcpu' && e.cpu < 0 ? 'kvm' : lane;
}

/** Kinds named after a real tracepoint (KVM's or QEMU's). */
export function isTracepoint(type: EventKind): boolean {
  return EVENT_KINDS[type].source !== 'model';
}
