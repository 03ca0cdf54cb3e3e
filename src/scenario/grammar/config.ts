/**
 * The configuration statements (scenario-language.md §2), the KVM switches of `kvm KEY=VALUE`,
 * the `x2apic-api` flags and the command line's `--set` keys, each declared once. The parser,
 * printer, settings, random generators, the config panel, compare and the editor's completion
 * read these tables.
 */
import type { Config, KvmSwitches, VmmConfig } from '../../core/config.ts';
import type { Arg } from './actions.ts';
import type { ValueKind } from './values.ts';
import {
  APIC_MODES,
  CPU,
  enumOf,
  GUEST_PROFILES,
  HOST_KERNELS,
  IOAPIC_VERSIONS,
  IRQCHIP_MODES,
  MACHINE,
  ON_OFF_KIND,
  QEMU_SEOIB_POLICIES,
  SEOIB_ALIASES,
  SEOIB_FLAGS_AT,
  SEOIB_SETTINGS,
  STORM_LIMIT,
  VCPUS,
} from './values.ts';

/** The IOAPIC versions as written (`0x11`). */
const IOAPIC_VERSION_WORDS = IOAPIC_VERSIONS.map((v) => `0x${v.toString(16)}`);

/** One `kvm KEY=VALUE` switch: its key, the Config field it sets, and how the UI shows it. */
export interface KvmSwitch {
  key: string;
  field: keyof KvmSwitches;
  values: ValueKind;
  /** The default as written (`on`, `quirked`, `10000`); core's defaultConfig() agrees (tested). */
  default: string;
  /** The rule it models, as docs/rules.md numbers it. */
  rule: string;
  label: string;
  help: string;
}

/**
 * The KVM switches, in the order the printer writes them. Adding a proposal switch is one row
 * here plus its field in KvmSwitches and its behaviour in the core.
 */
export const KVM_SWITCHES = [
  {
    key: 'stale-eoi-rescan',
    field: 'staleEoiRescan',
    values: ON_OFF_KIND,
    default: 'on',
    rule: 'R7.3 step 2',
    label: 'stale-EOI rescan',
    help: 'highest_stale_pending_ioapic_eoi and its rescan',
  },
  {
    key: 'seoib',
    field: 'seoib',
    values: enumOf(SEOIB_SETTINGS, SEOIB_ALIASES),
    default: 'quirked',
    rule: 'R8.2–R8.6',
    label: 'Suppress EOI Broadcast',
    help: 'the Suppress-EOI-Broadcast mode; auto = enabled for IOAPIC 0x20, disabled for 0x11',
  },
  {
    key: 'pv-eoi',
    field: 'pvEoi',
    values: ON_OFF_KIND,
    default: 'on',
    rule: 'R9',
    label: 'PV EOI offered',
    help: 'KVM offers PV EOI; the guest still has to enable it',
  },
  {
    key: 'pv-eoi-disable-fix',
    field: 'pvEoiDisableFix',
    values: ON_OFF_KIND,
    default: 'on',
    rule: 'R9.5',
    label: 'PV EOI disable fix',
    help: 'ignore a pending PV EOI once PV EOI was disabled',
  },
  {
    key: 'savic-eoi-write-check',
    field: 'savicEoiWriteCheck',
    values: ON_OFF_KIND,
    default: 'on',
    rule: 'R10.4 a',
    label: 'Secure AVIC EOI write check',
    help: 'the Secure AVIC EOI exit checks that it is a write',
  },
  {
    key: 'vector-hashing',
    field: 'vectorHashing',
    values: ON_OFF_KIND,
    default: 'on',
    rule: 'R4.7',
    label: 'vector hashing',
    help: 'lowest-priority arbitration',
  },
  {
    key: 'storm-limit',
    field: 'stormLimit',
    values: STORM_LIMIT,
    default: '10000',
    rule: 'R5.6 d',
    label: 'storm limit',
    help: 'the N-th successive EOI that finds a level line still high defers re-injection by 10 ms',
  },
] as const satisfies readonly KvmSwitch[];

export type KvmKey = (typeof KVM_SWITCHES)[number]['key'];
export const KVM_KEYS: readonly KvmKey[] = KVM_SWITCHES.map((s) => s.key);
/** A Map, not an object: no key may be found on Object.prototype (issue 14). */
export const KVM_SWITCH_BY_KEY: ReadonlyMap<string, KvmSwitch> = new Map(
  KVM_SWITCHES.map((s): [string, KvmSwitch] => [s.key, s]),
);

// Every KvmSwitches field has its row (a field added to the core without a row fails to compile).
type MissingSwitch = Exclude<keyof KvmSwitches, (typeof KVM_SWITCHES)[number]['field']>;
const everySwitchDeclared: [MissingSwitch] extends [never] ? true : MissingSwitch = true;
void everySwitchDeclared;

/** The flags of `x2apic-api` (KVM_CAP_X2APIC_API), each `on|off`, default QEMU's choice. */
export const X2APIC_API_FLAGS = [
  {
    key: '32bit-ids',
    field: 'ids32',
    rule: 'R4.8, R4.9',
    label: 'x2APIC API: 32-bit IDs',
    help: 'KVM_X2APIC_API_USE_32BIT_IDS; default: on above 255 vCPUs',
  },
  {
    key: 'broadcast-quirk',
    field: 'broadcastQuirk',
    rule: 'R4.1',
    label: 'x2APIC API: broadcast quirk',
    help: 'off = KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK; default: off above 255 vCPUs',
  },
] as const satisfies readonly {
  key: string;
  field: keyof Config['x2apicApi'];
  rule: string;
  label: string;
  help: string;
}[];

/**
 * One VMM setting of the SEOIB life (R8.8–R8.12): a key of `qemu …` or `host …`, the VmmConfig
 * field it sets. `nullable`: the field's default is null (the printer writes it only when set).
 */
export interface VmmSetting {
  statement: 'qemu' | 'host';
  key: string;
  field: keyof VmmConfig;
  values: ValueKind;
  /** The default as written, or `default` when the field is null until set. */
  default: string;
  rule: string;
  label: string;
  help: string;
}

/** The VMM settings, in the order the printer writes them (`qemu …` first, then `host …`). */
export const VMM_SETTINGS = [
  {
    statement: 'qemu',
    key: 'seoib-policy',
    field: 'seoibPolicy',
    values: enumOf(QEMU_SEOIB_POLICIES),
    default: 'default',
    rule: 'R8.10',
    label: 'QEMU SEOIB policy',
    help: 'which flag QEMU sets at power-on (the SEOIB RFC); default: the one kvm seoib= stands for',
  },
  {
    statement: 'qemu',
    key: 'machine',
    field: 'machine',
    values: MACHINE,
    default: 'default',
    rule: 'R8.10',
    label: 'machine type',
    help: 'pc-q35-X.Y or pc-i440fx-X.Y; auto-new-machines gates on 10.2; default pc-q35-10.2',
  },
  {
    statement: 'qemu',
    key: 'seoib-flags',
    field: 'seoibFlags',
    values: enumOf(SEOIB_FLAGS_AT),
    default: 'after-load',
    rule: 'R8.11',
    label: 'Migration flags',
    help: 'when a destination sets its flags',
  },
  {
    statement: 'qemu',
    key: 'loadvm-check',
    field: 'loadvmCheck',
    values: ON_OFF_KIND,
    default: 'off',
    rule: 'R8.12',
    label: 'loadvm check',
    help: 'loadvm refuses a snapshot whose SEOIB state KVM can no longer reach',
  },
  {
    statement: 'host',
    key: 'kernel',
    field: 'kernel',
    values: enumOf(HOST_KERNELS),
    default: 'seoib-api',
    rule: 'R8.8',
    label: 'Host kernel',
    help: 'whether the kernel has the SEOIB flags',
  },
] as const satisfies readonly VmmSetting[];

// Every VmmConfig field has its row.
type MissingVmm = Exclude<keyof VmmConfig, (typeof VMM_SETTINGS)[number]['field']>;
const everyVmmDeclared: [MissingVmm] extends [never] ? true : MissingVmm = true;
void everyVmmDeclared;

const vmmArgs = (statement: 'qemu' | 'host'): readonly Arg[] =>
  VMM_SETTINGS.filter((s) => s.statement === statement).map((s) => ({ name: s.key, values: s.values }));

/** One configuration statement: how it is written, its arguments, what it sets. */
export interface ConfigStatement {
  name: string;
  /** The form as the language reference writes it. */
  syntax: string;
  args: readonly Arg[];
  help: string;
}

const state: readonly Arg[] = [{ name: 'state', positional: true, required: true, values: ON_OFF_KIND }];

/** The configuration statements (contract §2), which must come before the first action. */
export const CONFIG_STATEMENTS = [
  {
    name: 'title',
    syntax: 'title "…"',
    args: [{ name: 'text', positional: true, required: true, values: { kind: 'string' } }],
    help: 'the scenario’s title',
  },
  {
    name: 'vcpus',
    syntax: 'vcpus N',
    args: [{ name: 'n', positional: true, required: true, values: VCPUS }],
    help: 'number of vCPUs, 1–4096 (default 2)',
  },
  {
    name: 'apic',
    syntax: 'apic xapic|x2apic [cpuid=xapic|x2apic]',
    args: [
      { name: 'mode', positional: true, required: true, values: enumOf(APIC_MODES) },
      { name: 'cpuid', values: enumOf(APIC_MODES) },
    ],
    help: 'LAPIC mode (default x2apic); cpuid: x2APIC in CPUID',
  },
  {
    name: 'irqchip',
    syntax: 'irqchip split|kernel',
    args: [{ name: 'mode', positional: true, required: true, values: enumOf(IRQCHIP_MODES) }],
    help: 'QEMU’s IOAPIC (split) or KVM’s (kernel)',
  },
  {
    name: 'ioapic',
    syntax: 'ioapic version=0x11|0x20',
    args: [{ name: 'version', positional: true, required: true, values: enumOf(IOAPIC_VERSION_WORDS) }],
    help: 'the IOAPIC version (R5.2)',
  },
  { name: 'apicv', syntax: 'apicv on|off', args: state, help: 'hardware virtual-interrupt delivery (R3.9)' },
  {
    name: 'kvm',
    syntax: 'kvm KEY=VALUE …',
    args: KVM_SWITCHES.map((s) => ({ name: s.key, values: s.values })),
    help: 'KVM switches: upstream behaviour or a proposal',
  },
  {
    name: 'guest',
    syntax: 'guest CPU|all profile=manual|linux|windows',
    args: [
      { name: 'cpu', positional: true, required: true, values: CPU },
      { name: 'profile', required: true, values: enumOf(GUEST_PROFILES) },
    ],
    help: 'a guest profile',
  },
  {
    name: 'secure-avic',
    syntax: 'secure-avic on|off',
    args: state,
    help: 'AMD Secure AVIC guest [proposal]',
  },
  {
    name: 'x2apic-api',
    syntax: 'x2apic-api [32bit-ids=on|off] [broadcast-quirk=on|off]',
    args: X2APIC_API_FLAGS.map((f) => ({ name: f.key, values: ON_OFF_KIND })),
    help: 'the VMM’s KVM_CAP_X2APIC_API flags (R4.1, R4.8, R4.9)',
  },
  {
    name: 'qemu',
    syntax:
      'qemu [seoib-policy=…] [machine=pc-q35-X.Y] [seoib-flags=after-load|before-load] [loadvm-check=on|off]',
    args: vmmArgs('qemu'),
    help: 'QEMU’s SEOIB policy, machine type and migration flags (R8.10–R8.12)',
  },
  {
    name: 'host',
    syntax: 'host kernel=seoib-api|no-seoib-api',
    args: vmmArgs('host'),
    help: 'whether the host kernel has the SEOIB API (R8.8)',
  },
] as const satisfies readonly ConfigStatement[];

export type ConfigStatementName = (typeof CONFIG_STATEMENTS)[number]['name'];
export const CONFIG_STATEMENT_NAMES: readonly ConfigStatementName[] = CONFIG_STATEMENTS.map((s) => s.name);
/** A Map, not an object: no name may be found on Object.prototype (issue 14). */
export const CONFIG_BY_NAME: ReadonlyMap<string, ConfigStatement> = new Map(
  CONFIG_STATEMENTS.map((s): [string, ConfigStatement] => [s.name, s]),
);

/**
 * A `--set KEY=VALUE` key of the command line (and share links' `c=`, compare's choices): the
 * configuration statement it stands for, and the values it takes.
 */
export interface SettingKey {
  key: string;
  /** The statement `--set KEY=VALUE` is parsed as. */
  statement: (value: string) => string;
  values: ValueKind;
  label: string;
}

/** The `--set` keys with one fixed name, in the order the command line lists them. */
export const SETTING_KEYS: readonly SettingKey[] = [
  { key: 'vcpus', statement: (v) => `vcpus ${v}`, values: VCPUS, label: 'vCPUs' },
  { key: 'apic', statement: (v) => `apic ${v}`, values: enumOf(APIC_MODES), label: 'APIC mode' },
  { key: 'irqchip', statement: (v) => `irqchip ${v}`, values: enumOf(IRQCHIP_MODES), label: 'irqchip' },
  { key: 'apicv', statement: (v) => `apicv ${v}`, values: ON_OFF_KIND, label: 'APICv' },
  { key: 'secure-avic', statement: (v) => `secure-avic ${v}`, values: ON_OFF_KIND, label: 'Secure AVIC' },
  {
    key: 'ioapic.version',
    statement: (v) => `ioapic version=${v}`,
    values: enumOf(IOAPIC_VERSION_WORDS),
    label: 'IOAPIC version',
  },
  ...KVM_SWITCHES.map(
    (s): SettingKey => ({
      key: `kvm.${s.key}`,
      statement: (v) => `kvm ${s.key}=${v}`,
      values: s.values,
      label: s.label,
    }),
  ),
  {
    key: 'guest.all',
    statement: (v) => `guest all profile=${v}`,
    values: enumOf(GUEST_PROFILES),
    label: 'guest profile (all vCPUs)',
  },
  ...X2APIC_API_FLAGS.map(
    (f): SettingKey => ({
      key: `x2apic-api.${f.key}`,
      statement: (v) => `x2apic-api ${f.key}=${v}`,
      values: ON_OFF_KIND,
      label: f.label,
    }),
  ),
  ...VMM_SETTINGS.map(
    (s): SettingKey => ({
      key: `${s.statement}.${s.key}`,
      statement: (v) => `${s.statement} ${s.key}=${v}`,
      values: s.values,
      label: s.label,
    }),
  ),
];

/** A Map, not an object: no key may be found on Object.prototype (issue 14). */
const SETTING_BY_KEY: ReadonlyMap<string, SettingKey> = new Map(SETTING_KEYS.map((s) => [s.key, s]));

/**
 * The setting key `key` names: a fixed one, or `guest.<cpu>` (any word after `guest.`: the
 * parser judges the vCPU index), or undefined.
 */
export function settingKey(key: string): SettingKey | undefined {
  const fixed = SETTING_BY_KEY.get(key);
  if (fixed) return fixed;
  if (key.startsWith('guest.'))
    return {
      key,
      statement: (v) => `guest ${key.slice(6)} profile=${v}`,
      values: enumOf(GUEST_PROFILES),
      label: `guest profile, vCPU ${key.slice(6)}`,
    };
  if (key.startsWith('kvm.'))
    return { key, statement: (v) => `kvm ${key.slice(4)}=${v}`, values: { kind: 'string' }, label: key };
  return undefined;
}

/** A switch's value as written: `on`/`off`, a mode, a number. */
export function switchWord(v: boolean | string | number): string {
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
}

/** The KvmSwitches value of a word that the switch's kind accepts (`on` → true, `7` → 7). */
export function switchValue<S extends KvmSwitch>(sw: S, word: string): KvmSwitches[S['field']] {
  const k = sw.values;
  const v = k.kind === 'on-off' ? word === 'on' : k.kind === 'number' ? Number(word) : word;
  return v as KvmSwitches[S['field']];
}
