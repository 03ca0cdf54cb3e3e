/**
 * The lints: each one fires on a preset or scenario that has the problem and stays silent on
 * one that does not; state lints fire once, where their condition starts; traced and untraced
 * runs agree; the marker points at an event of the step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine } from '../core/machine.ts';
import { PRESETS } from '../presets/index.ts';
import { runScenario } from '../replay/run.ts';
import { MUTATING, mustParse } from '../replay/testing.ts';
import { scenarioText } from '../scenario/arbitrary.ts';
import type { LintName } from './lints.ts';
import { LINT_NAMES, LINTS, Linter, lintEventIndex } from './lints.ts';
import { ReferenceLinter } from './lints-reference.ts';
import type { StepWarning } from './run.ts';
import { collectLints } from './run.ts';

function lints(text: string, traced = false): StepWarning[] {
  const s = mustParse(text);
  const out: StepWarning[] = [];
  runScenario(s, { onStep: collectLints(s, out), ...(traced ? { onEvents: () => {} } : {}) });
  return out;
}
const preset = (id: string) => PRESETS.find((p) => p.id === id)!.text;
const named = (ws: StepWarning[], lint: LintName) => ws.filter((w) => w.lint === lint);
const where = (ws: StepWarning[], lint: LintName) => named(ws, lint).map((w) => w.step);

describe('the lint catalogue', () => {
  it('defines every lint with a title, a rule and a definition, and every why starts with its rule', () => {
    expect(LINT_NAMES).toHaveLength(8);
    for (const n of LINT_NAMES) {
      expect(LINTS[n].title.length).toBeGreaterThan(5);
      expect(LINTS[n].rule).toMatch(/^R\d+\.\d+/);
      expect(LINTS[n].definition.length).toBeGreaterThan(40);
    }
    const all = PRESETS.flatMap((p) => lints(p.text));
    expect(all.length).toBeGreaterThan(5);
    for (const w of all) expect(w.why.startsWith(`${w.rule}: `), w.why).toBe(true);
  });

  it('presets that show no problem raise no warning', () => {
    for (const id of ['level-irq', 'edge-vs-level', 'nested-tpr', 'lowest-priority', 'pv-eoi'])
      expect(lints(preset(id)), id).toEqual([]);
  });

  it('gives the same warnings traced and untraced (they read state and counters only)', () => {
    for (const p of PRESETS) expect(lints(p.text, true), p.id).toEqual(lints(p.text));
  });
});

describe('stuck-remote-irr (R5.6 c)', () => {
  it('fires once where the slow path sets remote IRR for a message nobody accepted (two-bit LDR preset)', () => {
    const ws = lints(preset('two-bit-ldr-remote-irr'));
    const stuck = named(ws, 'stuck-remote-irr');
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatchObject({ pin: 10, vector: 0x62 });
    // the second `assert 10`, the step that sets remote IRR; not the later re-asserts
    const s = mustParse(preset('two-bit-ldr-remote-irr'));
    expect(s.steps[stuck[0].step - 1].action).toEqual({ kind: 'assert', pin: 10 });
    expect(stuck[0].line).toBe(s.steps[stuck[0].step - 1].line);
  });

  it('fires when QEMU sets remote IRR for a destination that does not exist (split, R6)', () => {
    const ws = lints('vcpus 2\nroute 10 vector=0x62 trigger=level dest=7 mask=0\nassert 10\n');
    expect(where(ws, 'stuck-remote-irr')).toEqual([2]);
  });

  it('fires for SEOIB enabled on an IOAPIC without an EOI register, not with one (windows profile)', () => {
    expect(where(lints(preset('seoib-enabled-ioapic-0x11')), 'stuck-remote-irr')).toHaveLength(1);
    expect(named(lints(preset('seoib-enabled-windows')), 'stuck-remote-irr')).toEqual([]);
  });

  it('does not fire while a vCPU has the vector pending or in service', () => {
    const text =
      'vcpus 1\nroute 10 vector=0x62 trigger=level dest=0 mask=0\ncpu 0 cli\nassert 10\ncpu 0 sti\ncpu 0 service 10\ncpu 0 eoi\n';
    expect(named(lints(text), 'stuck-remote-irr')).toEqual([]);
  });
});

describe('lost-interrupt (R5.4, R5.5, R6)', () => {
  it('fires for a level message that the fast path delivered to nobody (remote IRR stays 0)', () => {
    const ws = lints(preset('two-bit-ldr-remote-irr'));
    expect(named(ws, 'lost-interrupt')[0]).toMatchObject({ pin: 10, step: 4 });
  });

  it('fires for an in-kernel edge that arrived while masked, at the unmask (masking preset)', () => {
    const s = mustParse(preset('masking'));
    const lost = named(lints(preset('masking')), 'lost-interrupt');
    expect(lost).toHaveLength(1);
    expect(lost[0].pin).toBe(4);
    expect(s.steps[lost[0].step - 1].action).toEqual({ kind: 'unmask', pin: 4 });
  });

  it('fires for an edge QEMU discarded on a masked pin, once the pin is unmasked (split)', () => {
    const ws = lints('vcpus 1\nroute 4 vector=0x44 dest=0\nassert 4\nunmask 4\n');
    expect(where(ws, 'lost-interrupt')).toEqual([3]);
    expect(named(ws, 'lost-interrupt')[0].rule).toBe('R6');
  });

  it('does not fire for a delivered edge, a blocked one waiting in IRR, or a storm deferral', () => {
    expect(named(lints('vcpus 1\nroute 4 vector=0x44 dest=0 mask=0\nassert 4\n'), 'lost-interrupt')).toEqual(
      [],
    );
    expect(
      named(lints('vcpus 1\nroute 4 vector=0x44 dest=0 mask=0\ncpu 0 cli\nassert 4\n'), 'lost-interrupt'),
    ).toEqual([]);
    expect(named(lints(preset('storm-limit')), 'lost-interrupt')).toEqual([]);
  });
});

describe('irq-storm (R5.6 d)', () => {
  it('fires at the EOI that hits the storm limit', () => {
    const ws = named(lints(preset('storm-limit')), 'irq-storm');
    expect(ws).toHaveLength(1);
    expect(ws[0]).toMatchObject({ pin: 10, count: 1 });
  });

  it('counts the deferrals of a run (SEOIB quirked windows storm) and not the immediate re-injections', () => {
    const ws = named(lints(preset('seoib-quirked-windows')), 'irq-storm');
    expect(ws.map((w) => w.count)).toEqual([1]);
    expect(named(lints(preset('seoib-enabled-windows')), 'irq-storm')).toEqual([]);
  });
});

describe('needless-eoi-exit (R7.3)', () => {
  it('fires for each reuse of a stale vector without the rescan patch, never with it', () => {
    expect(named(lints(preset('stale-eoi-split-unpatched')), 'needless-eoi-exit')).toHaveLength(2);
    expect(named(lints(preset('stale-eoi-split-patched')), 'needless-eoi-exit')).toEqual([]);
  });

  it('fires in-kernel for an edge EOI of a handled vector (eoi-broadcasts that cleared nothing)', () => {
    const ws = lints(
      'vcpus 1\nirqchip kernel\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nmsi dest=0 vector=0x62\ncpu 0 eoi\n',
    );
    expect(named(ws, 'needless-eoi-exit')).toMatchObject([{ cpu: 0, vector: 0x62, step: 3 }]);
  });
});

describe('empty-isr-eoi (R3.8)', () => {
  it('fires for an EOI write, a virtualized EOI and a Secure AVIC guest EOI with nothing in service', () => {
    expect(where(lints('vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 eoi\ncpu 0 eoi\n'), 'empty-isr-eoi')).toEqual([
      3,
    ]);
    expect(where(lints('vcpus 1\napicv on\ncpu 0 eoi\n'), 'empty-isr-eoi')).toEqual([1]);
    expect(where(lints('vcpus 1\nsecure-avic on\ncpu 0 eoi\n'), 'empty-isr-eoi')).toEqual([1]);
  });

  it('does not fire for an EOI of an interrupt in service, nor for a PV-elided one', () => {
    expect(named(lints('vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 eoi\n'), 'empty-isr-eoi')).toEqual([]);
    expect(named(lints(preset('pv-eoi')), 'empty-isr-eoi')).toEqual([]);
  });
});

describe('low-vector (R3.11)', () => {
  it('fires when an RTE without a vector delivers vector 0, and for an MSI of vector 5', () => {
    const ws = lints('vcpus 1\nroute 3 trigger=edge dest=0 mask=0\npulse 3\nmsi dest=0 vector=0x05\n');
    expect(named(ws, 'low-vector').map((w) => [w.step, w.vector])).toEqual([
      [2, 0],
      [3, 5],
    ]);
  });

  it('fires once per delivery: an accepted low vector stays in IRR (class 0 never beats PPR, R3.3)', () => {
    const ws = lints('vcpus 1\nmsi dest=0 vector=0x05\ncpu 0 eoi\nmsi dest=0 vector=0x05\n');
    expect(where(ws, 'low-vector')).toEqual([1]);
    expect(named(lints('vcpus 1\nmsi dest=0 vector=0x10\n'), 'low-vector')).toEqual([]);
  });
});

describe('host-crash (R9.5)', () => {
  it('fires once without the fix, never with it', () => {
    expect(named(lints(preset('pv-eoi-disable-unfixed')), 'host-crash')).toHaveLength(1);
    expect(named(lints(preset('pv-eoi-disable-fixed')), 'host-crash')).toEqual([]);
  });
});

describe('masked-remote-irr (R5.5)', () => {
  const base = 'vcpus 1\nirqchip kernel\nroute 10 vector=0x62 trigger=level dest=0 mask=0\nassert 10\n';
  it('fires when a level pin is masked while its remote IRR is set, once', () => {
    expect(where(lints(`${base}mask 10\ncpu 0 service 10\nwait 1ms\n`), 'masked-remote-irr')).toEqual([3]);
  });

  it('does not fire when the pin is masked after its EOI', () => {
    expect(named(lints(`${base}cpu 0 service 10\ncpu 0 eoi\nmask 10\n`), 'masked-remote-irr')).toEqual([]);
  });
});

describe('the incremental Linter', () => {
  /** Every step's warnings from the reference (full passes) and from the Linter with and without the probe. */
  function compare(text: string): void {
    const s = mustParse(text);
    const m = Machine.boot(s.config, false);
    const ref = new ReferenceLinter(m.state);
    const probed = new Linter(m.state, m.ctx);
    const blind = new Linter(m.state);
    for (const st of s.steps) {
      m.apply(st.action);
      const want = ref.step(m.state);
      expect(probed.step(m.state), `line ${st.line}`).toEqual(want);
      expect(blind.step(m.state), `line ${st.line}`).toEqual(want);
    }
  }

  it('gives the warnings of the definitions (lints-reference.ts) at every step of random scenarios', () => {
    fc.assert(fc.property(scenarioText(60), compare), { numRuns: MUTATING ? 20 : 300 });
  });

  it('sees a stuck pin owed again by a later message, and stuck again after its EOI (R5.6 c)', () => {
    const text = [
      'vcpus 2',
      'irqchip kernel',
      'route 3 vector=0x62 trigger=level dest=1 mask=0',
      'assert 3',
      'route 3 vector=0x64 trigger=level dest=1 mask=0', // remote IRR kept, nobody has 0x64: stuck
      'cpu 1 eoi',
      'msi dest=1 vector=0x64', // an edge 0x64: now owed...
      'cpu 1 eoi',
      'cpu 1 iret',
      'cpu 1 eoi', // ...and EOI'd without a broadcast (edge): stuck again
      '',
    ].join('\n');
    expect(named(lints(text), 'stuck-remote-irr').map((w) => w.line)).toEqual([5, 10]);
    compare(text);
  });

  it('gives them where vectors below 0x10, restores, windows tasks and stuck pins meet (R3.11, R5.6 c)', () => {
    // Random actions over a fixed machine that makes every lint likely: wide, vector 0x05 on a level pin.
    const action = fc.constantFrom(
      'assert 1',
      'deassert 1',
      'pulse 2',
      'assert 3',
      'deassert 3',
      'msi dest=5 vector=0x03',
      'msi dest=6 vector=0x62 trigger=level',
      // Edge messages of a stuck pin's vector: owed, then EOI'd without a broadcast, stuck again.
      'msi dest=6 vector=0x62',
      'msi dest=5 vector=0x05',
      'route 3 vector=0x64 trigger=level dest=6 mask=0',
      'route 3 vector=0x62 trigger=level dest=6 mask=0',
      'cpu 0 eoi',
      'cpu 5 eoi',
      'cpu 6 eoi',
      'cpu 5 iret',
      'cpu 0 iret',
      'cpu 6 cli',
      'cpu 6 sti',
      'mask 1',
      'unmask 1',
      'route 1 vector=0x62 trigger=edge dest=6 mask=0',
      'route 1 vector=0x05 trigger=level dest=5 mask=0',
      'snapshot a',
      'restore a',
      'run 20',
      'wait 10ms',
    );
    const head = [
      'vcpus 8',
      'irqchip kernel',
      'kvm storm-limit=2',
      'guest 6 profile=windows',
      'guest 7 profile=linux',
      'route 1 vector=0x05 trigger=level dest=5 mask=0',
      'route 2 vector=0x08 trigger=edge dest=0 mask=0',
      'route 3 vector=0x62 trigger=level dest=6 mask=0',
      'snapshot a',
    ].join('\n');
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (acts) => compare(`${head}\n${acts.join('\n')}\n`)),
      { numRuns: MUTATING ? 20 : 300 },
    );
  });
});

describe('lintEventIndex', () => {
  it('points a warning at an event of its step about the same pin or vCPU', () => {
    const text = preset('storm-limit');
    const s = mustParse(text);
    const w = named(lints(text), 'irq-storm')[0];
    const m = Machine.boot(s.config, true);
    let events = m.apply(s.steps[0].action).events;
    for (let i = 1; i < w.step; i++) events = m.apply(s.steps[i].action).events;
    const at = lintEventIndex(w, events);
    expect(at).toBeGreaterThan(0);
    expect(events[at].type).toBe('kvm_ioapic_delayed_eoi_inj');
    expect(lintEventIndex(w, [])).toBe(-1);
  });
});

describe('docs/language.md', () => {
  it('lists every lint with its rule in the Lints table', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'language.md'), 'utf8');
    const table = doc.slice(doc.indexOf('### Lints'), doc.indexOf('### Importing a trace'));
    for (const n of LINT_NAMES)
      expect(table, n).toMatch(new RegExp(`\\| \`${n}\` \\| (state|step) \\| ${LINTS[n].rule} \\|`));
    for (const n of LINT_NAMES) expect(table.includes(`| ${LINTS[n].kind} |`)).toBe(true);
  });
});
