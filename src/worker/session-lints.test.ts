/**
 * The session's lints (issue 10 §2 in the app): the warnings `run` prints, by step, kept as the
 * session grows by actions and runs, and started again when the text is replaced.
 */
import { describe, expect, it } from 'vitest';
import type { StepWarning } from '../lint/run.ts';
import { collectLints } from '../lint/run.ts';
import { PRESETS } from '../presets/index.ts';
import { runScenario } from '../replay/run.ts';
import { mustParse } from '../replay/testing.ts';
import { Session } from './session.ts';

function cliWarnings(text: string) {
  const s = mustParse(text);
  const out: StepWarning[] = [];
  runScenario(s, { onStep: collectLints(s, out) });
  return out.map((w) => ({ step: w.step, lint: w.lint, rule: w.rule, why: w.why }));
}

describe('Session lints', () => {
  it('are the warnings of `apicscope run`, step by step, for every preset', () => {
    let warned = 0;
    for (const p of PRESETS) {
      const s = new Session();
      expect(s.load(p.text).ok).toBe(true);
      const info = s.info();
      const want = cliWarnings(p.text);
      expect(info.warnings, p.id).toEqual(want);
      expect(info.warningCount).toBe(want.length);
      warned += want.length;
    }
    expect(warned).toBeGreaterThan(5);
  });

  it('follow appended actions and a run, and start again with a new text', () => {
    const text = 'vcpus 1\nroute 3 vector=0x62 trigger=level dest=0 mask=0\n';
    const s = new Session();
    s.load(text);
    expect(s.info().warningCount).toBe(0);
    // An EOI with nothing in service (R3.8), then a stuck remote IRR: nobody owes 0x62's EOI.
    s.append(['cpu 0 eoi'], 1);
    expect(s.info().warnings).toEqual([expect.objectContaining({ step: 2, lint: 'empty-isr-eoi' })]);
    s.append(['assert 3', 'cpu 0 iret', 'cpu 0 cli', 'route 3 vector=0x31 trigger=level dest=0 mask=0'], 2);
    expect(s.info().warnings.map((w) => `${w.step} ${w.lint}`)).toEqual([
      '2 empty-isr-eoi',
      '6 stuck-remote-irr',
    ]);
    expect(s.info().warnings).toEqual(cliWarnings(s.text));
    expect(s.beginRun(10).ok).toBe(true);
    while (!s.runChunk(100));
    expect(s.endRun(false).ok).toBe(true);
    expect(s.info().warnings).toEqual(cliWarnings(s.text));
    s.load(text);
    expect(s.info().warnings).toEqual([]);
  });
});
