/**
 * `npm test`: typecheck, lint, the one-way dependency rules, unit and property tests, then
 * end-to-end tests in Chromium.
 * Every stage runs; the last line sums the tests as `N passed, N failed`. (It lives in e2e/
 * because the repository's top level is fixed.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, HOW_TO_GET_CHROMIUM } from './chromium.mjs';

const out = mkdtempSync(join(tmpdir(), 'apicscope-test-'));
let passed = 0;
let failed = 0;
let ok = true;

function stage(name, cmd, args, env = {}) {
  console.log(`\n▶ ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    ok = false;
    console.log(`✗ ${name} failed (exit ${r.status ?? r.signal})`);
  }
  return r.status === 0;
}

const npx = 'npx';
if (!stage('typecheck', npx, ['tsc', '--noEmit', '-p', '.'])) failed++;
else passed++;
if (!stage('lint', npx, ['biome', 'check', '.'])) failed++;
else passed++;
if (!stage('deps', 'node', ['e2e/deps.mjs'])) failed++;
else passed++;

const unitJson = join(out, 'unit.json');
const unitOk = stage('unit', npx, [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${unitJson}`,
]);
try {
  const r = JSON.parse(readFileSync(unitJson, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests || (unitOk ? 0 : 1);
} catch {
  failed++;
}

const chromium = await findChromium();
if (!chromium) {
  console.log(`\n✗ e2e: ${HOW_TO_GET_CHROMIUM}`);
  ok = false;
  failed++;
} else {
  const e2eJson = join(out, 'e2e.json');
  if (stage('build', npx, ['vite', 'build'])) {
    const e2eOk = stage('e2e', npx, ['playwright', 'test', '--reporter=list,json'], {
      CHROMIUM_PATH: chromium,
      PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson,
    });
    try {
      const r = JSON.parse(readFileSync(e2eJson, 'utf8'));
      passed += r.stats.expected + r.stats.flaky;
      // A run that failed before any test (a busy port, say) still counts as a failure.
      failed += r.stats.unexpected || (e2eOk ? 0 : 1);
    } catch {
      failed++;
    }
  } else failed++;
}

console.log(`\napicscope tests: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
