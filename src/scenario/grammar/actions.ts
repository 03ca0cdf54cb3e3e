/**
 * The actions (scenario-language.md §3) and the vCPU operations of `cpu C OP` (§4), with their
 * arguments, declared once; and the printer of a typed action (core `Action`) as the language
 * writes it. The UI builds actions and prints them here, so a syntax change breaks it when it
 * is compiled, not when it runs; the parser reads its signatures from the same tables.
 */
import type { Action, CpuOp, HostChange, RteFields } from '../../core/actions.ts';
import { hex } from '../../core/hex.ts';
import type { ValueKind } from './values.ts';
import {
  BIT,
  CAP_SEOIB_FLAGS,
  CPU,
  DELIVERY_MODES,
  DEST_MODES,
  DURATION,
  enumOf,
  formatDuration,
  HOST_KERNELS,
  MACHINE,
  MSG_DEST,
  NAME,
  ON_OFF_KIND,
  PIN,
  POLARITIES,
  QEMU_SEOIB_POLICIES,
  REG32,
  RTE_DEST,
  RUN_STEPS,
  SEOIB_FLAGS_AT,
  SHORTHANDS,
  TRIGGERS,
  VECTOR,
} from './values.ts';

/** One argument: positional (`route PIN`) or `name=value`. */
export interface Arg {
  name: string;
  positional?: boolean;
  required?: boolean;
  values: ValueKind;
}

export interface ActionDecl {
  name: string;
  /** The form as the language reference writes it. */
  syntax: string;
  args: readonly Arg[];
  help: string;
}

const pinArg: Arg = { name: 'pin', positional: true, required: true, values: PIN };
/**
 * The RTE fields of `route` and `cpu C ioapic-rte`, as completion and the reference list them (the
 * printer writes them in this order but for `polarity=`, before `mask=`: print-text.test.ts).
 */
export const RTE_ARGS: readonly Arg[] = [
  { name: 'vector', values: VECTOR },
  { name: 'trigger', values: enumOf(TRIGGERS) },
  { name: 'dest', values: RTE_DEST },
  { name: 'destmode', values: enumOf(DEST_MODES) },
  { name: 'delivery', values: enumOf(DELIVERY_MODES) },
  { name: 'mask', values: BIT },
  { name: 'polarity', values: enumOf(POLARITIES) },
];
const pinOnly = [pinArg];
/** The host keys of `power-on …` and `migrate …` (R8.10, R8.11), in the order the printer writes them. */
const HOST_ARGS: readonly Arg[] = [
  { name: 'policy', values: enumOf(QEMU_SEOIB_POLICIES) },
  { name: 'machine', values: MACHINE },
  { name: 'kernel', values: enumOf(HOST_KERNELS) },
];

/** The actions, in the contract's order. */
export const ACTIONS = [
  {
    name: 'route',
    syntax: 'route PIN [vector=V] [trigger=edge|level] [dest=D] …',
    args: [pinArg, ...RTE_ARGS],
    help: 'the guest rewrites RTE PIN in one 64-bit update',
  },
  { name: 'mask', syntax: 'mask PIN', args: pinOnly, help: 'route PIN mask=1' },
  { name: 'unmask', syntax: 'unmask PIN', args: pinOnly, help: 'route PIN mask=0' },
  { name: 'assert', syntax: 'assert PIN', args: pinOnly, help: 'the device drives its line to 1' },
  { name: 'deassert', syntax: 'deassert PIN', args: pinOnly, help: 'the device drives its line to 0' },
  { name: 'pulse', syntax: 'pulse PIN', args: pinOnly, help: 'assert then deassert: an edge' },
  {
    name: 'msi',
    syntax: 'msi dest=D vector=V [destmode=…] [delivery=…] [trigger=edge|level]',
    args: [
      { name: 'dest', required: true, values: MSG_DEST },
      { name: 'vector', required: true, values: VECTOR },
      { name: 'destmode', values: enumOf(DEST_MODES) },
      { name: 'delivery', values: enumOf(DELIVERY_MODES) },
      { name: 'trigger', values: enumOf(TRIGGERS) },
    ],
    help: 'a device MSI',
  },
  {
    name: 'ipi',
    syntax: 'ipi from=C vector=V [dest=D] [destmode=…] [delivery=…] [shorthand=…]',
    args: [
      { name: 'from', required: true, values: CPU },
      { name: 'vector', required: true, values: VECTOR },
      { name: 'dest', values: MSG_DEST },
      { name: 'destmode', values: enumOf(DEST_MODES) },
      { name: 'delivery', values: enumOf(DELIVERY_MODES) },
      { name: 'shorthand', values: enumOf(SHORTHANDS) },
    ],
    help: 'the guest on C writes ICR',
  },
  {
    name: 'wait',
    syntax: 'wait DURATION',
    args: [{ name: 'duration', positional: true, required: true, values: DURATION }],
    help: 'virtual time passes, no guest work',
  },
  {
    name: 'snapshot',
    syntax: 'snapshot NAME',
    args: [{ name: 'name', positional: true, required: true, values: NAME }],
    help: 'savevm of the whole VM',
  },
  {
    name: 'restore',
    syntax: 'restore NAME',
    args: [{ name: 'name', positional: true, required: true, values: NAME }],
    help: 'loadvm of a snapshot taken above',
  },
  {
    name: 'savevm',
    syntax: 'savevm NAME',
    args: [{ name: 'name', positional: true, required: true, values: NAME }],
    help: "QEMU's word for snapshot: the whole VM, QEMU's SEOIB state included",
  },
  {
    name: 'loadvm',
    syntax: 'loadvm NAME',
    args: [{ name: 'name', positional: true, required: true, values: NAME }],
    help: "QEMU's word for restore: into the running VM, whose KVM flags stay (R8.4)",
  },
  {
    name: 'host-pv-eoi',
    syntax: 'host-pv-eoi CPU off',
    args: [
      { name: 'cpu', positional: true, required: true, values: CPU },
      { name: 'state', positional: true, required: true, values: enumOf(['off']) },
    ],
    help: 'the host clears the PV EOI enable bit without a guest exit',
  },
  {
    name: 'reboot',
    syntax: 'reboot',
    args: [],
    help: 'the guest reboots: LAPIC reset, kvm_apic_set_version, the boot step again (R8.9)',
  },
  {
    name: 'power-on',
    syntax: 'power-on [policy=…] [machine=…] [kernel=…]',
    args: HOST_ARGS,
    help: 'a fresh power-on (implicit at the start), on this host or a changed one (R8.10)',
  },
  {
    name: 'migrate',
    syntax: 'migrate [policy=…] [machine=…] [kernel=…] [flags=after-load|before-load]',
    args: [...HOST_ARGS, { name: 'flags', values: enumOf(SEOIB_FLAGS_AT) }],
    help: 'live migration to a fresh KVM VM; it may fail and leave the VM on the source (R8.11)',
  },
  {
    name: 'kvm-set-x2apic-api',
    syntax: 'kvm-set-x2apic-api seoib=enable|disable|both',
    args: [{ name: 'seoib', required: true, values: enumOf(CAP_SEOIB_FLAGS) }],
    help: 'the VMM calls KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) with SEOIB flags: OK or EINVAL (R8.8)',
  },
  { name: 'cpu', syntax: 'cpu C OP …', args: [], help: 'the guest on vCPU C does OP' },
  {
    name: 'run',
    syntax: 'run [N]',
    args: [{ name: 'n', positional: true, values: RUN_STEPS }],
    help: 'the guest profiles work for up to N guest steps (default 100000)',
  },
] as const satisfies readonly ActionDecl[];

export type ActionName = (typeof ACTIONS)[number]['name'];
export const ACTION_NAMES: readonly ActionName[] = ACTIONS.map((a) => a.name);
/** A Map, not an object: no name may be found on Object.prototype (issue 14). */
export const ACTION_BY_NAME: ReadonlyMap<string, ActionDecl> = new Map(
  ACTIONS.map((a): [string, ActionDecl] => [a.name, a]),
);

/** One vCPU operation: the word after `cpu C`, its operands (positional) or RTE keys. */
export interface CpuOpDecl {
  name: string;
  syntax: string;
  /** Operands after the operation word (ioapic-rte: `PIN key=value…`). */
  args: readonly Arg[];
  help: string;
}

const none: readonly Arg[] = [];
const value = (values: ValueKind): readonly Arg[] => [
  { name: 'value', positional: true, required: true, values },
];

/** The vCPU operations, in the contract's order. */
export const CPU_OPS = [
  { name: 'eoi', syntax: 'eoi', args: none, help: 'the guest’s EOI routine (R3.8, R9.2, R10.3)' },
  { name: 'iret', syntax: 'iret', args: none, help: 'returns from the innermost handler' },
  { name: 'sti', syntax: 'sti', args: none, help: 'sets RFLAGS.IF' },
  { name: 'cli', syntax: 'cli', args: none, help: 'clears RFLAGS.IF' },
  { name: 'tpr', syntax: 'tpr V', args: value(REG32), help: 'writes TPR (R3.2)' },
  { name: 'apic-id', syntax: 'apic-id V', args: value(REG32), help: 'writes the xAPIC ID (V[31:24])' },
  { name: 'ldr', syntax: 'ldr V', args: value(REG32), help: 'writes LDR (R2.1)' },
  { name: 'dfr', syntax: 'dfr V', args: value(REG32), help: 'writes DFR (R2.1)' },
  { name: 'spiv', syntax: 'spiv V', args: value(REG32), help: 'writes SPIV (R2.3)' },
  { name: 'seoib', syntax: 'seoib on|off', args: value(ON_OFF_KIND), help: 'sets / clears SPIV bit 12' },
  {
    name: 'ioapic-eoi',
    syntax: 'ioapic-eoi V',
    args: value(REG32),
    help: 'writes V to the IOAPIC EOI register (R6, R8.1)',
  },
  {
    name: 'ioapic-rte',
    syntax: 'ioapic-rte PIN key=value…',
    args: [pinArg, ...RTE_ARGS],
    help: 'the guest rewrites an RTE itself, in two 32-bit halves (R5.5)',
  },
  { name: 'service', syntax: 'service PIN', args: value(PIN), help: 'services the device: its line drops' },
  {
    name: 'pv-eoi',
    syntax: 'pv-eoi on|off',
    args: value(ON_OFF_KIND),
    help: 'writes MSR_KVM_PV_EOI_EN (R9.1)',
  },
  { name: 'rdmsr', syntax: 'rdmsr eoi', args: value(enumOf(['eoi'])), help: 'reads the x2APIC EOI MSR' },
  { name: 'exit', syntax: 'exit', args: none, help: 'any other VM exit and re-entry' },
] as const satisfies readonly CpuOpDecl[];

export type CpuOpName = (typeof CPU_OPS)[number]['name'];
export const CPU_OP_NAMES: readonly CpuOpName[] = CPU_OPS.map((o) => o.name);
/** A Map, not an object: no name may be found on Object.prototype (issue 14). */
export const CPU_OP_BY_NAME: ReadonlyMap<string, CpuOpDecl> = new Map(
  CPU_OPS.map((o): [string, CpuOpDecl] => [o.name, o]),
);

// Every action kind and vCPU operation of the core has its row (rdmsr-eoi is `rdmsr eoi`).
type MissingAction = Exclude<Action['kind'], ActionName>;
type MissingCpuOp = Exclude<CpuOp['op'], CpuOpName | 'rdmsr-eoi'>;
const everyActionDeclared: [MissingAction | MissingCpuOp] extends [never] ? true : MissingAction = true;
void everyActionDeclared;

const onOff = (b: boolean) => (b ? 'on' : 'off');
/** A message destination: decimal up to 0xff (an APIC ID), hex above (an x2APIC ID). */
const msgDest = (d: number) => (d > 0xff ? hex(d) : String(d));

/** `PIN key=value…` of `route` and `cpu C ioapic-rte`. */
function printRte(pin: number, f: Partial<RteFields>): string {
  const parts = [String(pin)];
  if (f.vector !== undefined) parts.push(`vector=${hex(f.vector)}`);
  if (f.trigger !== undefined) parts.push(`trigger=${TRIGGERS[f.trigger]}`);
  if (f.dest !== undefined) parts.push(`dest=${f.dest}`);
  if (f.destMode !== undefined) parts.push(`destmode=${DEST_MODES[f.destMode]}`);
  if (f.deliveryMode !== undefined) parts.push(`delivery=${DELIVERY_MODES[f.deliveryMode]}`);
  if (f.polarity !== undefined) parts.push(`polarity=${POLARITIES[f.polarity]}`);
  if (f.mask !== undefined) parts.push(`mask=${f.mask}`);
  return parts.join(' ');
}

function printCpuOp(op: CpuOp): string {
  switch (op.op) {
    case 'tpr':
    case 'apic-id':
    case 'ldr':
    case 'dfr':
    case 'spiv':
    case 'ioapic-eoi':
      return `${op.op} ${hex(op.value)}`;
    case 'seoib':
    case 'pv-eoi':
      return `${op.op} ${onOff(op.on)}`;
    case 'service':
      return `service ${op.pin}`;
    case 'ioapic-rte':
      return `ioapic-rte ${printRte(op.pin, op.fields)}`;
    case 'rdmsr-eoi':
      return 'rdmsr eoi';
    default:
      return op.op;
  }
}

/** An action in canonical form; parsing it gives the same action. */
export function printAction(a: Action): string {
  switch (a.kind) {
    case 'route':
      return `route ${printRte(a.pin, a.fields)}`;
    case 'mask':
    case 'unmask':
    case 'assert':
    case 'deassert':
    case 'pulse':
      return `${a.kind} ${a.pin}`;
    case 'msi': {
      const parts = [`msi dest=${msgDest(a.dest)} vector=${hex(a.vector)}`];
      if (a.destMode) parts.push(`destmode=${DEST_MODES[a.destMode]}`);
      if (a.deliveryMode) parts.push(`delivery=${DELIVERY_MODES[a.deliveryMode]}`);
      if (a.trigger) parts.push(`trigger=${TRIGGERS[a.trigger]}`);
      return parts.join(' ');
    }
    case 'ipi': {
      const parts = [`ipi from=${a.from} vector=${hex(a.vector)}`];
      if (a.dest) parts.push(`dest=${msgDest(a.dest)}`);
      if (a.destMode) parts.push(`destmode=${DEST_MODES[a.destMode]}`);
      if (a.deliveryMode) parts.push(`delivery=${DELIVERY_MODES[a.deliveryMode]}`);
      if (a.shorthand) parts.push(`shorthand=${SHORTHANDS[a.shorthand]}`);
      return parts.join(' ');
    }
    case 'wait':
      return `wait ${formatDuration(a.ns)}`;
    case 'snapshot':
    case 'restore':
      return `${a.as ?? a.kind} ${a.name}`;
    case 'host-pv-eoi':
      return `host-pv-eoi ${a.cpu} off`;
    case 'cpu':
      return `cpu ${a.cpu} ${printCpuOp(a.op)}`;
    case 'reboot':
      return 'reboot';
    case 'power-on':
    case 'migrate':
      return [a.kind, ...printHostChange(a.host, a.kind === 'migrate')].join(' ');
    case 'kvm-set-x2apic-api':
      return `kvm-set-x2apic-api seoib=${a.seoib}`;
    case 'run':
      return `run ${a.n}`;
  }
}

/** The keys of `power-on …` / `migrate …` that change the host. */
function printHostChange(h: HostChange, flags: boolean): string[] {
  const out: string[] = [];
  if (h.policy !== undefined) out.push(`policy=${h.policy}`);
  if (h.machine !== undefined) out.push(`machine=${h.machine}`);
  if (h.kernel !== undefined) out.push(`kernel=${h.kernel}`);
  if (flags && h.flags !== undefined) out.push(`flags=${h.flags}`);
  return out;
}
