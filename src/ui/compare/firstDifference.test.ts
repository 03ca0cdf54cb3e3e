/** The first difference of two traces: where the paths part, not where a printed field differs. */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../core/events.ts';
import { runScenario } from '../../replay/run.ts';
import { mustParse } from '../../replay/testing.ts';
import { applySetting } from '../../scenario/settings.ts';
import type { StepEvents } from '../../worker/protocol.ts';
import { firstDifference } from './firstDifference.ts';

function steps(text: string, setting?: string): StepEvents[] {
  const s = mustParse(text);
  if (setting) expect(applySetting(s.config, setting)).toBeFalsy();
  const out: StepEvents[] = [];
  runScenario(s, {
    onEvents: (step, events: TraceEvent[]) => out.push({ step, action: '', events, dropped: 0 }),
  });
  return out;
}

const stale = `vcpus 2
route 10 vector=0x62 trigger=level dest=0 mask=0
assert 10
cpu 0 service 10
route 10 dest=1
cpu 0 eoi
`;

describe('first difference', () => {
  it('none for the same configuration', () => {
    expect(firstDifference(steps(stale), steps(stale))).toBeNull();
  });

  it('the stale-EOI patch: the EOI of step 5 takes another path (R7.3 step 2)', () => {
    const d = firstDifference(steps(stale), steps(stale, 'kvm.stale-eoi-rescan=off'))!;
    expect(d.step).toBe(5);
    expect(d.a).toMatch(/^stale_eoi_rescan \[vCPU 0\]/);
    expect(d.b).toMatch(/^ioapic_eoi_exit_request \[vCPU 0\]/);
    // Each side's why names the rule it followed there (the compare view links them).
    expect(d.whyA).toMatch(/^R7\.3 step 2: /);
    expect(d.whyB).toMatch(/^R\d+\.\d+/);
    expect(d.whyB).not.toBe(d.whyA);
  });

  it('a side with fewer events: the missing one is named as null', () => {
    const a = steps('vcpus 1\nmsi dest=0 vector=0x31\n');
    const b = steps('vcpus 1\nmsi dest=0 vector=0x31\ncpu 0 eoi\n');
    const d = firstDifference(a, b)!;
    expect(d).toMatchObject({ step: 2, index: 0, a: null, whyA: null });
    expect(d.whyB).toMatch(/^§3: /);
    expect(d.b).toMatch(/^action/);
  });
});
