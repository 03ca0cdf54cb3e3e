/**
 * The scenario language's value kinds (scenario-language.md §1): the words each enumerated slot
 * accepts, in the order of the numbers the core uses for them (`TRIGGERS[1]` is level), and the
 * number syntax. Plain data and pure functions: the UI thread imports it without the parser.
 */
import { MACHINE_RE, MAX_RUN, MAX_STORM_LIMIT, MAX_VCPUS, NUM_PINS } from '../../core/limits.ts';

export const ON_OFF = ['on', 'off'] as const;
/** RTE/MSI trigger mode: index 0 edge, 1 level (core `Trigger`). */
export const TRIGGERS = ['edge', 'level'] as const;
/** Destination mode: index 0 physical, 1 logical (core `DestMode`). */
export const DEST_MODES = ['physical', 'logical'] as const;
/** Delivery mode: index 0 fixed, 1 lowest priority (core `DeliveryMode`). */
export const DELIVERY_MODES = ['fixed', 'lowest'] as const;
/** RTE polarity: index 0 active high, 1 active low. */
export const POLARITIES = ['high', 'low'] as const;
/** ICR destination shorthand: index = core `Shorthand`. */
export const SHORTHANDS = ['none', 'self', 'all', 'others'] as const;
export const APIC_MODES = ['xapic', 'x2apic'] as const;
export const IRQCHIP_MODES = ['split', 'kernel'] as const;
export const GUEST_PROFILES = ['manual', 'linux', 'windows'] as const;
/** `kvm seoib=`: the VMM's choice (R8.2–R8.6). */
export const SEOIB_SETTINGS = ['quirked', 'enabled', 'disabled', 'auto'] as const;
/** `expect kvm seoib =`: the VM's mode once `auto` is resolved. */
export const SEOIB_MODES = ['quirked', 'enabled', 'disabled'] as const;
/** The proposal's names for two SEOIB modes, accepted wherever a mode is. */
export const SEOIB_ALIASES: ReadonlyMap<string, 'enabled' | 'disabled'> = new Map([
  ['respected', 'enabled'],
  ['not-advertised', 'disabled'],
]);
export const APICV_STATES = ['active', 'inhibited', 'off'] as const;
/** `qemu seoib-policy=`: QEMU's SEOIB policy (R8.10); `none` is a QEMU before the patch. */
export const QEMU_SEOIB_POLICIES = [
  'quirked',
  'respected',
  'not-advertised',
  'auto',
  'auto-new-machines',
  'none',
] as const;
/** QEMU's kvm_lapic_seoib_state, the value of its VMState subsection (R8.6). */
export const QEMU_SEOIB_STATES = ['quirked', 'respected', 'not-advertised'] as const;
/** `qemu seoib-flags=` / `migrate flags=`: when a destination sets its flags (R8.11). */
export const SEOIB_FLAGS_AT = ['after-load', 'before-load'] as const;
/** `host kernel=`: whether the host kernel has the SEOIB flags of KVM_CAP_X2APIC_API (R8.8). */
export const HOST_KERNELS = ['seoib-api', 'no-seoib-api'] as const;
/** `kvm-set-x2apic-api seoib=`: the SEOIB flags of one KVM_ENABLE_CAP call (R8.8). */
export const CAP_SEOIB_FLAGS = ['enable', 'disable', 'both'] as const;
/** The IOAPIC versions QEMU and KVM implement (R5.2). */
export const IOAPIC_VERSIONS = [0x11, 0x20] as const;

/** What one slot of a statement accepts. */
export type ValueKind =
  | { kind: 'on-off' }
  | { kind: 'enum'; values: readonly string[]; aliases?: ReadonlyMap<string, string> }
  /** `hex`: written and printed in hex (vectors, registers); `dec`: counts and indices. */
  | { kind: 'number'; min: number; max: number; radix: 'dec' | 'hex' }
  | { kind: 'duration' }
  | { kind: 'name' }
  /** A QEMU machine type, pc-q35-X.Y or pc-i440fx-X.Y (MACHINE_RE). */
  | { kind: 'machine' }
  | { kind: 'string' }
  | { kind: 'vector-set' };

export const ON_OFF_KIND = { kind: 'on-off' } as const satisfies ValueKind;
export const VECTOR = { kind: 'number', min: 0, max: 255, radix: 'hex' } as const satisfies ValueKind;
export const PIN = { kind: 'number', min: 0, max: NUM_PINS - 1, radix: 'dec' } as const satisfies ValueKind;
export const CPU = { kind: 'number', min: 0, max: MAX_VCPUS - 1, radix: 'dec' } as const satisfies ValueKind;
export const VCPUS = { kind: 'number', min: 1, max: MAX_VCPUS, radix: 'dec' } as const satisfies ValueKind;
export const REG32 = { kind: 'number', min: 0, max: 0xffffffff, radix: 'hex' } as const satisfies ValueKind;
export const RTE_DEST = { kind: 'number', min: 0, max: 255, radix: 'dec' } as const satisfies ValueKind;
export const MSG_DEST = {
  kind: 'number',
  min: 0,
  max: 0xffffffff,
  radix: 'dec',
} as const satisfies ValueKind;
export const BIT = { kind: 'number', min: 0, max: 1, radix: 'dec' } as const satisfies ValueKind;
export const STORM_LIMIT = {
  kind: 'number',
  min: 1,
  max: MAX_STORM_LIMIT,
  radix: 'dec',
} as const satisfies ValueKind;
export const RUN_STEPS = { kind: 'number', min: 0, max: MAX_RUN, radix: 'dec' } as const satisfies ValueKind;
export const DURATION = { kind: 'duration' } as const satisfies ValueKind;
export const NAME = { kind: 'name' } as const satisfies ValueKind;
export const MACHINE = { kind: 'machine' } as const satisfies ValueKind;
export { MACHINE_RE };

export const enumOf = (values: readonly string[], aliases?: ReadonlyMap<string, string>): ValueKind =>
  aliases ? { kind: 'enum', values, aliases } : { kind: 'enum', values };

/** The words a slot offers (for completion and select boxes); numbers offer none. */
export function choicesOf(k: ValueKind): readonly string[] {
  if (k.kind === 'on-off') return ON_OFF;
  if (k.kind === 'enum') return k.values;
  return [];
}

/**
 * A decimal (`48`) or hex (`0x30`) number, or null. A scan rather than a regular expression:
 * it runs for nearly every token. Digits are summed exactly up to 2^53; past that the value
 * only grows, so the safe-integer check still refuses it.
 */
export function parseNumber(text: string): number | null {
  const len = text.length;
  if (len === 0) return null;
  let n = 0;
  const x = text.charCodeAt(1);
  if (len > 2 && text.charCodeAt(0) === 48 && (x === 120 || x === 88)) {
    for (let i = 2; i < len; i++) {
      const c = text.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return null;
      n = n * 16 + d;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      n = n * 10 + (c - 48);
    }
  }
  return Number.isSafeInteger(n) ? n : null;
}

/** Snapshot names (`snapshot NAME`). */
export const NAME_RE = /^[A-Za-z0-9_.-]+$/;

export const DURATION_RE = /^([0-9]+)(ns|us|µs|ms|s)$/i;
/** A Map, not an object: no unit may be found on Object.prototype (issue 14). */
export const UNIT_NS: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['µs', 1e3],
  ['ms', 1e6],
  ['s', 1e9],
]);
/** The longest `wait`, in ns. */
export const MAX_DURATION_NS = 1e15;

/** `10ms` → 10000000; null when it is not a duration the language accepts. */
export function parseDuration(text: string): number | null {
  const m = DURATION_RE.exec(text);
  if (!m) return null;
  const ns = Number(m[1]) * UNIT_NS.get(m[2].toLowerCase())!;
  return Number.isSafeInteger(ns) && ns <= MAX_DURATION_NS ? ns : null;
}

/** The shortest exact spelling of a duration: `10ms`, `1500us`. */
export function formatDuration(ns: number): string {
  for (const [unit, f] of [
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const)
    if (ns >= f && ns % f === 0) return `${ns / f}${unit}`;
  return `${ns}ns`;
}

/** A double-quoted string as the lexer reads it back. */
export function quote(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ')}"`;
}
