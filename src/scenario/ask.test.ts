/** `ask` (teaching mode): parses, prints back, attaches to its action, and never changes the emulation. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { mustParse } from '../replay/testing.ts';
import { parseScenario } from './parse.ts';
import { printScenario } from './print.ts';

const base = 'vcpus 2\nroute 10 vector=0x62 trigger=level dest=1 mask=0\n';

describe('ask', () => {
  it('attaches to the next action with its answer kind and operand', () => {
    const s = mustParse(
      `${base}note "n"\nask "Which vCPU takes 0x62?" answer=cpu vector=98\nassert 10\nask "Set?" answer=remote-irr pin=0xa\ncpu 1 eoi\n`,
    );
    expect(s.steps[0].ask).toBeUndefined();
    expect(s.steps[1].ask).toEqual({ prompt: 'Which vCPU takes 0x62?', answer: 'cpu', vector: 0x62 });
    expect(s.steps[1].notes).toEqual(['n']);
    expect(s.steps[2].ask).toEqual({ prompt: 'Set?', answer: 'remote-irr', pin: 10 });
    // The step starts at its first note or its ask (cutting a session keeps no orphan ask).
    expect(s.steps[1].startLine).toBe(3);
    expect(s.steps[2].startLine).toBe(6);
  });

  it('prints back in canonical form (parse ∘ print is the identity)', () => {
    const text = `${base}ask "Does this \\"EOI\\" reach the IOAPIC?" answer=EOI-reaches-ioapic\ncpu 1 eoi\n`;
    const printed = printScenario(mustParse(text));
    expect(printed).toContain(
      'ask "Does this \\"EOI\\" reach the IOAPIC?" answer=eoi-reaches-ioapic\ncpu 1 eoi\n',
    );
    expect(printScenario(mustParse(printed))).toBe(printed);
    expect(mustParse(printed).steps[1].ask?.prompt).toBe('Does this "EOI" reach the IOAPIC?');
  });

  it('is ignored by the emulation: the same events and state with or without asks', () => {
    const plain = `${base}assert 10\ncpu 1 eoi\n`;
    const asked = `${base}ask "Who?" answer=cpu vector=0x62\nassert 10\nask "Reach?" answer=eoi-reaches-ioapic\ncpu 1 eoi\n`;
    const trace = (t: string) => {
      const ev: string[] = [];
      const r = runScenario(mustParse(t), { onEvents: (_k, e) => ev.push(...e.map((x) => x.text)) });
      return { ev, final: JSON.stringify(r.final) };
    };
    expect(trace(asked)).toEqual(trace(plain));
  });

  it.each([
    ['ask answer=cpu vector=1\nassert 10', 2, 5, 'ask needs a double-quoted question: ask "…" answer=…'],
    ['ask "q"\nassert 10', 2, 1, 'ask needs answer=cpu|remote-irr|eoi-reaches-ioapic'],
    [
      'ask "q" answer=who\nassert 10',
      2,
      16,
      "answer must be one of cpu, remote-irr, eoi-reaches-ioapic, not 'who'",
    ],
    ['ask "q" answer=cpu\nassert 10', 2, 16, 'answer=cpu needs vector='],
    ['ask "q" answer=cpu vector=256\nassert 10', 2, 27, "vector must be 0..255, not '256'"],
    [
      'ask "q" answer=remote-irr pin=3 vector=1\nassert 10',
      2,
      33,
      "answer=remote-irr takes pin=, not 'vector'",
    ],
    ['ask "q" answer=cpu vector=1 x\nassert 10', 2, 29, "expected key=value after the question, not 'x'"],
    [
      'ask "a" answer=eoi-reaches-ioapic\nask "b" answer=eoi-reaches-ioapic\ncpu 0 eoi',
      3,
      1,
      'one ask per step (line 2 asks already)',
    ],
    ['cpu 0 eoi\nask "late" answer=eoi-reaches-ioapic', 3, 1, 'ask must come before an action'],
  ])('refuses %j at its line and column', (tail, line, col, message) => {
    const r = parseScenario(`vcpus 2\n${tail}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toEqual({ line, col, message });
  });
});
