/**
 * The app's trace import (issue 10 §3): the worker reads the trace as `apicscope import --check`
 * does and places every disagreement at the step whose input precedes its line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../core/machine.ts';
import { formatTraceLine } from '../core/trace-format.ts';
import { checkTrace } from '../import/index.ts';
import { PRESETS } from '../presets/index.ts';
import { mustParse } from '../replay/testing.ts';
import { importedTrace } from './handler.ts';

/** The trace the model itself prints for a preset (as trace-cmd would have). */
function ownTrace(id: string): string {
  const s = mustParse(PRESETS.find((p) => p.id === id)!.text);
  const m = Machine.boot(s.config, true);
  return s.steps.flatMap((st) => m.apply(st.action).events.map(formatTraceLine)).join('\n');
}

describe('import-trace in the worker', () => {
  it('gives the scenario and summary of apicscope import --check, steps in trace order', () => {
    const text = readFileSync(join(import.meta.dirname, '../import/samples/split-trace-cmd.txt'), 'utf8');
    const r = importedTrace(text, 'split-trace-cmd.txt');
    const cli = checkTrace(text, 'split-trace-cmd.txt');
    if (!r.ok || !cli.result.ok) throw new Error('the sample must import');
    expect(r.text).toBe(cli.result.text);
    expect(r.info.used).toBe(cli.result.summary.used);
    expect(r.info.agreements).toBe(cli.check!.agreements);
    expect(r.info.steps.length).toBe(cli.result.scenario.steps.length);
    const lines = r.info.steps.map((s) => s.traceLine);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it("places the model's EOI exit that the trace lacks at the step that made it", () => {
    // Rescan patched, split: the retarget is a KVM_SET_GSI_ROUTING, which no tracepoint shows.
    const r = importedTrace(ownTrace('stale-eoi-split-patched'), 'own');
    if (!r.ok) throw new Error(r.error);
    expect(r.info.disagreements.length).toBeGreaterThan(0);
    for (const d of r.info.disagreements) {
      const before = r.info.steps.filter((s) => s.traceLine <= d.line);
      expect(d.step).toBe(before.length ? before.at(-1)!.step : 0);
    }
    expect(r.info.disagreements[0].why).toMatch(/forwards this EOI to userspace/);
  });

  it('refuses text with nothing usable, with the reason the command line gives', () => {
    const r = importedTrace('hello\nworld\n', 'notes.txt');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^notes\.txt: nothing usable/);
  });
});
