/**
 * extendScenario (the worker's append): the lines after a parsed scenario, parsed as its
 * continuation, give what the whole text gives. Checked on the generated scenarios, the presets
 * and the examples, cut after each of their lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets/index.ts';
import { scenarioText } from './arbitrary.ts';
import { extendScenario, parseScenario } from './parse.ts';

/** Parses the first `k` lines, then the rest as lines appended to them. */
function inTwo(text: string, k: number) {
  const lines = text.split('\n');
  const head = parseScenario(lines.slice(0, k).join('\n'));
  if (!head.ok) return null;
  return extendScenario(head.scenario, lines.slice(k).join('\n'), k + 1);
}

const examples = join(import.meta.dirname, 'examples');
const files = [
  ...PRESETS.map((p) => [p.id, p.text] as const),
  ...readdirSync(examples)
    .filter((f) => f.endsWith('.apic'))
    .map((f) => [f, readFileSync(join(examples, f), 'utf8')] as const),
];

describe('extendScenario', () => {
  it.each(files)('%s, cut after any line, is the whole file', (_name, text) => {
    const whole = parseScenario(text);
    expect(whole.ok).toBe(true);
    const n = text.split('\n').length;
    for (let k = 1; k < n; k++) {
      const r = inTwo(text, k);
      // A head that does not parse alone (an `ask` waiting for its action) is not a place to cut.
      if (r === null) continue;
      expect(r).toEqual(whole);
    }
  });

  it('agrees with the whole text on generated scenarios, errors included', () => {
    fc.assert(
      fc.property(scenarioText(12), fc.nat(), (text, cut) => {
        const n = text.split('\n').length;
        const k = 1 + (cut % Math.max(1, n - 1));
        const r = inTwo(text, k);
        if (r === null) return;
        expect(r).toEqual(parseScenario(text));
      }),
      { numRuns: 300 },
    );
  });

  it('checks a restore against the snapshots of the part before, and the new lines only', () => {
    const head = parseScenario('vcpus 2\nsnapshot a\nexpect cpu 0 isr = {}\n');
    if (!head.ok) throw new Error('head');
    expect(extendScenario(head.scenario, 'restore a\nrestore b\n', 4)).toEqual({
      ok: false,
      errors: [{ line: 5, col: 9, message: "restore b: no 'snapshot b' above this line" }],
    });
    const ok = extendScenario(head.scenario, 'restore a', 4);
    expect(ok.ok && ok.scenario.steps.map((s) => s.action.kind)).toEqual(['snapshot', 'restore']);
  });
});
