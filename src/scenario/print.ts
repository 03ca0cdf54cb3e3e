/** Prints a scenario in canonical form; parsing the output gives the same scenario. */
import { formatVectorSet } from '../core/bitmap.ts';
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import { hex } from '../core/hex.ts';
import { printAsk } from './ask.ts';
import type { Check, Scenario } from './ast.ts';
import { printAction } from './grammar/actions.ts';
import { KVM_SWITCHES, VMM_SETTINGS, X2APIC_API_FLAGS } from './grammar/config.ts';
import { COUNTER_FILTER_NAMES } from './grammar/expect.ts';
import { printExplore } from './grammar/explore.ts';
import { quote, TRIGGERS } from './grammar/values.ts';

export { formatDuration, quote } from './grammar/values.ts';
export { printAction };

const onOff = (b: boolean) => (b ? 'on' : 'off');
/** A switch's value as written: `on`/`off`, a mode, a number. */
const written = (v: boolean | string | number) => (typeof v === 'boolean' ? onOff(v) : String(v));

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
  const xa: string[] = [];
  for (const f of X2APIC_API_FLAGS) {
    const v = c.x2apicApi[f.field];
    if (v !== null) xa.push(`${f.key}=${onOff(v)}`);
  }
  if (xa.length) out.push(['x2apic-api', ...xa].join(' '));
  const kv: string[] = [];
  for (const s of KVM_SWITCHES)
    if (c.kvm[s.field] !== d.kvm[s.field]) kv.push(`${s.key}=${written(c.kvm[s.field])}`);
  if (kv.length) out.push(`kvm ${kv.join(' ')}`);
  for (const statement of ['qemu', 'host'] as const) {
    const kv = VMM_SETTINGS.filter((s) => s.statement === statement && c.vmm[s.field] !== d.vmm[s.field]).map(
      (s) => `${s.key}=${written(c.vmm[s.field] as boolean | string)}`,
    );
    if (kv.length) out.push(`${statement} ${kv.join(' ')}`);
  }
  if (c.guestAll) out.push(`guest all profile=${c.guestAll}`);
  for (const cpu of Object.keys(c.guests)
    .map(Number)
    .sort((a, b) => a - b))
    out.push(`guest ${cpu} profile=${c.guests[cpu]}`);
  return out;
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
    case 'vm':
      return `vm ${c.key} = ${c.value}`;
    case 'count': {
      const f = COUNTER_FILTER_NAMES.filter((k) => c.filter[k] !== undefined).map(
        (k) => `${k}=${k === 'vector' ? hex(c.filter[k]!) : c.filter[k]}`,
      );
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
    if (st.ask) out.push(printAsk(st.ask, quote));
    out.push(printAction(st.action));
    expectsAfter(i + 1);
  });
  for (const n of s.trailingNotes) out.push(`note ${quote(n)}`);
  return `${out.join('\n')}\n`;
}
