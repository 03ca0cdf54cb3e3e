/**
 * The SEOIB RFC presets (issue 9, R8.8–R8.12) are compare-ready: the setting Compare opens with
 * applies, and it changes the outcome the preset pins (the candidate policy differs on that life).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../replay/run.ts';
import { mustParse } from '../replay/testing.ts';
import { applySetting } from '../scenario/settings.ts';
import { PRESET_COMPARE, PRESET_GROUPS, PRESET_ORDER, PRESETS } from './index.ts';

describe('SEOIB RFC presets', () => {
  const group = PRESET_GROUPS[0];
  it('one per design challenge (1–5) and the preferred direction, grouped under the RFC', () => {
    expect(group.ids).toHaveLength(6);
    for (const id of group.ids) expect(PRESET_ORDER).toContain(id);
  });

  it.each(group.ids.map((id) => [id]))('%s: its compare setting applies and changes what it pins', (id) => {
    const text = PRESETS.find((p) => p.id === id)!.text;
    const s = mustParse(text);
    const settings = PRESET_COMPARE.get(id) ?? [];
    expect(settings.length).toBeGreaterThan(0);
    const config = structuredClone(s.config);
    for (const set of settings) expect(applySetting(config, set)).toBeNull();
    const a = runScenario(s);
    const b = runScenario({ ...s, config });
    expect(a.expects.every((e) => e.ok)).toBe(true);
    expect(b.expects.filter((e) => !e.ok).length).toBeGreaterThan(0);
  });
});
