/**
 * `npm run bench [-- --json] [-- --quick] [-- --core] [-- --bundled]`: prints a table of named figures with their
 * budgets, or one JSON object of them, so runs can be compared.
 */
import { findChromium, HOW_TO_GET_CHROMIUM } from '../e2e/chromium.mjs';
import { cliFigures } from './cli.ts';
import type { Figure } from './core.ts';
import { coreFigures } from './core.ts';
import { exploreFigures } from './explore.ts';
import { parseFigures } from './parse.ts';
import { runFigures } from './run.ts';
import { shareFigures } from './share.ts';
import { uiFigures } from './ui.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const coreOnly = args.includes('--core');
// The figures measured in their own processes run the core bundled, as shipped (bench/isolated.ts).
if (args.includes('--bundled')) process.env.BENCH_BUNDLED = '1';

const figures: Figure[] = [
  ...coreFigures(quick),
  ...(await runFigures(quick)),
  ...parseFigures(quick),
  ...shareFigures(),
  ...cliFigures(quick),
  ...exploreFigures(quick),
];
if (!coreOnly) {
  const chromium = await findChromium();
  if (chromium) figures.push(...(await uiFigures(chromium)));
  else console.error(`browser figures skipped: ${HOW_TO_GET_CHROMIUM}`);
}

if (json) {
  const out: Record<string, number> = {};
  for (const f of figures) out[f.name] = Number(f.value.toPrecision(4));
  console.log(JSON.stringify(out));
} else {
  const rows = figures.map((f) => [
    f.name,
    `${f.value.toPrecision(4)} ${f.unit}`.trim(),
    f.budget ?? '',
    f.ok === undefined ? '' : f.ok ? 'ok' : 'OVER',
  ]);
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...rows.map((r) => r[i].length), ['figure', 'value', 'budget', ''][i].length),
  );
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(['figure', 'value', 'budget', '']));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
