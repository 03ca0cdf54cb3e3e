/**
 * The paths of the parser (parse.ts) that a StrykerJS run left without a test
 * (docs/mutation-survivors.md): the once-only configuration and `explore` statements and where
 * their "given twice" errors point, the statement dispatch (notes, configuration after actions),
 * argument splitting, `expect cpu` / `ioapic` / `count` checks, glued operators, the fallback
 * positions and the order of whole-configuration problems, the input limits, and
 * extendScenario (the worker's append, which must give what the whole text gives).
 *
 * Each test was checked against hand-made mutants of parse.ts (the surviving mutants, applied one
 * at a time): it fails with its mutant and passes without. Messages and positions are exact
 * where a mutant changes a message or a column, ASTs exact where it changes a result.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from './ast.ts';
import { extendScenario, parseScenario, validateScenario } from './parse.ts';

/** `LINE:COL message` of each error, [] when the text parses. */
function errorsOf(text: string): string[] {
  const r = parseScenario(text);
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.col} ${e.message}`);
}

function mustParse(text: string): Scenario {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return r.scenario;
}

/** Whole texts and their one error. */
const ERRORS: [string, string][] = [
  // statement: the first token must be a word; num: a number must be a word.
  ['"hello"', '1:1 a statement starts with a keyword, not a string'],
  ['{1}', '1:1 a statement starts with a keyword, not a set'],
  ['vcpus "2"', '1:7 vcpus must be a number, not a string'],
  ['vcpus {2}', '1:7 vcpus must be a number, not a set'],
  // Once-only configuration: the second statement is at fault, named as the first one set it.
  ['title "a"\ntitle "b"', "2:1 'title' is already set on line 1"],
  ['apic xapic\napic x2apic', "2:1 'apic' is already set on line 1"],
  ['irqchip split\nirqchip kernel', "2:1 'irqchip' is already set on line 1"],
  ['apicv on\napicv off', "2:1 'apicv' is already set on line 1"],
  ['apicv on off', "1:10 unexpected 'off' after 'apicv'"],
  ['secure-avic on off', "1:16 unexpected 'off' after 'secure-avic'"],
  ['guest 0 profile=linux\nguest all profile=linux', "2:7 'guest all' and 'guest N' do not mix"],
  ['guest all profile=linux\nguest all profile=windows', "2:1 'guest all' is already set on line 1"],
  ['guest 4096 profile=linux', '1:7 guest CPU (a vCPU index or all) 4096 is out of range 0–4095'],
  // The line named is the first action's, not the latest one's.
  ['run\nrun\nvcpus 3', "3:1 configuration ('vcpus') must come before the first action (line 1)"],
  ['cpu 4096 eoi', '1:5 vCPU 4096 is out of range 0–4095'],
  // args: a positional slot filled by key=value; strings are never key=value; a lone `=`.
  ['apic mode=x2apic xapic', "1:18 unexpected 'xapic' after 'apic'"],
  ['msi dest=0 vector=0x31 "a=b"', "1:24 unexpected string after 'msi'"],
  ['run n=1 "x"', "1:9 unexpected string after 'run'"],
  ['wait =10ms', "1:6 unexpected '=10ms': write key=value without spaces"],
  // valueText: only a key before `=` is cut off.
  // A string is not a value (contract §1: strings only in title and note), whatever it holds.
  ['apic "=xapic"', '1:6 apic mode must be one of xapic, x2apic, not a string'],
  ['apic "x2apic"', '1:6 apic mode must be one of xapic, x2apic, not a string'],
  ['apic "junk=x2apic"', '1:6 apic mode must be one of xapic, x2apic, not a string'],
  ['wait "10ms"', '1:6 a duration must be a word, not a string'],
  ['expect kvm seoib = "quirked"', '1:20 SEOIB mode must be one of quirked, enabled, disabled, not a string'],
  ['snapshot "a"', '1:10 a snapshot name must be a word, not a string'],
  ['guest "all" profile=linux', "1:7 guest's vCPU must be a word, not a string"],
  // editDistance: a word two letters shorter is still within two edits.
  ['apic xap', "1:6 apic mode must be one of xapic, x2apic, not 'xap' (did you mean 'xapic'?)"],
  ['ipi from=0 vector=0x30 dest=0x100000000', '1:24 ipi dest 0x100000000 is out of range 0–0xffffffff'],
  ['ipi from=0 vector=256', '1:12 vector 256 is out of range 0–255'],
  // cpuOpRest: the operand count of each kind of vCPU operation.
  ['cpu 0 tpr 0x10 extra', "1:16 unexpected 'extra' after 'cpu C tpr'"],
  ['cpu 0 pv-eoi on extra', "1:17 unexpected 'extra' after 'cpu C pv-eoi'"],
  ['cpu 0 service 3 extra', "1:17 unexpected 'extra' after 'cpu C service'"],
  ['cpu 0 rdmsr eoi extra', "1:17 unexpected 'extra' after 'cpu C rdmsr'"],
  // expectCpu
  ['expect cpu 0 irr =', '1:18 expect cpu C irr = needs a set, e.g. {0x30, 0x62}'],
  ['invariant cpu 0 irr =', '1:21 invariant cpu C irr = needs a set, e.g. {0x30, 0x62}'],
  ['expect cpu 0 irr has', '1:18 expect cpu C irr has needs a vector'],
  ['expect cpu 0 tpr = -1', "1:20 '-1' is not a number: write decimal (48) or hex (0x30)"],
  ['expect cpu 0 stale = "-1"', '1:22 stale value must be a number, not a string'],
  ['expect cpu 0 stale =', '1:20 stale value is missing'],
  ['expect cpu 0 if = 2', '1:19 if value 2 is out of range 0–1'],
  ['expect cpu 0 pv-eoi-pending = 2', '1:31 pv-eoi-pending value 2 is out of range 0–1'],
  ['expect cpu 0 stale = 256', '1:22 stale value 256 is out of range 0–255'],
  // expectIoapic
  ['expect ioapic version = 0x11 extra', "1:30 unexpected 'extra' at the end of the expectation"],
  ['expect ioapic 3 mask = level', "1:24 'level' is not a number: write decimal (48) or hex (0x30)"],
  ['expect ioapic 3 trigger =', '1:25 trigger value is missing'],
  ['expect ioapic 3 trigger = xlevel', "1:27 'xlevel' is not a number: write decimal (48) or hex (0x30)"],
  ['expect ioapic 3 trigger = levelx', "1:27 'levelx' is not a number: write decimal (48) or hex (0x30)"],
  // expectCount: a filter is a word that starts with letters and `=`.
  ['expect count injections "cpu=0" = 1', "1:25 expected '=' or '>=' or '<=', not a string"],
  ['expect count injections 9cpu=1 = 1', "1:25 expected '=' or '>=' or '<=', not '9cpu=1'"],
  // splitOperators: words only, the whole word, and the value's own column.
  ['expect kvm seoib "=quirked"', "1:18 expected '=', not a string"],
  ['expect ioapic 3 mask =2', '1:23 mask value 2 is out of range 0–1'],
  ['expect ioapic 3 mask =1\u2028x', "1:22 expected '=', not '=1\u2028x'"],
  // op: an operator is a word; a quoted one is named as a string (it read "expected '=', not '='").
  ['expect kvm seoib "=" quirked', "1:18 expected '=', not a string"],
  ['expect cpu 0 isr {0x30}', "1:18 expected '=' or 'has' or 'lacks', not a set"],
  // The once-only explore statements and their words.
  [
    'explore dept 3',
    "1:9 explore takes depth=, max-states=, actions, action or lints, not 'dept' (did you mean 'depth'?)",
  ],
  ['explore actions ipi\nexplore actions msi', "2:9 'explore actions' is already set on line 1"],
  // parseScenario: an ask left by a text that has errors is not reported on top of them.
  ['bogus\nask "Who?" answer=cpu vector=0x62', "1:1 unknown statement 'bogus'"],
];

describe('error messages and positions', () => {
  it.each(ERRORS)('%j → %s', (text, error) => {
    expect(errorsOf(text)).toEqual([error]);
  });
});

describe('texts that parse', () => {
  it.each([
    // checkRefs: an IPI destination above 0xff is an error only in xAPIC mode, and only above it.
    'vcpus 300\napic xapic\ncpu 256 eoi',
    'ipi from=0 vector=0x30 dest=0x100',
    'apic xapic\nipi from=0 vector=0x30 dest=0xff',
    // Keys of different statements, or of one statement, set once each.
    'qemu machine=pc-q35-10.2 loadvm-check=on',
    'guest 0 profile=linux\nguest 1 profile=linux',
    'expect count injections >= 1',
  ])('%j', (text) => {
    expect(errorsOf(text)).toEqual([]);
  });
});

describe('what a text parses to', () => {
  it('records where each once-only statement stood', () => {
    const s = mustParse(
      'title "t"\napic xapic\nirqchip kernel\napicv on\nguest all profile=linux\nqemu machine=pc-q35-10.2\nqemu loadvm-check=on\n',
    );
    expect(s.configPos).toEqual({
      title: { line: 1, col: 1 },
      apic: { line: 2, col: 1 },
      irqchip: { line: 3, col: 1 },
      apicv: { line: 4, col: 1 },
      'guest all': { line: 5, col: 1 },
      // `qemu` itself stands where its first line is.
      qemu: { line: 6, col: 1 },
      'qemu machine': { line: 6, col: 6 },
      'qemu loadvm-check': { line: 7, col: 6 },
    });
  });

  it('gives notes before any statement to the configuration, later ones to the next step', () => {
    const s = mustParse('note "a"\nrun\nnote "b"\nnote "c"\nrun\nnote "d"\nnote "e"\n');
    expect(s.configNotes).toEqual(['a']);
    expect(s.steps.map((st) => [st.line, st.startLine, st.notes])).toEqual([
      [2, 2, []],
      [5, 3, ['b', 'c']],
    ]);
    expect([s.trailingNotes, s.trailingNotesLine]).toEqual([['d', 'e'], 6]);
  });

  it('reads stale = -1, and a duration of exactly the limit', () => {
    const s = mustParse('expect cpu 0 stale = -1\nwait 1000000s\n');
    expect(s.expects[0].check).toEqual({ kind: 'cpu-value', cpu: 0, reg: 'stale', value: -1 });
    expect(s.steps[0].action).toEqual({ kind: 'wait', ns: 1e15 });
  });

  it('reads an explore statement: its list, its actions with their refs, its text', () => {
    const s = mustParse('explore actions ipi\nexplore action ipi   from=0|1 vector=0x30   # c\n');
    expect(s.explore).toEqual({
      depth: null,
      maxStates: null,
      kinds: ['ipi'],
      lints: null,
      invariants: [],
      actions: [
        {
          line: 2,
          text: 'ipi from=0|1 vector=0x30',
          actions: [0, 1].map((from) => ({
            kind: 'ipi',
            from,
            vector: 0x30,
            dest: 0,
            destMode: 0,
            deliveryMode: 0,
            shorthand: 0,
          })),
          refs: [
            { kind: 'cpu', value: 0, line: 2, col: 22 },
            { kind: 'cpu', value: 1, line: 2, col: 22 },
          ],
        },
      ],
      pos: { actions: { line: 1, col: 9 } },
    });
  });

  it('quotes an expectation that ends with a set, empty or not, up to its end', () => {
    const s = mustParse('expect cpu 0 irr = {}  # "x"\nexpect cpu 0 isr = { 0x30 }\n');
    expect(s.expects.map((e) => e.text)).toEqual(['cpu 0 irr = {}', 'cpu 0 isr = { 0x30 }']);
  });
});

describe('input limits', () => {
  it('accepts a line of exactly 4096 characters, not one more', () => {
    const note = (n: number) => `note "${'x'.repeat(n - 7)}"`;
    expect(errorsOf(note(4096))).toEqual([]);
    expect(errorsOf(note(4097))).toEqual(['1:1 line is 4097 characters long; at most 4096']);
  });

  it('accepts a scenario of exactly 2 000 000 characters, not one more', () => {
    const line = `#${'x'.repeat(3998)}\n`; // 4000 characters
    const text = line.repeat(500);
    expect(text.length).toBe(2_000_000);
    expect(errorsOf(text)).toEqual([]);
    expect(errorsOf(`${text} `)).toEqual([
      '1:1 the scenario is 2000001 characters long; at most 2000000 are accepted',
    ]);
  });

  it('accepts 200 000 actions, not one more', () => {
    expect(errorsOf('run\n'.repeat(200_001))).toEqual(['200001:1 a scenario has at most 200000 actions']);
  });

  it('reports the first 50 errors', () => {
    const e = errorsOf('bogus\n'.repeat(60));
    expect([e.length, e[49]]).toEqual([50, "50:1 unknown statement 'bogus'"]);
  });

  it('reads on after an empty first line', () => {
    expect(mustParse('\nvcpus 3\n').config.vcpus).toBe(3);
  });
});

describe('validateScenario', () => {
  it('sorts problems by line and column, whatever found them first', () => {
    expect(
      errorsOf(
        'expect cpu 7 irr = {}\nsecure-avic on\napic xapic\nirqchip kernel\nioapic version=0x20\nipi from=5 vector=0x30 dest=0x100\n',
      ).map((e) => e.slice(0, e.indexOf(' '))),
    ).toEqual(['1:12', '2:1', '5:1', '6:5', '6:24']);
  });

  it('puts a problem of a key without a statement on the statement of its word, or on 1:1', () => {
    // As after `--set qemu.seoib-policy=respected --set kvm.seoib=enabled`.
    const s = mustParse('vcpus 2\nqemu machine=pc-q35-10.2\n');
    s.config.vmm.seoibPolicy = 'respected';
    s.config.kvm.seoib = 'enabled';
    expect(validateScenario(s)).toEqual([
      {
        line: 2,
        col: 1,
        message: 'kvm seoib= and qemu seoib-policy= both choose the SEOIB mode: give one of them',
      },
    ]);
    // `vcpus` left at its default: no statement to point at.
    const t = mustParse('run\n');
    t.config.vcpus = 5000;
    expect(validateScenario(t)).toEqual([{ line: 1, col: 1, message: 'vcpus must be 1 to 4096' }]);
  });
});

describe('extendScenario (the worker’s append)', () => {
  const head = (text: string): Scenario => mustParse(text);

  it('names the first action of the part before', () => {
    expect(extendScenario(head('vcpus 1\nrun\n'), 'vcpus 2\n', 3)).toEqual({
      ok: false,
      errors: [
        { line: 3, col: 1, message: "configuration ('vcpus') must come before the first action (line 2)" },
      ],
    });
  });

  it('continues the explore statements of the part before', () => {
    const before = 'vcpus 2\nexplore depth=3\nexplore action assert 3|4\ninvariant cpu 0 isr = {}\n';
    expect(extendScenario(head(before), 'run\n', 5)).toEqual(parseScenario(`${before}run\n`));
    expect(extendScenario(head(before), 'explore depth=4\n', 5)).toEqual({
      ok: false,
      errors: [{ line: 5, col: 9, message: "'explore depth' is already set on line 2" }],
    });
  });

  it('reports the errors of the new lines, and not an ask they leave on top of them', () => {
    expect(extendScenario(head('vcpus 2\n'), 'run\nbogus\nask "Who?" answer=cpu vector=0x62\n', 2)).toEqual({
      ok: false,
      errors: [{ line: 3, col: 1, message: "unknown statement 'bogus'" }],
    });
  });

  it('reports an ask the new lines leave without its action', () => {
    expect(extendScenario(head('vcpus 2\nrun\n'), 'ask "Who?" answer=cpu vector=0x62\n', 3)).toEqual({
      ok: false,
      errors: [{ line: 3, col: 1, message: 'ask must come before an action' }],
    });
  });

  // It kept only the errors of the new lines, so a new `vcpus` that made an expectation above it
  // wrong passed (fixed: the whole text's errors).
  it('gives the whole text’s errors when new lines invalidate the part before', () => {
    expect(extendScenario(head('expect cpu 1 irr = {}\n'), 'vcpus 1\n', 2)).toEqual(
      parseScenario('expect cpu 1 irr = {}\nvcpus 1\n'),
    );
  });
});
