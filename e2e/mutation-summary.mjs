/**
 * `node e2e/mutation-summary.mjs [report.json …]`: the score of one or more Stryker JSON reports
 * (default reports/mutation/mutation.json), per file and in all, and the surviving mutants
 * grouped by the function they are in. A full run of src/core no longer fits one session, so it
 * is made in parts (`--mutate` over a few files each) and the parts' reports are put together
 * here. Score = (killed + timed out) / (all − ignored − compile or runtime errors), Stryker's.
 * With `--list`, every survivor is printed (line, mutator, replacement). `report.json=a.ts,b.ts`
 * takes only those files from that report: a run's report also carries the files of earlier runs
 * that it found in the incremental file, and those may be stale.
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const list = args.includes('--list');
const paths = args.filter((a) => a !== '--list');
const reports = paths.length > 0 ? paths : ['reports/mutation/mutation.json'];

/** The name of the function (or method) a line is in: the nearest declaration above it. */
function enclosing(lines, line) {
  const decl =
    /^\s*(?:export\s+)?(?:async\s+)?(?:function\*?\s+(\w+)|(?:const|let)\s+(\w+)\s*=\s*(?:\([^)]*\)|\w+)\s*(?::[^=]+)?=>|(?:static\s+|private\s+|public\s+|get\s+|set\s+)*(\w+)\s*\([^)]*\)?\s*(?::[^{]+)?\{\s*$|class\s+(\w+))/;
  for (let i = line - 1; i >= 0; i--) {
    const m = decl.exec(lines[i]);
    if (m && !/^(if|for|while|switch|catch|return)$/.test(m[3] ?? '')) return m[1] ?? m[2] ?? m[3] ?? m[4];
  }
  return '(module)';
}

const files = new Map();
for (const arg of reports) {
  const [path, only] = arg.split('=');
  const wanted = only ? only.split(',') : null;
  const report = JSON.parse(readFileSync(path, 'utf8'));
  for (const [name, file] of Object.entries(report.files))
    if (!wanted || wanted.some((w) => name.endsWith(w))) files.set(name, file);
}

const totals = { all: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0 };
const rows = [];
const survivors = [];
for (const [name, file] of [...files].sort()) {
  const c = { all: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0 };
  const lines = file.source.split('\n');
  for (const m of file.mutants) {
    c.all++;
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Timeout') c.timeout++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
    else if (m.status === 'Ignored') c.ignored++;
    else c.errors++;
    if (m.status === 'Survived' || m.status === 'NoCoverage')
      survivors.push({
        file: name,
        fn: enclosing(lines, m.location.start.line - 1),
        line: m.location.start.line,
        status: m.status,
        mutator: m.mutatorName,
        replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 60),
      });
  }
  for (const k of Object.keys(totals)) totals[k] += c[k];
  rows.push([name, c]);
}

const score = (c) => {
  const valid = c.all - c.ignored - c.errors;
  return valid === 0 ? 'n/a' : `${((100 * (c.killed + c.timeout)) / valid).toFixed(1)} %`;
};
console.log('| file | mutants | killed | timed out | survived | no coverage | ignored | score |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, c] of [...rows, ['all', totals]])
  console.log(
    `| ${name} | ${c.all} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${c.ignored} | ${score(c)} |`,
  );

const groups = new Map();
for (const s of survivors) {
  const key = `${s.file} ${s.fn}`;
  groups.set(key, [...(groups.get(key) ?? []), s]);
}
console.log('\nSurvivors by function, largest groups first:');
for (const [key, ss] of [...groups].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))) {
  console.log(`${String(ss.length).padStart(4)}  ${key}`);
  if (list)
    for (const s of ss)
      console.log(
        `        ${s.line}: ${s.mutator}${s.status === 'NoCoverage' ? ' (no coverage)' : ''} → ${s.replacement}`,
      );
}
