/** The `explore` and `invariant` statements: what they parse to, their errors, their printing. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { formatError } from './ast.ts';
import { parseScenario } from './parse.ts';
import { printScenario } from './print.ts';

const errors = (text: string) => {
  const r = parseScenario(text);
  return r.ok ? [] : r.errors.map(formatError);
};

const FILE = `vcpus 2
explore depth=6 max-states=5000
explore actions assert eoi iret service
explore action cpu 0 ioapic-rte 10 dest=0|1 vector=0x62|0x63   # the handler may retarget
explore lints needless-eoi-exit stuck-remote-irr
invariant ioapic 10 remote-irr = 0
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
expect cpu 0 isr = {0x62}
explore action msi dest=0|1 vector=0x62
`;

describe('explore statements', () => {
  it('parse to the bounds, the alphabet changes, the lints and the invariants, wherever they stand', () => {
    const r = parseScenario(FILE);
    if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
    const x = r.scenario.explore!;
    expect(x).toMatchObject({ depth: 6, maxStates: 5000, kinds: ['assert', 'eoi', 'iret', 'service'] });
    expect(x.lints).toEqual(['needless-eoi-exit', 'stuck-remote-irr']);
    expect(x.actions.map((a) => a.text)).toEqual([
      'cpu 0 ioapic-rte 10 dest=0|1 vector=0x62|0x63',
      'msi dest=0|1 vector=0x62',
    ]);
    // Alternatives expand left to right, the first varying slowest.
    expect(
      x.actions[0].actions.map((a) => (a.kind === 'cpu' && a.op.op === 'ioapic-rte' ? a.op.fields : null)),
    ).toEqual([
      { dest: 0, vector: 0x62 },
      { dest: 0, vector: 0x63 },
      { dest: 1, vector: 0x62 },
      { dest: 1, vector: 0x63 },
    ]);
    expect(x.invariants).toMatchObject([
      { line: 6, text: 'ioapic 10 remote-irr = 0', check: { kind: 'ioapic', pin: 10 } },
    ]);
    expect(r.scenario.steps).toHaveLength(2);
  });

  it('are ignored by run', () => {
    const r = parseScenario(FILE);
    if (!r.ok) throw new Error('does not parse');
    expect(runScenario(r.scenario).expects.map((e) => e.ok)).toEqual([true]);
  });

  it('print and parse back to the same scenario', () => {
    const r = parseScenario(FILE);
    if (!r.ok) throw new Error('does not parse');
    const printed = printScenario(r.scenario);
    expect(printed).toContain('explore action cpu 0 ioapic-rte 10 dest=0|1 vector=0x62|0x63\n');
    expect(printed).toContain('explore lints needless-eoi-exit stuck-remote-irr\n');
    const again = parseScenario(printed);
    if (!again.ok) throw new Error(again.errors.map(formatError).join('\n'));
    const strip = (x: typeof r.scenario.explore) => ({
      ...x,
      pos: {},
      actions: x!.actions.map((a) => ({ text: a.text, actions: a.actions })),
      invariants: x!.invariants.map((i) => ({ text: i.text, check: i.check })),
    });
    expect(strip(again.scenario.explore)).toEqual(strip(r.scenario.explore));
    expect(printScenario(again.scenario)).toBe(printed);
    expect(parseScenario('vcpus 1\nexplore actions none\nexplore lints none\n').ok).toBe(true);
    const none = parseScenario('vcpus 1\nexplore actions none\nexplore lints none\n');
    expect(none.ok && printScenario(none.scenario)).toBe(
      'vcpus 1\nexplore actions none\nexplore lints none\n',
    );
  });

  it('say what is wrong at LINE:COL', () => {
    expect(errors('explore depth=0\n')).toEqual(['1:9: explore depth 0 is out of range 1–1000']);
    expect(errors('explore depth=3\nexplore depth=4\n')).toEqual([
      "2:9: 'explore depth' is already set on line 1",
    ]);
    expect(errors('explore dept=3\n')).toEqual([
      "1:9: 'explore' has no key 'dept' (did you mean 'depth'?); its keys are depth, max-states",
    ]);
    expect(errors('explore actions assert bogus\n')[0]).toMatch(
      /^1:24: explore actions takes assert, deassert/,
    );
    expect(errors('explore lints stuck\n')[0]).toMatch(/^1:15: explore lints takes stuck-remote-irr/);
    expect(errors('explore lints host-crash host-crash\n')).toEqual(["1:26: 'host-crash' is given twice"]);
    expect(errors('explore action snapshot a\n')[0]).toMatch(/^1:16: explore action takes an action/);
    expect(errors('explore action assert 3||4\n')).toEqual([
      "1:23: an alternative is empty: write 'a|b' with a value on each side",
    ]);
    expect(errors('explore action assert 3|99\n')).toEqual(['1:23: pin 99 is out of range 0–23']);
    expect(errors('vcpus 2\nexplore action cpu 0|5 eoi\n')).toEqual([
      '2:20: vCPU 5 does not exist: vcpus is 2 (0–1)',
    ]);
    expect(errors('explore frobnicate\n')[0]).toMatch(/^1:9: explore takes depth=/);
    expect(errors('invariant cpu 0 bogus = 1\n')[0]).toMatch(/^1:17: unknown vCPU register 'bogus'/);
    expect(errors('vcpus 1\ninvariant cpu 3 tpr = 0\n')).toEqual([
      '2:15: vCPU 3 does not exist: vcpus is 1 (0–0)',
    ]);
    expect(
      errors(
        `explore action msi dest=${Array.from({ length: 11 }, (_, i) => i).join('|')} vector=${Array.from({ length: 100 }, (_, i) => i + 32).join('|')}\n`,
      )[0],
    ).toMatch(/^1:16: explore action expands to more than 1024 actions/);
  });
});
