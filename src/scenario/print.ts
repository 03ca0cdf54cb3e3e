/** Prints a scenario in canonical form; parsing the output gives the same scenario. */
import type { Action, CpuOp, RteFields } from '../core/actions.ts';
import { formatVectorSet } from '../core/bitmap.ts';
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import { hex } from '../core/hex.ts';
import type { Check, Scenario } from './ast.ts';
import { printExplore } from './explore-syntax.ts';

export function quote(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ')}"`;
}

const onOff = (b: boolean) => (b ? 'on' : 'off');
const TRIGGERS = ['edge', 'level'];
const DEST_MODES = ['physical', 'logical'];
const DELIVERY = ['fixed', 'lowest'];
const SHORTHANDS = ['none', 'self', 'all', 'others'];

export function printConfig(c: Config): string[] {
  const d = defaultConfig();
  const out: string[] = [];
  if (c.title !== null) out.push(`title ${quote(c.title)}`);
  if (c.vcpus !== d.vcpus) out.push(`vcpus ${c.vcpus}`);
  if (c.apic !== d.apic || c.apicCpuid !== null)
    out.push(`apic ${c.apic}${c.apicCpuid !== null ? ` cpuid=${c.apicCpuid}` : ''}`);
  if (c.irqchip !== d.irqchip) out.push(`irqchip ${c.irqchip}`);
  if (c.ioapicVersion !== null) out.push(`ioapic version=${hex(c.ioapicVersion)}`);
  if (c.apicv !== d.apicv) out.push(`apicv ${onOff(c.apicv)}`);
  if (c.secureAvic !== d.secureAvic) out.push(`secure-avic ${onOff(c.secureAvic)}`);
  const xa = c.x2apicApi;
  if (xa.ids32 !== null || xa.broadcastQuirk !== null)
    out.push(
      [
        'x2apic-api',
        ...(xa.ids32 !== null ? [`32bit-ids=${onOff(xa.ids32)}`] : []),
        ...(xa.broadcastQuirk !== null ? [`broadcast-quirk=${onOff(xa.broadcastQuirk)}`] : []),
      ].join(' '),
    );
  const k = c.kvm;
  const dk = d.kvm;
  const kv: string[] = [];
  if (k.staleEoiRescan !== dk.staleEoiRescan) kv.push(`stale-eoi-rescan=${onOff(k.staleEoiRescan)}`);
  if (k.seoib !== dk.seoib) kv.push(`seoib=${k.seoib}`);
  if (k.pvEoi !== dk.pvEoi) kv.push(`pv-eoi=${onOff(k.pvEoi)}`);
  if (k.pvEoiDisableFix !== dk.pvEoiDisableFix) kv.push(`pv-eoi-disable-fix=${onOff(k.pvEoiDisableFix)}`);
  if (k.savicEoiWriteCheck !== dk.savicEoiWriteCheck)
    kv.push(`savic-eoi-write-check=${onOff(k.savicEoiWriteCheck)}`);
  if (k.vectorHashing !== dk.vectorHashing) kv.push(`vector-hashing=${onOff(k.vectorHashing)}`);
  if (k.stormLimit !== dk.stormLimit) kv.push(`storm-limit=${k.stormLimit}`);
  if (kv.length) out.push(`kvm ${kv.join(' ')}`);
  if (c.guestAll) out.push(`guest all profile=${c.guestAll}`);
  for (const cpu of Object.keys(c.guests)
    .map(Number)
    .sort((a, b) => a - b))
    out.push(`guest ${cpu} profile=${c.guests[cpu]}`);
  return out;
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

/** `PIN key=value…` of `route` and `cpu C ioapic-rte`. */
function printRte(pin: number, f: Partial<RteFields>): string {
  const parts = [String(pin)];
  if (f.vector !== undefined) parts.push(`vector=${hex(f.vector)}`);
  if (f.trigger !== undefined) parts.push(`trigger=${TRIGGERS[f.trigger]}`);
  if (f.dest !== undefined) parts.push(`dest=${f.dest}`);
  if (f.destMode !== undefined) parts.push(`destmode=${DEST_MODES[f.destMode]}`);
  if (f.deliveryMode !== undefined) parts.push(`delivery=${DELIVERY[f.deliveryMode]}`);
  if (f.polarity !== undefined) parts.push(`polarity=${f.polarity ? 'low' : 'high'}`);
  if (f.mask !== undefined) parts.push(`mask=${f.mask}`);
  return parts.join(' ');
}

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
      const parts = [`msi dest=${a.dest > 0xff ? hex(a.dest) : a.dest} vector=${hex(a.vector)}`];
      if (a.destMode) parts.push('destmode=logical');
      if (a.deliveryMode) parts.push('delivery=lowest');
      if (a.trigger) parts.push('trigger=level');
      return parts.join(' ');
    }
    case 'ipi': {
      const parts = [`ipi from=${a.from} vector=${hex(a.vector)}`];
      if (a.dest) parts.push(`dest=${a.dest > 0xff ? hex(a.dest) : a.dest}`);
      if (a.destMode) parts.push('destmode=logical');
      if (a.deliveryMode) parts.push('delivery=lowest');
      if (a.shorthand) parts.push(`shorthand=${SHORTHANDS[a.shorthand]}`);
      return parts.join(' ');
    }
    case 'wait':
      return `wait ${formatDuration(a.ns)}`;
    case 'snapshot':
    case 'restore':
      return `${a.kind} ${a.name}`;
    case 'host-pv-eoi':
      return `host-pv-eoi ${a.cpu} off`;
    case 'cpu':
      return `cpu ${a.cpu} ${printCpuOp(a.op)}`;
    case 'run':
      return `run ${a.n}`;
  }
}

export function formatDuration(ns: number): string {
  for (const [unit, f] of [
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const)
    if (ns >= f && ns % f === 0) return `${ns / f}${unit}`;
  return `${ns}ns`;
}

/** The expectation without the `expect` keyword, e.g. `cpu 0 isr = {0x31}`. */
export function printCheck(c: Check): string {
  switch (c.kind) {
    case 'cpu-set':
      return `cpu ${c.cpu} ${c.reg} ${c.op} ${c.op === '=' ? formatVectorSet(c.vectors) : hex(c.vectors[0])}`;
    case 'cpu-value': {
      const v = c.reg === 'if' || c.reg === 'pv-eoi-pending' ? String(c.value) : hex(c.value);
      return `cpu ${c.cpu} ${c.reg} = ${c.reg === 'stale' && c.value === -1 ? '-1' : v}`;
    }
    case 'ioapic': {
      const v =
        c.field === 'vector' ? hex(c.value) : c.field === 'trigger' ? TRIGGERS[c.value] : String(c.value);
      return `ioapic ${c.pin} ${c.field} = ${v}`;
    }
    case 'ioapic-version':
      return `ioapic version = ${hex(c.value)}`;
    case 'kvm-seoib':
      return `kvm seoib = ${c.value}`;
    case 'kvm-apicv':
      return `kvm apicv = ${c.value}`;
    case 'count': {
      const f = (['cpu', 'pin', 'vector'] as const)
        .filter((k) => c.filter[k] !== undefined)
        .map((k) => `${k}=${k === 'vector' ? hex(c.filter[k]!) : c.filter[k]}`);
      return ['count', c.name, ...f, c.op, String(c.value)].join(' ');
    }
  }
}

export function printScenario(s: Scenario): string {
  const out: string[] = [];
  for (const n of s.configNotes) out.push(`note ${quote(n)}`);
  out.push(...printConfig(s.config));
  if (s.explore) out.push(...printExplore(s.explore));
  const expectsAfter = (k: number) => {
    for (const e of s.expects) if (e.afterStep === k) out.push(`expect ${printCheck(e.check)}`);
  };
  expectsAfter(0);
  s.steps.forEach((st, i) => {
    for (const n of st.notes) out.push(`note ${quote(n)}`);
    out.push(printAction(st.action));
    expectsAfter(i + 1);
  });
  for (const n of s.trailingNotes) out.push(`note ${quote(n)}`);
  return `${out.join('\n')}\n`;
}
