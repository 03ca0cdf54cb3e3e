/**
 * `npm run hostile [-- --links N --files N --texts N --seed S --no-browser]`: the complete
 * hostile-input suite (issue 14). By default 10 000 links, 2 000 files (each also through
 * `apicscope run` when it is cheap to run) and 2 000 scenario texts, deterministic from the
 * seed: first through the Node pipeline (decode, parse, validate, run, the command line), then
 * the same inputs in the built app in headless Chromium (e2e/hostile-browser.ts: the address
 * bar, the file input, the editor's path). Prints the counts and every failure; exit 1 if there
 * is any (decodes and main-thread tasks over 50 ms included: run it alone on the machine). The
 * unit and end-to-end tests run samples (src/share/hostile.test.ts, e2e/hostile.spec.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { findChromium, HOW_TO_GET_CHROMIUM } from '../e2e/chromium.mjs';
import type { BrowserReport } from '../e2e/hostile-browser.ts';
import {
  browserFailed,
  browserInputs,
  emptyBrowserReport,
  hostileInBrowser,
} from '../e2e/hostile-browser.ts';
import { MAX_INPUT_BYTES } from '../src/scenario/text-input.ts';
import {
  checkFiles,
  checkLinks,
  checkTexts,
  emptyReport,
  failed,
  MAIN_THREAD_BUDGET_MS,
  sessionWithPreset,
} from '../src/share/hostile/check.ts';
import { hostileFiles, hostileLinks, hostileTexts } from '../src/share/hostile/inputs.ts';
import { serveBuiltApp } from './app.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const seed = opt('seed', 14);
const n = { links: opt('links', 10_000), files: opt('files', 2_000), texts: opt('texts', 2_000) };

const preset = readFileSync(join(import.meta.dirname, '..', 'src', 'presets', 'level-irq.apic'), 'utf8');
const session = sessionWithPreset(preset);
const r = emptyReport();
const links = hostileLinks(n.links, seed);
const files = hostileFiles(n.files, seed + 1, MAX_INPUT_BYTES);
const texts = hostileTexts(n.texts, seed + 2);
const t0 = performance.now();
checkLinks(r, links, session);
const t1 = performance.now();
checkFiles(r, files, true, session);
const t2 = performance.now();
checkTexts(r, texts, session);
const t3 = performance.now();
if (session.text !== preset) {
  r.sessionChanged++;
  r.failures.push('the session no longer holds the preset it was loaded with');
}

const rows: [string, string][] = [
  ['links', `${r.links} (${((t1 - t0) / 1000).toFixed(1)} s)`],
  ['files', `${r.files} (${((t2 - t1) / 1000).toFixed(1)} s), ${r.cliRuns} also through apicscope run`],
  ['scenario texts', `${r.texts} (${((t3 - t2) / 1000).toFixed(1)} s)`],
  ['scenarios parsed / run', `${r.scenariosParsed} / ${r.scenariosRun}`],
  ['uncaught errors', String(r.uncaught)],
  ['stack traces', String(r.stackTraces)],
  ['messages without line or field', String(r.badMessages)],
  ['not sendable to the worker', String(r.notCloneable)],
  ['session changed by a refusal', String(r.sessionChanged)],
  ['damaged links opened as another session', String(r.misread)],
  [`decodes over ${MAIN_THREAD_BUDGET_MS} ms`, `${r.slowDecodes} (slowest ${r.maxDecodeMs.toFixed(1)} ms)`],
];
printReport(`hostile input, seed ${seed}`, rows, r.kinds, [...r.failures, ...r.slow]);
let bad = failed(r);
console.log(`\n${bad === 0 ? 'ok' : `${bad} FAILED`}`);

if (!args.includes('--no-browser')) bad += await inTheApp();
process.exitCode = bad === 0 ? 0 : 1;

/** The same inputs in the built app; returns the count of failures. */
async function inTheApp(): Promise<number> {
  const path = await findChromium();
  if (!path) {
    console.log(`\nin the app: not run. ${HOW_TO_GET_CHROMIUM}`);
    return 1;
  }
  const server = await serveBuiltApp(Number(process.env.BENCH_PORT) || 4181);
  const browser = await chromium.launch({ executablePath: path, args: ['--no-sandbox', '--disable-gpu'] });
  const b = emptyBrowserReport();
  const t = performance.now();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx keeps function names with an `__name` helper, which page.evaluate's functions carry along.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(server.url);
    await page.waitForFunction(() => window.__apicViz?.getState().status === 'ready');
    const inputs = browserInputs(links, files, texts);
    let last = performance.now();
    await hostileInBrowser(page, inputs, preset, b, (done) => {
      if (performance.now() - last < 10_000) return;
      last = performance.now();
      process.stderr.write(`  in the app: ${done} of ${inputs.length}\n`);
    });
  } finally {
    await browser.close();
    server.close();
  }
  printBrowser(b, (performance.now() - t) / 1000);
  const failures = browserFailed(b);
  console.log(`\n${failures === 0 ? 'ok' : `${failures} FAILED`}`);
  return failures;
}

function printBrowser(b: BrowserReport, seconds: number): void {
  const rows: [string, string][] = [
    ['inputs', `${b.links} links, ${b.files} files, ${b.texts} texts (${seconds.toFixed(0)} s)`],
    ['opened / refused', `${b.accepted} / ${b.refused}`],
    ['uncaught page errors', String(b.pageErrors)],
    ['emulator restarts (crash or watchdog)', String(b.workerRestarts)],
    ['inputs never answered', String(b.unanswered)],
    ['session changed by a refusal', String(b.sessionChanged)],
    ['answers unlike the Node pipeline', String(b.disagreements)],
    [`main-thread tasks over 50 ms`, `${b.longTasks} (longest ${b.maxTaskMs.toFixed(0)} ms)`],
  ];
  printReport('\nin the app (headless Chromium)', rows, b.kinds, [...b.failures, ...b.slow]);
}

/** The counts, the inputs by kind, and every failure. */
function printReport(
  title: string,
  rows: [string, string][],
  kinds: Record<string, { count: number; accepted: number; refused: number }>,
  failures: string[],
): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(title);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  console.log('\n  by kind                      count  accepted  refused');
  for (const [kind, t] of Object.entries(kinds).sort())
    console.log(
      `  ${kind.padEnd(27)}${String(t.count).padStart(7)}${String(t.accepted).padStart(10)}${String(t.refused).padStart(9)}`,
    );
  for (const f of failures) console.log(`  FAIL ${f}`);
}
