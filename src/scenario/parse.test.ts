/** The scenario language v1: parsing, printing, and errors a newcomer can act on (contract §1–§3, §7). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MUTATING, mustParse } from '../replay/testing.ts';
import type { Scenario } from './ast.ts';
import { formatError } from './ast.ts';
import { parseScenario } from './parse.ts';
import { printScenario } from './print.ts';

/** The scenario without source positions: what printing must preserve. */
function essence(s: Scenario) {
  return {
    config: s.config,
    configNotes: s.configNotes,
    steps: s.steps.map((st) => ({ action: st.action, notes: st.notes })),
    expects: s.expects.map((e) => ({ afterStep: e.afterStep, check: e.check })),
    trailingNotes: s.trailingNotes,
  };
}

function firstError(text: string): string {
  const r = parseScenario(text);
  if (r.ok) throw new Error('expected a parse error');
  return formatError(r.errors[0]);
}

const examplesDir = join(import.meta.dirname, 'examples');
const presetsDir = join(import.meta.dirname, '..', 'presets');
const corpus = [
  ...readdirSync(examplesDir).map((f) => join(examplesDir, f)),
  ...readdirSync(presetsDir)
    .filter((f) => f.endsWith('.apic'))
    .map((f) => join(presetsDir, f)),
];

describe('parse and print', () => {
  it.each(corpus)('%s: printing then parsing gives the same scenario', (file) => {
    const s = mustParse(readFileSync(file, 'utf8'));
    const printed = printScenario(s);
    expect(essence(mustParse(printed))).toEqual(essence(s));
    expect(printScenario(mustParse(printed))).toBe(printed);
  });

  it('v1.1: apic cpuid=, x2apic-api and expect kvm apicv parse, print and round-trip', () => {
    const text =
      'apic xapic cpuid=x2apic\nx2apic-api 32bit-ids=on broadcast-quirk=off\nexpect kvm apicv = off\nmsi dest=0x101 vector=0x31\nexpect kvm apicv = off\n';
    const s = mustParse(text);
    expect(s.config).toMatchObject({
      apic: 'xapic',
      apicCpuid: 'x2apic',
      x2apicApi: { ids32: true, broadcastQuirk: false },
    });
    expect(printScenario(s)).toBe(text);
    expect(mustParse('x2apic-api').config.x2apicApi).toEqual({ ids32: null, broadcastQuirk: null });
    expect(printScenario(mustParse('x2apic-api broadcast-quirk=on'))).toBe('x2apic-api broadcast-quirk=on\n');
    expect(printScenario(mustParse('apic x2apic cpuid=x2apic'))).toBe('apic x2apic cpuid=x2apic\n');
  });

  it('v1.1: cpu C ioapic-rte takes the keys of route and prints them the same way', () => {
    const s = mustParse('cpu 1 ioapic-rte 10 dest=1 vector=0x62 trigger=level mask=0');
    expect(s.steps[0].action).toEqual({
      kind: 'cpu',
      cpu: 1,
      op: { op: 'ioapic-rte', pin: 10, fields: { dest: 1, vector: 0x62, trigger: 1, mask: 0 } },
    });
    expect(printScenario(s)).toBe('cpu 1 ioapic-rte 10 vector=0x62 trigger=level dest=1 mask=0\n');
    expect(firstError('cpu 0 ioapic-rte 24')).toBe('1:18: pin 24 is out of range 0–23');
    expect(firstError('cpu 0 ioapic-rte 3 vektor=1')).toMatch(/'cpu C ioapic-rte' has no key 'vektor'/);
  });

  it('accepts keywords in any case, hex and decimal, tabs, comments and spaced sets', () => {
    const s = mustParse('VCPUS\t1\nMSI Dest=0 VECTOR=49 # a comment\nexpect cpu 0 ISR = { 0x31 ,49 }');
    expect(s.config.vcpus).toBe(1);
    expect(s.steps[0].action).toMatchObject({ kind: 'msi', vector: 0x31 });
    expect(s.expects[0].check).toMatchObject({ kind: 'cpu-set', vectors: [0x31] });
  });

  it('keeps strings as text, with \\" and \\\\ escapes (never markup)', () => {
    const s = mustParse('title "a \\"quoted\\" <b>x</b> \\\\ # not a comment"');
    expect(s.config.title).toBe('a "quoted" <b>x</b> \\ # not a comment');
  });

  it('attaches notes to the next action, or to the configuration when configuration follows (note-anywhere)', () => {
    const s = mustParse(
      'note "top"\ntitle "t"\nnote "about"\nvcpus 1\nnote "step"\nmsi dest=0 vector=0x31\nnote "end"',
    );
    expect(s.configNotes).toEqual(['top', 'about']);
    expect(s.steps[0].notes).toEqual(['step']);
    expect(s.trailingNotes).toEqual(['end']);
  });

  it('defaults: run is 100000 steps, msi is fixed physical edge, ipi dest 0', () => {
    const s = mustParse('run\nmsi dest=1 vector=0x40\nipi from=0 vector=0x40');
    expect(s.steps[0].action).toEqual({ kind: 'run', n: 100000 });
    expect(s.steps[1].action).toMatchObject({ destMode: 0, deliveryMode: 0, trigger: 0 });
    expect(s.steps[2].action).toMatchObject({ dest: 0, shorthand: 0 });
  });

  it('accepts respected / not-advertised as aliases of enabled / disabled', () => {
    expect(mustParse('kvm seoib=respected').config.kvm.seoib).toBe('enabled');
    expect(mustParse('kvm seoib=not-advertised').config.kvm.seoib).toBe('disabled');
  });

  it('lets kvm keys span several lines', () => {
    const s = mustParse('kvm seoib=auto\nkvm storm-limit=5 vector-hashing=off');
    expect(s.config.kvm).toMatchObject({ seoib: 'auto', stormLimit: 5, vectorHashing: false });
  });

  it('prints random valid actions back to the same actions', () => {
    const action = fc.oneof(
      fc
        .record({
          pin: fc.integer({ min: 0, max: 23 }),
          vector: fc.integer({ min: 0, max: 255 }),
          dest: fc.integer({ min: 0, max: 255 }),
        })
        .map((r) => `route ${r.pin} vector=${r.vector} dest=${r.dest} trigger=level mask=0`),
      fc
        .record({ dest: fc.integer({ min: 0, max: 0xffffffff }), vector: fc.integer({ min: 0, max: 255 }) })
        .map((r) => `msi dest=${r.dest} vector=${r.vector} delivery=lowest`),
      fc.integer({ min: 0, max: 1e6 }).map((n) => `wait ${n}us`),
      fc.integer({ min: 0, max: 0xffffffff }).map((n) => `cpu 1 tpr ${n}`),
      fc.constantFrom('cpu 0 eoi', 'cpu 1 iret', 'pulse 3', 'cpu 0 rdmsr eoi', 'cpu 1 seoib on', 'run 7'),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 20 }), (lines) => {
        const s = mustParse(lines.join('\n'));
        expect(essence(mustParse(printScenario(s)))).toEqual(essence(s));
      }),
    );
  });
});

describe('errors carry LINE:COL and say what is right', () => {
  const cases: [string, string][] = [
    ['asert 3', "1:1: unknown statement 'asert' (did you mean 'assert'?)"],
    ['vcpus 1\n\nroute 24 vector=0x30', '3:7: pin 24 is out of range 0–23'],
    ['route 3 vector=0x100', '1:9: vector 0x100 is out of range 0–255'],
    [
      'route 3 vektor=0x30',
      "1:9: 'route' has no key 'vektor' (did you mean 'vector'?); its keys are pin, vector, trigger, dest, destmode, delivery, mask, polarity",
    ],
    ['route 3 vector=zz', "1:9: 'zz' is not a number: write decimal (48) or hex (0x30)"],
    [
      'msi dest=0 vector=0x31\nvcpus 4',
      "2:1: configuration ('vcpus') must come before the first action (line 1)",
    ],
    ['vcpus 2\ncpu 2 eoi', '2:5: vCPU 2 does not exist: vcpus is 2 (0–1)'],
    ['vcpus 0', '1:7: vcpus 0 is out of range 1–4096'],
    ['expect count scans vector=0x30 = 1', "1:20: counter scans has no 'vector' filter; it carries cpu"],
    [
      'expect count host-crashes cpu=0 = 1',
      "1:27: counter host-crashes has no 'cpu' filter; it carries none",
    ],
    ['restore a', "1:9: restore a: no 'snapshot a' above this line"],
    ['vcpus 1\nvcpus 2', "2:1: 'vcpus' is already set on line 1"],
    ['kvm seoib=auto\nkvm seoib=enabled', "2:5: 'kvm seoib' is already set on line 1"],
    ['guest all profile=linux\nguest 0 profile=windows', "2:7: 'guest all' and 'guest N' do not mix"],
    [
      'irqchip kernel\nkvm seoib=enabled',
      '2:5: seoib=enabled needs irqchip split: KVM rejects KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST without it (R8.4)',
    ],
    [
      'irqchip kernel\nioapic version=0x20',
      '2:1: the in-kernel IOAPIC (irqchip kernel) has only version 0x11 (R5.2)',
    ],
    ['apic xapic\nsecure-avic on', '2:1: Secure AVIC requires apic x2apic (contract §6)'],
    ['ioapic version=0x12', '1:8: IOAPIC version must be 0x11 or 0x20, not 0x12'],
    [
      'apic xapic\nipi from=0 vector=0x30 dest=0x100',
      '2:24: ipi dest 0x100 is out of range 0–0xff in xAPIC mode',
    ],
    ['title "unterminated', '1:7: unterminated string: a closing " is missing'],
    ['expect cpu 0 irr = {0x30', '1:20: unterminated vector set: a closing } is missing'],
    ['expect cpu 0 irr = 0x30', "1:20: 'irr =' compares with a set: write {0x30}"],
    [
      'expect cpu 0 ird = {}',
      "1:14: unknown vCPU register 'ird' (did you mean 'irr'?); one of irr, isr, tmr, handled, shadow-isr, ppr, tpr, spiv, lvr, if, stale, pv-eoi-pending",
    ],
    ['wait 10', "1:6: '10' is not a duration: a whole number with a unit ns, us, µs, ms or s (e.g. 10ms)"],
    [
      'cpu 0 eio',
      "1:7: unknown vCPU operation 'eio' (did you mean 'eoi'?); one of eoi, iret, sti, cli, tpr, apic-id, ldr, dfr, spiv, seoib, ioapic-eoi, ioapic-rte, service, pv-eoi, rdmsr, exit",
    ],
    ['kvm storm-limit=0', '1:5: storm-limit 0 is out of range 1–1000000'],
    ['run 1000000001', '1:5: run steps 1000000001 is out of range 0–1000000000'],
    ['msi vector=0x30', "1:1: 'msi' needs dest=…"],
    ['route 1 mask=2', '1:9: mask 2 is out of range 0–1'],
    ['stale = -1', "1:1: unknown statement 'stale'"],
    ['note "a" "b"', '1:10: note takes one string'],
    ['cpu 0 tpr -1', "1:11: '-1' is not a number: write decimal (48) or hex (0x30)"],
    [
      'apic x2apic cpuid=xapic',
      '1:1: apic x2apic needs x2APIC in CPUID: KVM refuses X2APIC_ENABLE without it (cpuid=x2apic)',
    ],
    [
      'apic xapic cpuid=x3apic',
      "1:12: apic cpuid must be one of xapic, x2apic, not 'x3apic' (did you mean 'xapic'?)",
    ],
    [
      'vcpus 256\nx2apic-api 32bit-ids=off',
      '2:1: vcpus 256 needs 32bit-ids=on: APIC IDs above 255 need KVM_X2APIC_API_USE_32BIT_IDS, QEMU refuses to start without it',
    ],
    ['x2apic-api 32bit-ids=yes', "1:12: 32bit-ids must be one of on, off, not 'yes'"],
    [
      'x2apic-api quirk=off',
      "1:12: 'x2apic-api' has no key 'quirk'; its keys are 32bit-ids, broadcast-quirk",
    ],
    ['x2apic-api\nx2apic-api 32bit-ids=on', "2:1: 'x2apic-api' is already set on line 1"],
    ['expect kvm apicv = maybe', "1:20: APICv state must be one of active, inhibited, off, not 'maybe'"],
    ['expect kvm ioapic = 1', '1:12: expect kvm needs a key: seoib, apicv'],
  ];
  it.each(cases)('%j', (text, message) => {
    expect(firstError(text)).toBe(message);
  });

  it('reports every broken line, not only the first', () => {
    const r = parseScenario('asert 1\nvcpus 1\nroute 99\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.line)).toEqual([1, 3]);
  });

  it('rejects oversized input with a clear message instead of parsing it', () => {
    expect(firstError(`# ${'x'.repeat(5000)}`)).toMatch(/^1:1: line is 5002 characters long; at most 4096/);
    expect(firstError('x'.repeat(2_000_001))).toMatch(/at most 2000000 are accepted/);
  });

  it('never throws on arbitrary text (fuzz)', () => {
    const alphabet = fc.constantFrom(
      ...'route msi cpu expect count = { } 0x 1 2 " \\ # \n\t-=<>eoi vcpus kvm seoib'.split(' '),
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const r = parseScenario(parts.join(' '));
        if (!r.ok) for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('limits', () => {
  it.skipIf(MUTATING)('refuses more actions than a scenario may hold, at the first one too many', () => {
    const text = 'run 0\n'.repeat(200_001);
    const r = parseScenario(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatError(r.errors[0])).toBe('200001:1: a scenario has at most 200000 actions');
  });
});
