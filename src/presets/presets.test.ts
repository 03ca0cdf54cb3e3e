/** Every preset runs, all its expectations hold, and it explains itself to a learner. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { mustParse } from '../replay/testing.ts';
import { PRESET_ORDER, PRESETS } from './index.ts';

describe('presets', () => {
  it('lists every .apic file in the folder exactly once', () => {
    const files = readdirSync(import.meta.dirname)
      .filter((f) => f.endsWith('.apic'))
      .map((f) => f.replace(/\.apic$/, ''));
    expect([...PRESET_ORDER].sort()).toEqual(files.sort());
  });

  it.each(PRESETS.map((p) => [p.id, p.text]))(
    '%s: has a title, a note, expectations, and they all hold',
    (_id, text) => {
      const s = mustParse(text);
      expect(s.config.title).toBeTruthy();
      expect(s.configNotes.length + s.steps.filter((st) => st.notes.length).length).toBeGreaterThan(0);
      expect(s.configNotes[0]?.length ?? 0).toBeGreaterThan(80);
      expect(s.expects.length).toBeGreaterThan(2);
      const r = runScenario(s);
      expect(r.expects.filter((e) => !e.ok)).toEqual([]);
    },
  );

  // The step banner shows a step's notes as the author's explanation (issue 12.10).
  it.each(PRESETS.map((p) => [p.id, p.text]))('%s: every step has a note', (_id, text) => {
    const s = mustParse(text);
    expect(s.steps.filter((st) => st.notes.length === 0).map((st) => `line ${st.line}`)).toEqual([]);
  });
});
