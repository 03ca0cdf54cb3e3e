/**
 * The printer's exact text (print.ts and the printers it re-exports): every action and vCPU
 * operation, every configuration statement and key, every expectation, durations and quoting.
 *
 * The other tests print, parse and compare; that misses any spelling that parses back to the
 * same value or to a default: `trigger = 1` for `trigger = level`, `dest = 0x11` for `17`,
 * `apicv off` printed, `polarity=high` dropped when the line keeps it, `1500000ns` for `1500us`.
 * Here each form is pinned as printed today, and each pinned text is checked to parse back to
 * what was printed (so the canonical form stays valid language). The tables are keyed by the
 * core's kinds (the compiler finds a missing one) and checked against the grammar's word lists.
 */
import { describe, expect, it } from 'vitest';
import type { Action, CpuOp, RteFields } from '../core/actions.ts';
import type { Config } from '../core/config.ts';
import { defaultConfig } from '../core/config.ts';
import { mustParse } from '../replay/testing.ts';
import type { Check } from './ast.ts';
import {
  ACTION_NAMES,
  CONFIG_STATEMENT_NAMES,
  COUNTERS,
  CPU_OP_NAMES,
  CPU_SET_REGS,
  CPU_VALUE_REGS,
  choicesOf,
  EXPECT_KVM_KEYS,
  EXPECT_SUBJECTS,
  EXPECT_VM_KEYS,
  IOAPIC_FIELDS,
  KVM_SWITCHES,
  RTE_ARGS,
  VMM_SETTINGS,
  X2APIC_API_FLAGS,
} from './grammar/index.ts';
import { formatDuration, printAction, printCheck, printConfig, printScenario, quote } from './print.ts';

/** Parsed after this prelude: vCPU 3 exists and `restore s1` / `loadvm s1` have their snapshot. */
const PRELUDE = 'vcpus 4\nsnapshot s1\n';
const parsedAction = (text: string): Action => mustParse(`${PRELUDE}${text}\n`).steps.at(-1)!.action;

// ── Actions ────────────────────────────────────────────────────────────────────────────────

type Row<T> = readonly [T, string];
type ActionOf<K extends Action['kind']> = Extract<Action, { kind: K }>;
type OpOf<K extends CpuOp['op']> = Extract<CpuOp, { op: K }>;

/** Each RTE field alone, at both ends of its range: present fields are printed, defaults too. */
const RTE_FIELD_TEXT: readonly Row<Partial<RteFields>>[] = [
  [{ vector: 0 }, 'vector=0x0'],
  [{ vector: 0xef }, 'vector=0xef'],
  [{ trigger: 0 }, 'trigger=edge'],
  [{ trigger: 1 }, 'trigger=level'],
  [{ dest: 0 }, 'dest=0'],
  [{ dest: 17 }, 'dest=17'],
  [{ destMode: 0 }, 'destmode=physical'],
  [{ destMode: 1 }, 'destmode=logical'],
  [{ deliveryMode: 0 }, 'delivery=fixed'],
  [{ deliveryMode: 1 }, 'delivery=lowest'],
  [{ mask: 0 }, 'mask=0'],
  [{ mask: 1 }, 'mask=1'],
  [{ polarity: 0 }, 'polarity=high'],
  [{ polarity: 1 }, 'polarity=low'],
];
/** Every field, listed out of order: the printer's order is fixed (polarity before mask). */
const ALL_RTE: RteFields = {
  mask: 1,
  polarity: 1,
  dest: 3,
  deliveryMode: 1,
  destMode: 1,
  trigger: 1,
  vector: 0x31,
};
const ALL_RTE_TEXT = 'vector=0x31 trigger=level dest=3 destmode=logical delivery=lowest polarity=low mask=1';

const ACTION_TEXT: { [K in Action['kind']]: readonly Row<ActionOf<K>>[] } = {
  route: [
    [{ kind: 'route', pin: 10, fields: {} }, 'route 10'],
    ...RTE_FIELD_TEXT.map(
      ([fields, t]): Row<ActionOf<'route'>> => [{ kind: 'route', pin: 23, fields }, `route 23 ${t}`],
    ),
    [{ kind: 'route', pin: 0, fields: ALL_RTE }, `route 0 ${ALL_RTE_TEXT}`],
  ],
  mask: [[{ kind: 'mask', pin: 3 }, 'mask 3']],
  unmask: [[{ kind: 'unmask', pin: 4 }, 'unmask 4']],
  assert: [[{ kind: 'assert', pin: 10 }, 'assert 10']],
  deassert: [[{ kind: 'deassert', pin: 11 }, 'deassert 11']],
  pulse: [[{ kind: 'pulse', pin: 0 }, 'pulse 0']],
  msi: [
    // The defaults (physical, fixed, edge) are left out.
    [
      { kind: 'msi', dest: 0, vector: 0x31, destMode: 0, deliveryMode: 0, trigger: 0 },
      'msi dest=0 vector=0x31',
    ],
    [
      { kind: 'msi', dest: 3, vector: 0x62, destMode: 1, deliveryMode: 1, trigger: 1 },
      'msi dest=3 vector=0x62 destmode=logical delivery=lowest trigger=level',
    ],
    [
      { kind: 'msi', dest: 1, vector: 0, destMode: 1, deliveryMode: 0, trigger: 0 },
      'msi dest=1 vector=0x0 destmode=logical',
    ],
    [
      { kind: 'msi', dest: 1, vector: 1, destMode: 0, deliveryMode: 1, trigger: 0 },
      'msi dest=1 vector=0x1 delivery=lowest',
    ],
    [
      { kind: 'msi', dest: 1, vector: 2, destMode: 0, deliveryMode: 0, trigger: 1 },
      'msi dest=1 vector=0x2 trigger=level',
    ],
    // A destination is decimal up to 0xff (an APIC ID), hex above (an x2APIC ID).
    [
      { kind: 'msi', dest: 0xff, vector: 0x31, destMode: 0, deliveryMode: 0, trigger: 0 },
      'msi dest=255 vector=0x31',
    ],
    [
      { kind: 'msi', dest: 0x100, vector: 0x31, destMode: 0, deliveryMode: 0, trigger: 0 },
      'msi dest=0x100 vector=0x31',
    ],
    [
      { kind: 'msi', dest: 0xffffffff, vector: 0xff, destMode: 0, deliveryMode: 0, trigger: 0 },
      'msi dest=0xffffffff vector=0xff',
    ],
  ],
  ipi: [
    // dest 0 and shorthand none are defaults, left out like physical and fixed.
    [
      { kind: 'ipi', from: 0, vector: 0x40, dest: 0, destMode: 0, deliveryMode: 0, shorthand: 0 },
      'ipi from=0 vector=0x40',
    ],
    [
      { kind: 'ipi', from: 1, vector: 0xfd, dest: 2, destMode: 1, deliveryMode: 1, shorthand: 3 },
      'ipi from=1 vector=0xfd dest=2 destmode=logical delivery=lowest shorthand=others',
    ],
    [
      { kind: 'ipi', from: 2, vector: 0x41, dest: 0, destMode: 0, deliveryMode: 0, shorthand: 1 },
      'ipi from=2 vector=0x41 shorthand=self',
    ],
    [
      { kind: 'ipi', from: 3, vector: 0x42, dest: 0, destMode: 0, deliveryMode: 0, shorthand: 2 },
      'ipi from=3 vector=0x42 shorthand=all',
    ],
    [
      { kind: 'ipi', from: 0, vector: 0x43, dest: 0xff, destMode: 1, deliveryMode: 0, shorthand: 0 },
      'ipi from=0 vector=0x43 dest=255 destmode=logical',
    ],
    [
      { kind: 'ipi', from: 0, vector: 0x44, dest: 0x100, destMode: 0, deliveryMode: 1, shorthand: 0 },
      'ipi from=0 vector=0x44 dest=0x100 delivery=lowest',
    ],
  ],
  wait: [[{ kind: 'wait', ns: 10e6 }, 'wait 10ms']],
  snapshot: [
    [{ kind: 'snapshot', name: 's1' }, 'snapshot s1'],
    [{ kind: 'snapshot', name: 'a.b-c_2', as: 'savevm' }, 'savevm a.b-c_2'],
  ],
  restore: [
    [{ kind: 'restore', name: 's1' }, 'restore s1'],
    [{ kind: 'restore', name: 's1', as: 'loadvm' }, 'loadvm s1'],
  ],
  'host-pv-eoi': [[{ kind: 'host-pv-eoi', cpu: 3 }, 'host-pv-eoi 3 off']],
  reboot: [[{ kind: 'reboot' }, 'reboot']],
  'power-on': [
    [{ kind: 'power-on', host: {} }, 'power-on'],
    [
      { kind: 'power-on', host: { kernel: 'no-seoib-api', machine: 'pc-q35-10.1', policy: 'auto' } },
      'power-on policy=auto machine=pc-q35-10.1 kernel=no-seoib-api',
    ],
    [{ kind: 'power-on', host: { policy: 'auto-new-machines' } }, 'power-on policy=auto-new-machines'],
    [{ kind: 'power-on', host: { machine: 'pc-i440fx-9.2' } }, 'power-on machine=pc-i440fx-9.2'],
    [{ kind: 'power-on', host: { kernel: 'seoib-api' } }, 'power-on kernel=seoib-api'],
  ],
  migrate: [
    [{ kind: 'migrate', host: {} }, 'migrate'],
    [
      {
        kind: 'migrate',
        host: { flags: 'before-load', kernel: 'seoib-api', machine: 'pc-i440fx-9.2', policy: 'none' },
      },
      'migrate policy=none machine=pc-i440fx-9.2 kernel=seoib-api flags=before-load',
    ],
    // after-load is the default of `qemu seoib-flags=`, yet written: it overrides that setting.
    [{ kind: 'migrate', host: { flags: 'after-load' } }, 'migrate flags=after-load'],
  ],
  'kvm-set-x2apic-api': [
    [{ kind: 'kvm-set-x2apic-api', seoib: 'enable' }, 'kvm-set-x2apic-api seoib=enable'],
    [{ kind: 'kvm-set-x2apic-api', seoib: 'disable' }, 'kvm-set-x2apic-api seoib=disable'],
    [{ kind: 'kvm-set-x2apic-api', seoib: 'both' }, 'kvm-set-x2apic-api seoib=both'],
  ],
  cpu: [], // CPU_OP_TEXT below, one table per operation.
  run: [
    [{ kind: 'run', n: 0 }, 'run 0'],
    [{ kind: 'run', n: 7 }, 'run 7'],
    // The default count is written out, not left to `run`'s default.
    [{ kind: 'run', n: 100000 }, 'run 100000'],
  ],
};

/** `cpu C OP`: registers in hex (0 is `0x0`), on/off words, pins in decimal. */
const CPU_OP_TEXT: { [K in CpuOp['op']]: readonly Row<OpOf<K>>[] } = {
  eoi: [[{ op: 'eoi' }, 'eoi']],
  iret: [[{ op: 'iret' }, 'iret']],
  sti: [[{ op: 'sti' }, 'sti']],
  cli: [[{ op: 'cli' }, 'cli']],
  tpr: [
    [{ op: 'tpr', value: 0 }, 'tpr 0x0'],
    [{ op: 'tpr', value: 0x20 }, 'tpr 0x20'],
  ],
  'apic-id': [[{ op: 'apic-id', value: 0x3000000 }, 'apic-id 0x3000000']],
  ldr: [[{ op: 'ldr', value: 0x1000000 }, 'ldr 0x1000000']],
  dfr: [[{ op: 'dfr', value: 0xffffffff }, 'dfr 0xffffffff']],
  spiv: [[{ op: 'spiv', value: 0x1ff }, 'spiv 0x1ff']],
  seoib: [
    [{ op: 'seoib', on: true }, 'seoib on'],
    [{ op: 'seoib', on: false }, 'seoib off'],
  ],
  'ioapic-eoi': [[{ op: 'ioapic-eoi', value: 0x31 }, 'ioapic-eoi 0x31']],
  service: [[{ op: 'service', pin: 17 }, 'service 17']],
  'ioapic-rte': [
    [{ op: 'ioapic-rte', pin: 10, fields: {} }, 'ioapic-rte 10'],
    ...RTE_FIELD_TEXT.map(
      ([fields, t]): Row<OpOf<'ioapic-rte'>> => [{ op: 'ioapic-rte', pin: 2, fields }, `ioapic-rte 2 ${t}`],
    ),
    [{ op: 'ioapic-rte', pin: 23, fields: ALL_RTE }, `ioapic-rte 23 ${ALL_RTE_TEXT}`],
  ],
  'pv-eoi': [
    [{ op: 'pv-eoi', on: true }, 'pv-eoi on'],
    [{ op: 'pv-eoi', on: false }, 'pv-eoi off'],
  ],
  'rdmsr-eoi': [[{ op: 'rdmsr-eoi' }, 'rdmsr eoi']],
  exit: [[{ op: 'exit' }, 'exit']],
};

const actionRows: Row<Action>[] = [
  ...Object.values(ACTION_TEXT).flat(),
  ...Object.values(CPU_OP_TEXT)
    .flat()
    .map(([op, t], i): Row<Action> => [{ kind: 'cpu', cpu: i % 4, op }, `cpu ${i % 4} ${t}`]),
];

describe('printAction', () => {
  it.each(actionRows)('%j prints as %s', (action, text) => {
    expect(printAction(action)).toBe(text);
    expect(parsedAction(text)).toEqual(action);
  });

  it('covers every action and vCPU operation word of the grammar', () => {
    const words = (n: number) => new Set(actionRows.map(([, t]) => t.split(' ')[n]));
    expect([...words(0)].sort()).toEqual([...ACTION_NAMES].sort());
    const ops = new Set(actionRows.filter(([a]) => a.kind === 'cpu').map(([, t]) => t.split(' ')[2]));
    expect([...ops].sort()).toEqual([...CPU_OP_NAMES].sort());
    expect(new Set(RTE_FIELD_TEXT.map(([, t]) => t.split('=')[0]))).toEqual(
      new Set(RTE_ARGS.map((a) => a.name)),
    );
  });

  it('never prints flags= on power-on, which does not take it', () => {
    expect(printAction({ kind: 'power-on', host: { flags: 'before-load', policy: 'quirked' } })).toBe(
      'power-on policy=quirked',
    );
  });
});

// ── Durations and quoting ──────────────────────────────────────────────────────────────────

describe('formatDuration', () => {
  // The largest unit that divides the time exactly; ns below 1 us or when nothing divides it.
  it.each([
    [0, '0ns'],
    [1, '1ns'],
    [999, '999ns'],
    [1000, '1us'],
    [1500, '1500ns'],
    [999_000, '999us'],
    [1_500_000, '1500us'],
    [1_000_001, '1000001ns'],
    [1e6, '1ms'],
    [10e6, '10ms'],
    [999e6, '999ms'],
    [1e9, '1s'],
    [1.5e9, '1500ms'],
    [2e9 + 1000, '2000001us'],
    [60e9, '60s'],
    [1e15, '1000000s'],
  ])('%d ns is %s', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
    expect(parsedAction(`wait ${text}`)).toEqual({ kind: 'wait', ns });
  });
});

describe('quote', () => {
  // Only \ and " are escapes (the lexer refuses others), \ first so the escape of " is not doubled.
  it.each([
    ['', '""'],
    ['plain text', '"plain text"'],
    ['a "b"', '"a \\"b\\""'],
    ['C:\\dir', '"C:\\\\dir"'],
    ['\\"', '"\\\\\\""'],
    ["tab\tand # and 'single' µs", '"tab\tand # and \'single\' µs"'],
  ])('%j is %s', (s, text) => {
    expect(quote(s)).toBe(text);
    expect(mustParse(`title ${text}`).config.title).toBe(s);
  });

  // A string is one line of the file: a run of line breaks becomes one space.
  it.each([
    ['a\nb', '"a b"'],
    ['a\r\nb', '"a b"'],
    ['a\n\n\r\nb\n', '"a b "'],
  ])('%j is %s', (s, text) => {
    expect(quote(s)).toBe(text);
  });
});

// ── Configuration ──────────────────────────────────────────────────────────────────────────

type ConfigEdit = (c: Config) => void;

/** One setting changed from the default, and the lines printed for it. */
const CONFIG_TEXT: readonly (readonly [string, ConfigEdit, readonly string[]])[] = [
  ['title', (c) => (c.title = 'Pin 10 "storm"'), ['title "Pin 10 \\"storm\\""']],
  ['empty title', (c) => (c.title = ''), ['title ""']],
  ['vcpus', (c) => (c.vcpus = 1), ['vcpus 1']],
  ['vcpus default', (c) => (c.vcpus = 2), []],
  ['apic', (c) => (c.apic = 'xapic'), ['apic xapic']],
  // cpuid= is written whenever it is set, even when it says what the mode implies.
  ['apic cpuid, default mode', (c) => (c.apicCpuid = 'x2apic'), ['apic x2apic cpuid=x2apic']],
  [
    'apic cpuid, same as xapic',
    (c) => {
      c.apic = 'xapic';
      c.apicCpuid = 'xapic';
    },
    ['apic xapic cpuid=xapic'],
  ],
  [
    'apic and cpuid',
    (c) => {
      c.apic = 'xapic';
      c.apicCpuid = 'x2apic';
    },
    ['apic xapic cpuid=x2apic'],
  ],
  ['irqchip', (c) => (c.irqchip = 'kernel'), ['irqchip kernel']],
  // A version is written whenever it is set, even the irqchip's default.
  ['ioapic 0x11', (c) => (c.ioapicVersion = 0x11), ['ioapic version=0x11']],
  ['ioapic 0x20', (c) => (c.ioapicVersion = 0x20), ['ioapic version=0x20']],
  ['apicv', (c) => (c.apicv = true), ['apicv on']],
  ['secure-avic', (c) => (c.secureAvic = true), ['secure-avic on']],
  // null is QEMU's choice and is left out; on and off are both written.
  ['x2apic-api 32bit-ids=on', (c) => (c.x2apicApi.ids32 = true), ['x2apic-api 32bit-ids=on']],
  ['x2apic-api 32bit-ids=off', (c) => (c.x2apicApi.ids32 = false), ['x2apic-api 32bit-ids=off']],
  [
    'x2apic-api broadcast-quirk=on',
    (c) => (c.x2apicApi.broadcastQuirk = true),
    ['x2apic-api broadcast-quirk=on'],
  ],
  [
    'x2apic-api broadcast-quirk=off',
    (c) => (c.x2apicApi.broadcastQuirk = false),
    ['x2apic-api broadcast-quirk=off'],
  ],
  [
    'x2apic-api both',
    (c) => (c.x2apicApi = { broadcastQuirk: false, ids32: true }),
    ['x2apic-api 32bit-ids=on broadcast-quirk=off'],
  ],
  ['kvm stale-eoi-rescan', (c) => (c.kvm.staleEoiRescan = false), ['kvm stale-eoi-rescan=off']],
  ['kvm seoib=enabled', (c) => (c.kvm.seoib = 'enabled'), ['kvm seoib=enabled']],
  ['kvm seoib=disabled', (c) => (c.kvm.seoib = 'disabled'), ['kvm seoib=disabled']],
  ['kvm seoib=auto', (c) => (c.kvm.seoib = 'auto'), ['kvm seoib=auto']],
  ['kvm pv-eoi', (c) => (c.kvm.pvEoi = false), ['kvm pv-eoi=off']],
  ['kvm pv-eoi-disable-fix', (c) => (c.kvm.pvEoiDisableFix = false), ['kvm pv-eoi-disable-fix=off']],
  ['kvm savic-eoi-write-check', (c) => (c.kvm.savicEoiWriteCheck = false), ['kvm savic-eoi-write-check=off']],
  ['kvm vector-hashing', (c) => (c.kvm.vectorHashing = false), ['kvm vector-hashing=off']],
  // A count, in decimal.
  ['kvm storm-limit', (c) => (c.kvm.stormLimit = 16), ['kvm storm-limit=16']],
  [
    'kvm, every switch on one line in table order',
    (c) =>
      (c.kvm = {
        stormLimit: 1,
        vectorHashing: false,
        savicEoiWriteCheck: false,
        pvEoiDisableFix: false,
        pvEoi: false,
        seoib: 'auto',
        staleEoiRescan: false,
      }),
    [
      'kvm stale-eoi-rescan=off seoib=auto pv-eoi=off pv-eoi-disable-fix=off savic-eoi-write-check=off vector-hashing=off storm-limit=1',
    ],
  ],
  ['qemu seoib-policy', (c) => (c.vmm.seoibPolicy = 'quirked'), ['qemu seoib-policy=quirked']],
  ['qemu seoib-policy none', (c) => (c.vmm.seoibPolicy = 'none'), ['qemu seoib-policy=none']],
  ['qemu machine', (c) => (c.vmm.machine = 'pc-q35-10.1'), ['qemu machine=pc-q35-10.1']],
  ['qemu seoib-flags', (c) => (c.vmm.seoibFlags = 'before-load'), ['qemu seoib-flags=before-load']],
  ['qemu loadvm-check', (c) => (c.vmm.loadvmCheck = true), ['qemu loadvm-check=on']],
  ['host kernel', (c) => (c.vmm.kernel = 'no-seoib-api'), ['host kernel=no-seoib-api']],
  [
    'qemu and host, each on its own line, qemu first',
    (c) =>
      (c.vmm = {
        kernel: 'no-seoib-api',
        loadvmCheck: true,
        seoibFlags: 'before-load',
        machine: 'pc-i440fx-9.2',
        seoibPolicy: 'auto-new-machines',
      }),
    [
      'qemu seoib-policy=auto-new-machines machine=pc-i440fx-9.2 seoib-flags=before-load loadvm-check=on',
      'host kernel=no-seoib-api',
    ],
  ],
  ['guest all', (c) => (c.guestAll = 'linux'), ['guest all profile=linux']],
  ['guest all manual', (c) => (c.guestAll = 'manual'), ['guest all profile=manual']],
  // By vCPU number, not as strings (2 before 10).
  [
    'guest N, sorted by vCPU',
    (c) => {
      c.vcpus = 12;
      c.guests = { 10: 'windows', 2: 'linux', 0: 'manual' };
    },
    ['vcpus 12', 'guest 0 profile=manual', 'guest 2 profile=linux', 'guest 10 profile=windows'],
  ],
];

const configWith = (edit: ConfigEdit): Config => {
  const c = defaultConfig();
  edit(c);
  return c;
};

describe('printConfig', () => {
  it('prints nothing for the default configuration', () => {
    expect(printConfig(defaultConfig())).toEqual([]);
  });

  it.each(CONFIG_TEXT)('%s', (_, edit, lines) => {
    const c = configWith(edit);
    expect(printConfig(c)).toEqual(lines);
    expect(mustParse(lines.join('\n')).config).toEqual(c);
  });

  // Exactly one line, or none for the default (grammar.test.ts only looks for the line).
  it('every value a KVM switch and a VMM setting takes, as written', () => {
    const settings = [
      ...KVM_SWITCHES.map((s) => ({ prefix: `kvm ${s.key}`, values: s.values, default: s.default })),
      ...VMM_SETTINGS.map((s) => ({
        prefix: `${s.statement} ${s.key}`,
        values: s.values,
        default: s.default,
      })),
    ];
    for (const s of settings) {
      const words =
        s.values.kind === 'number'
          ? ['1', '10000', '1000000']
          : s.values.kind === 'machine'
            ? ['pc-q35-10.2']
            : choicesOf(s.values);
      for (const w of words) {
        const line = `${s.prefix}=${w}`;
        expect(printConfig(mustParse(line).config), line).toEqual(w === s.default ? [] : [line]);
      }
    }
  });

  it('prints the statements in a fixed order', () => {
    const c = configWith((c) => {
      c.guests = { 1: 'windows' };
      c.vmm.kernel = 'no-seoib-api';
      c.vmm.seoibFlags = 'before-load';
      c.kvm.pvEoi = false;
      c.x2apicApi.broadcastQuirk = true;
      c.secureAvic = true;
      c.apicv = true;
      c.ioapicVersion = 0x11;
      c.irqchip = 'kernel';
      c.apic = 'xapic';
      c.vcpus = 4;
      c.title = 't';
    });
    expect(printConfig(c)).toEqual([
      'title "t"',
      'vcpus 4',
      'apic xapic',
      'irqchip kernel',
      'ioapic version=0x11',
      'apicv on',
      'secure-avic on',
      'x2apic-api broadcast-quirk=on',
      'kvm pv-eoi=off',
      'qemu seoib-flags=before-load',
      'host kernel=no-seoib-api',
      'guest 1 profile=windows',
    ]);
    // guest all comes where guest N would (the two do not mix).
    expect(
      printConfig(
        configWith((c) => {
          c.guestAll = 'windows';
          c.vmm.kernel = 'no-seoib-api';
        }),
      ),
    ).toEqual(['host kernel=no-seoib-api', 'guest all profile=windows']);
  });

  it('covers every configuration statement, KVM switch, x2apic-api flag and VMM setting', () => {
    const lines = CONFIG_TEXT.flatMap(([, , l]) => l);
    const has = (prefix: string) => lines.some((l) => l.startsWith(prefix));
    for (const name of CONFIG_STATEMENT_NAMES) expect(has(`${name} `), name).toBe(true);
    for (const s of KVM_SWITCHES) expect(has(`kvm ${s.key}=`), s.key).toBe(true);
    for (const f of X2APIC_API_FLAGS) expect(has(`x2apic-api ${f.key}=`), f.key).toBe(true);
    for (const s of VMM_SETTINGS) expect(has(`${s.statement} ${s.key}=`), s.key).toBe(true);
  });
});

// ── Expectations ───────────────────────────────────────────────────────────────────────────

type CheckOf<K extends Check['kind']> = Extract<Check, { kind: K }>;

/** A value per filter that shows its radix: vectors hex, vCPUs and pins decimal. */
const FILTER_SAMPLE = { cpu: [3, 'cpu=3'], pin: [17, 'pin=17'], vector: [0x31, 'vector=0x31'] } as const;

const CHECK_TEXT: { [K in Check['kind']]: readonly Row<CheckOf<K>>[] } = {
  'cpu-set': [
    ...CPU_SET_REGS.map(
      ({ name }): Row<CheckOf<'cpu-set'>> => [
        { kind: 'cpu-set', cpu: 1, reg: name, op: '=', vectors: [0x31, 0x62] },
        `cpu 1 ${name} = {0x31, 0x62}`,
      ],
    ),
    [{ kind: 'cpu-set', cpu: 0, reg: 'isr', op: '=', vectors: [] }, 'cpu 0 isr = {}'],
    [{ kind: 'cpu-set', cpu: 0, reg: 'irr', op: '=', vectors: [0] }, 'cpu 0 irr = {0x0}'],
    [{ kind: 'cpu-set', cpu: 2, reg: 'irr', op: 'has', vectors: [0x31] }, 'cpu 2 irr has 0x31'],
    [{ kind: 'cpu-set', cpu: 3, reg: 'tmr', op: 'lacks', vectors: [0xef] }, 'cpu 3 tmr lacks 0xef'],
  ],
  'cpu-value': [
    // Registers in hex; the flags if and pv-eoi-pending in decimal; stale's "none" is -1.
    [{ kind: 'cpu-value', cpu: 0, reg: 'ppr', value: 0 }, 'cpu 0 ppr = 0x0'],
    [{ kind: 'cpu-value', cpu: 1, reg: 'tpr', value: 0x20 }, 'cpu 1 tpr = 0x20'],
    [{ kind: 'cpu-value', cpu: 0, reg: 'spiv', value: 0x1ff }, 'cpu 0 spiv = 0x1ff'],
    [{ kind: 'cpu-value', cpu: 0, reg: 'lvr', value: 0x1050014 }, 'cpu 0 lvr = 0x1050014'],
    [{ kind: 'cpu-value', cpu: 0, reg: 'if', value: 1 }, 'cpu 0 if = 1'],
    [{ kind: 'cpu-value', cpu: 0, reg: 'if', value: 0 }, 'cpu 0 if = 0'],
    [{ kind: 'cpu-value', cpu: 2, reg: 'stale', value: -1 }, 'cpu 2 stale = -1'],
    [{ kind: 'cpu-value', cpu: 2, reg: 'stale', value: 0x31 }, 'cpu 2 stale = 0x31'],
    [{ kind: 'cpu-value', cpu: 2, reg: 'stale', value: 0 }, 'cpu 2 stale = 0x0'],
    [{ kind: 'cpu-value', cpu: 3, reg: 'pv-eoi-pending', value: 1 }, 'cpu 3 pv-eoi-pending = 1'],
  ],
  ioapic: [
    // The vector in hex, the trigger as a word, the bits and the destination in decimal.
    [{ kind: 'ioapic', pin: 10, field: 'remote-irr', value: 1 }, 'ioapic 10 remote-irr = 1'],
    [{ kind: 'ioapic', pin: 10, field: 'irr', value: 0 }, 'ioapic 10 irr = 0'],
    [{ kind: 'ioapic', pin: 10, field: 'line', value: 1 }, 'ioapic 10 line = 1'],
    [{ kind: 'ioapic', pin: 23, field: 'mask', value: 1 }, 'ioapic 23 mask = 1'],
    [{ kind: 'ioapic', pin: 0, field: 'vector', value: 0x62 }, 'ioapic 0 vector = 0x62'],
    [{ kind: 'ioapic', pin: 3, field: 'trigger', value: 0 }, 'ioapic 3 trigger = edge'],
    [{ kind: 'ioapic', pin: 3, field: 'trigger', value: 1 }, 'ioapic 3 trigger = level'],
    [{ kind: 'ioapic', pin: 4, field: 'dest', value: 17 }, 'ioapic 4 dest = 17'],
  ],
  'ioapic-version': [
    [{ kind: 'ioapic-version', value: 0x11 }, 'ioapic version = 0x11'],
    [{ kind: 'ioapic-version', value: 0x20 }, 'ioapic version = 0x20'],
  ],
  'kvm-seoib': (['quirked', 'enabled', 'disabled'] as const).map(
    (value): Row<CheckOf<'kvm-seoib'>> => [{ kind: 'kvm-seoib', value }, `kvm seoib = ${value}`],
  ),
  'kvm-apicv': (['active', 'inhibited', 'off'] as const).map(
    (value): Row<CheckOf<'kvm-apicv'>> => [{ kind: 'kvm-apicv', value }, `kvm apicv = ${value}`],
  ),
  vm: [
    [{ kind: 'vm', key: 'leg', value: '1' }, 'vm leg = 1'],
    [{ kind: 'vm', key: 'migration', value: 'failed' }, 'vm migration = failed'],
    [{ kind: 'vm', key: 'seoib-state', value: 'not-advertised' }, 'vm seoib-state = not-advertised'],
    [{ kind: 'vm', key: 'flag-write', value: 'einval' }, 'vm flag-write = einval'],
    [{ kind: 'vm', key: 'policy', value: 'auto-new-machines' }, 'vm policy = auto-new-machines'],
  ],
  count: [
    // Every counter with every filter it carries, in the order cpu, pin, vector.
    ...COUNTERS.map(
      ({ name, filters }): Row<CheckOf<'count'>> => [
        {
          kind: 'count',
          name,
          // Built in reverse: the printed order is the printer's, not the object's.
          filter: Object.fromEntries([...filters].reverse().map((f) => [f, FILTER_SAMPLE[f][0]])),
          op: '>=',
          value: 2,
        },
        ['count', name, ...filters.map((f) => FILTER_SAMPLE[f][1]), '>= 2'].join(' '),
      ],
    ),
    [{ kind: 'count', name: 'injections', filter: {}, op: '=', value: 0 }, 'count injections = 0'],
    [
      { kind: 'count', name: 'storms', filter: { pin: 0 }, op: '<=', value: 9007199254740991 },
      'count storms pin=0 <= 9007199254740991',
    ],
    [
      { kind: 'count', name: 'injections', filter: { vector: 0 }, op: '=', value: 1 },
      'count injections vector=0x0 = 1',
    ],
  ],
};

const checkRows: Row<Check>[] = Object.values(CHECK_TEXT).flat();

describe('printCheck', () => {
  it.each(checkRows)('%j prints as %s', (check, text) => {
    expect(printCheck(check)).toBe(text);
    expect(mustParse(`vcpus 4\nexpect ${text}`).expects[0].check).toEqual(check);
  });

  it('covers every subject, register, field, counter and key of the grammar', () => {
    const texts = checkRows.map(([, t]) => t);
    const words = (n: number, prefix = '') =>
      new Set(texts.filter((t) => t.startsWith(prefix)).map((t) => t.split(' ')[n]));
    expect([...words(0)].sort()).toEqual([...EXPECT_SUBJECTS].sort());
    expect(words(2, 'cpu ')).toEqual(new Set([...CPU_SET_REGS, ...CPU_VALUE_REGS].map((r) => r.name)));
    expect(words(2, 'ioapic ')).toEqual(new Set([...IOAPIC_FIELDS.map((f) => f.name), '=']));
    expect(words(1, 'kvm ')).toEqual(new Set(EXPECT_KVM_KEYS));
    expect(words(1, 'vm ')).toEqual(new Set(EXPECT_VM_KEYS.map((k) => k.name)));
    expect(words(1, 'count ')).toEqual(new Set(COUNTERS.map((c) => c.name)));
  });
});

// ── A whole scenario ───────────────────────────────────────────────────────────────────────

describe('printScenario', () => {
  it('lays out notes, configuration, exploration, asks, actions and expectations, each canonical', () => {
    // Written loosely (case, decimal, spacing, keys out of order, a trigger as a number).
    const text = [
      'note "first"',
      'VCPUS 1',
      'note "on the config"',
      'kvm  seoib=respected',
      'invariant cpu 0 ppr = 0',
      'explore max-states=100 depth=3',
      'explore lints none',
      'expect ioapic 10 trigger = 1',
      'note "a step"',
      'ask "Which vCPU?" answer=cpu vector=98',
      'route 10 mask=0 trigger=level vector=98 dest=0',
      'expect count injections vector=98 cpu=0 >= 0',
      'assert 10',
      'expect cpu 0 irr has 98',
      'expect cpu 0 stale = -1',
      'wait 1500000ns',
      'note "last"',
    ].join('\n');
    expect(printScenario(mustParse(text))).toBe(
      [
        'note "first"',
        'note "on the config"',
        'vcpus 1',
        'kvm seoib=enabled',
        'explore depth=3 max-states=100',
        'explore lints none',
        // Invariants keep their text as written.
        'invariant cpu 0 ppr = 0',
        'expect ioapic 10 trigger = level',
        'note "a step"',
        'ask "Which vCPU?" answer=cpu vector=0x62',
        'route 10 vector=0x62 trigger=level dest=0 mask=0',
        'expect count injections cpu=0 vector=0x62 >= 0',
        'assert 10',
        'expect cpu 0 irr has 0x62',
        'expect cpu 0 stale = -1',
        'wait 1500us',
        'note "last"',
        '',
      ].join('\n'),
    );
  });
});
