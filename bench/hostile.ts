/**
 * `npm run hostile [-- --links N --files N --texts N --seed S]`: the complete hostile-input
 * suite (issue 14). By default 10 000 links, 2 000 files (each also through `apicscope run`
 * when it is cheap to run) and 2 000 scenario texts, deterministic from the seed. Prints the
 * counts and every failure; exit 1 if there is any (decodes over 50 ms included: run it
 * alone on the machine). The unit tests run a sample of the same (src/share/hostile.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
const t0 = performance.now();
checkLinks(r, hostileLinks(n.links, seed), session);
const t1 = performance.now();
checkFiles(r, hostileFiles(n.files, seed + 1, MAX_INPUT_BYTES), true, session);
const t2 = performance.now();
checkTexts(r, hostileTexts(n.texts, seed + 2), session);
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
const w = Math.max(...rows.map(([k]) => k.length));
console.log(`hostile input, seed ${seed}`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
console.log('\n  by kind                      count  accepted  refused');
for (const [kind, t] of Object.entries(r.kinds).sort())
  console.log(
    `  ${kind.padEnd(27)}${String(t.count).padStart(7)}${String(t.accepted).padStart(10)}${String(t.refused).padStart(9)}`,
  );
for (const f of [...r.failures, ...r.slow]) console.log(`  FAIL ${f}`);
const bad = failed(r);
console.log(`\n${bad === 0 ? 'ok' : `${bad} FAILED`}`);
process.exitCode = bad === 0 ? 0 : 1;
