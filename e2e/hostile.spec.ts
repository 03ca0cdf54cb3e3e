/**
 * The hostile-input suite in the built app, sampled (issue 14): links, files and scenario texts
 * given as a user gives them (e2e/hostile-browser.ts). The complete run is `npm run hostile`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { hostileFiles, hostileLinks, hostileTexts } from '../src/share/hostile/inputs.ts';
import { open } from './fixtures.ts';
import { browserFailed, browserInputs, emptyBrowserReport, hostileInBrowser } from './hostile-browser.ts';

const preset = readFileSync(join(import.meta.dirname, '..', 'src', 'presets', 'level-irq.apic'), 'utf8');

test('hostile links, files and texts in the app: no error, no restart, refusals change nothing', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await open(page);
  const inputs = browserInputs(
    hostileLinks(160, 0xb10c, true),
    hostileFiles(40, 0xf11e, 4_000_000),
    hostileTexts(40, 0x7e47, false),
  );
  const r = emptyBrowserReport();
  await hostileInBrowser(page, inputs, preset, r);
  expect(r.failures).toEqual([]);
  // Long tasks depend on the machine: reported here, counted by `npm run hostile`.
  if (r.slow.length) console.warn(`main-thread tasks over 50 ms (busy machine?): ${r.slow.join('; ')}`);
  expect(browserFailed(r, { time: false })).toBe(0);
  expect(r.links + r.files + r.texts).toBe(inputs.length);
  // Both answers happened: some inputs opened, most were refused.
  expect(r.accepted).toBeGreaterThan(10);
  expect(r.refused).toBeGreaterThan(100);
  expect(r.kinds['file/utf-16le']?.accepted ?? 0).toBeGreaterThan(0);
});
