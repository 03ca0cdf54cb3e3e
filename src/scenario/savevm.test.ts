/** `savevm` / `loadvm` (issue 9): QEMU's words for snapshot and restore, the same actions, printed as written. */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { parseScenario } from './parse.ts';
import { printScenario } from './print.ts';

const TEXT = `vcpus 1
route 10 vector=0x62 trigger=level dest=0 mask=0
savevm quiet
assert 10
loadvm quiet
expect ioapic 10 remote-irr = 0
`;

describe('savevm and loadvm', () => {
  it('are snapshot and restore: the same steps, the same state', () => {
    const a = parseScenario(TEXT);
    const b = parseScenario(TEXT.replace('savevm', 'snapshot').replace('loadvm', 'restore'));
    if (!a.ok || !b.ok) throw new Error('both parse');
    expect(a.scenario.steps.map((s) => s.action.kind)).toEqual(['route', 'snapshot', 'assert', 'restore']);
    const ra = runScenario(a.scenario);
    const rb = runScenario(b.scenario);
    expect(ra.expects.every((e) => e.ok)).toBe(true);
    expect(ra.final).toEqual(rb.final);
  });

  it('print back as written, and a loadvm needs a savevm (or snapshot) of its name above', () => {
    const a = parseScenario(TEXT);
    if (!a.ok) throw new Error('parses');
    expect(printScenario(a.scenario)).toContain('savevm quiet\nassert 10\nloadvm quiet');
    const bad = parseScenario('vcpus 1\nloadvm later\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.errors[0]).toMatchObject({
        line: 2,
        col: 8,
        message: "loadvm later: no 'savevm later' above this line",
      });
    expect(parseScenario('vcpus 1\nsnapshot s\nloadvm s\n').ok).toBe(true);
  });
});
