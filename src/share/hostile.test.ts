/**
 * The hostile-input suite, sampled (issue 14): links, scenario texts and files through the
 * same path the app and the command line take. The complete run (≥ 10 000 links, ≥ 2 000
 * files, ≥ 2 000 texts) is `npm run hostile`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATING } from '../replay/testing.ts';
import type { HostileReport } from './hostile/check.ts';
import {
  checkFiles,
  checkLinks,
  checkTexts,
  emptyReport,
  failed,
  sessionWithPreset,
} from './hostile/check.ts';
import { hostileFiles, hostileLinks, hostileTexts } from './hostile/inputs.ts';

const preset = readFileSync(join(import.meta.dirname, '..', 'presets', 'level-irq.apic'), 'utf8');

function expectClean(r: HostileReport) {
  expect(r.failures).toEqual([]);
  expect(failed(r, { time: false })).toBe(0);
  // Timing on a shared machine: reported, and bounded far above the budget (npm run hostile counts it).
  if (r.slow.length) console.warn(`decodes over 50 ms (busy machine?): ${r.slow.join('; ')}`);
  expect(r.maxDecodeMs).toBeLessThan(500);
}

// Inside a mutation run: robustness of decoding, no result of the core (docs/mutation.md).
describe.skipIf(MUTATING)('hostile input, sampled', () => {
  it('1 200 links: mutated, hostile, legal-but-heavy, prototype names, over the limits', () => {
    const r = emptyReport();
    const session = sessionWithPreset(preset);
    checkLinks(r, hostileLinks(1200, 0x5eed, true), session);
    expectClean(r);
    expect(r.links).toBe(1200);
    for (const kind of ['mutated', 'hostile', 'heavy', 'prototype', 'over-limit', 'golden'])
      expect(r.kinds[`link/${kind}`]?.count ?? 0, kind).toBeGreaterThan(0);
    // Most damage is refused; what opens is a scenario that parsed, cloned and (when cheap) ran.
    expect(r.kinds['link/over-limit'].accepted).toBe(0);
    expect(r.kinds['link/golden'].refused).toBe(0);
    expect(r.scenariosParsed).toBeGreaterThan(50);
    expect(session.text).toBe(preset);
  });

  it('600 scenario texts: mutated presets, prototype names in every slot, token soup', () => {
    const r = emptyReport();
    const session = sessionWithPreset(preset);
    checkTexts(r, hostileTexts(600, 0xbeef, false), session);
    expectClean(r);
    expect(r.texts).toBe(600);
    expect(r.kinds['text/prototype'].accepted).toBe(0);
    expect(r.scenariosRun).toBeGreaterThan(20);
    expect(session.text).toBe(preset);
  });

  it('300 files: every encoding, binary, broken encodings, oversized; 60 through the command line', () => {
    const r = emptyReport();
    const files = hostileFiles(300, 0xf11e, 4_000_000);
    checkFiles(r, files.slice(0, 240), false);
    checkFiles(r, files.slice(240), true);
    expectClean(r);
    expect(r.files).toBe(300);
    expect(r.kinds['file/binary'].accepted).toBe(0);
    expect(r.cliRuns).toBeGreaterThan(30);
  });
});
