/**
 * Legal but heavy input runs in time linear in its size, with no stack-depth dependence
 * (issue 14, item 2). The sizes are the ones the attack used. The time bounds are hang guards,
 * not measurements (those are in `npm run bench`): loose enough for a loaded 2-core machine,
 * still well below what the quadratic code took (40 s and more).
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.ts';
import { Session } from '../worker/session.ts';
import { runScenario } from './run.ts';
import { MUTATING } from './testing.ts';

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

// Inside a mutation run: hang guards, no result of the core (docs/mutation.md).
describe.skipIf(MUTATING)('heavy legal input (issue 14 item 2)', () => {
  it('130 000 notes before a configuration line parse (once a RangeError from push(...))', () => {
    const text = `vcpus 1\n${'note ""\n'.repeat(130_000)}apic xapic\nmsi dest=0 vector=0x31\n`;
    const { value: r, ms } = timed(() => parseScenario(text));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.scenario.configNotes).toHaveLength(130_000);
      expect(r.scenario.config.apic).toBe('xapic');
    }
    expect(ms).toBeLessThan(10_000);
  });

  it('250 000 notes before the first action stay the step notes of that action', () => {
    const text = `vcpus 1\n${'note ""\n'.repeat(249_000)}msi dest=0 vector=0x31\n`;
    const r = parseScenario(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.scenario.steps[0].notes).toHaveLength(249_000);
  });

  it('70 000 expectations at one step run in linear time (once 40 s)', () => {
    const text = `vcpus 1\nmsi dest=0 vector=0x31\n${'expect cpu 0 isr has 0x31\n'.repeat(70_000)}`;
    const r = parseScenario(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { value: run, ms } = timed(() => runScenario(r.scenario));
    expect(run.expects).toHaveLength(70_000);
    expect(run.expects.every((e) => e.ok && e.afterStep === 1)).toBe(true);
    expect(ms).toBeLessThan(15_000);
  });

  it('105 000 expectations at one step: no stack overflow in the runner or the worker session', () => {
    const text = `vcpus 1\n${'expect cpu 0 if =0\n'.repeat(105_000)}`;
    expect(text.length).toBeLessThan(2_000_000);
    const r = parseScenario(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(runScenario(r.scenario).expects).toHaveLength(105_000);
    const s = new Session();
    const { value: loaded, ms } = timed(() => s.load(text));
    expect(loaded.ok).toBe(true);
    expect(ms).toBeLessThan(15_000);
  });

  it('the worker session groups 70 000 expectations at one step in linear time (once a hang)', () => {
    const text = `vcpus 1\nmsi dest=0 vector=0x31\n${'expect cpu 0 isr has 0x31\n'.repeat(70_000)}`;
    const s = new Session();
    const { value: loaded, ms } = timed(() => s.load(text));
    expect(loaded.ok).toBe(true);
    expect(ms).toBeLessThan(15_000);
  });
});
