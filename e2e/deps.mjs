/**
 * `npm run deps`: checks the one-way dependency rules of .dependency-cruiser.cjs with
 * dependency-cruiser; exits 1 on any violation.
 *
 * dependency-cruiser reads TypeScript through the TypeScript compiler API of versions before 7,
 * which the project's TypeScript 7 (native) no longer has, so it gets a JavaScript copy of src
 * made with esbuild: `src/x/y.ts` becomes `src/x/y.ts.js`, and each type-only import or export
 * (`import type … from 'm'`) becomes `import('m')`, a dynamic import, which the rules read as
 * "type-only". A real dynamic import of a local module (`import('./x.tsx')`, a chunk loaded on
 * first use) is a run-time dependency like any other: the copy imports it statically, so the two
 * cannot be confused and a lazy chunk obeys the same layers. Imports of the form `import { type A } from 'm'` stay imports: compiled
 * with verbatimModuleSyntax they still load `m` at run time.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { transform } from 'esbuild';

const root = join(import.meta.dirname, '..');
const TEST = /\.test\.tsx?$/;
/** `import type {…} from 'm'`, `import type X from 'm'`, `export type {…} from 'm'`. */
const TYPE_ONLY = /^(?:import|export)\s+type\s+(?:\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+(['"][^'"]+['"]);?/gm;
const DYNAMIC_LOCAL = /\bimport\s*\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g;

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

/** The JavaScript copy of one module, with type-only imports as dynamic ones. */
export async function toJs(file, source) {
  // A lazily loaded local module: a static import in the copy (run time, not type-only).
  const lazy = [];
  if (!TEST.test(file))
    source = source.replace(DYNAMIC_LOCAL, (_, q, spec) => {
      lazy.push(`import * as __lazy${lazy.length} from ${q}${spec}${q};`);
      return `Promise.resolve(__lazy${lazy.length - 1})`;
    });
  const marked = [...lazy, source.replace(TYPE_ONLY, 'import($1);')].join('\n');
  const { code } = await transform(marked, {
    loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'esm',
    jsx: 'automatic',
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  });
  // A module imported at run time too needs no type-only mark (dependency-cruiser would merge
  // the two into one dependency, and the mark would hide the run-time import).
  const runtime = new Set([...code.matchAll(/(?:from|^import)\s+"([^"]+)";/gm)].map((m) => m[1]));
  const kept = code.replace(/^import\("([^"]+)"\);\n/gm, (line, spec) => (runtime.has(spec) ? '' : line));
  // Relative specifiers follow the renamed files; `?raw` asset imports name the file itself.
  return kept.replace(/(['"])(\.{1,2}\/[^'"]+?)(\?raw)?\1/g, (_, q, spec) =>
    /\.tsx?$/.test(spec) ? `${q}${spec}.js${q}` : `${q}${spec}${q}`,
  );
}

/** Copies src as JavaScript into a temporary folder and cruises it; returns the exit status. */
export async function checkDependencies({ srcDir = join(root, 'src'), log = console.log } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'apicscope-deps-'));
  try {
    for (const file of files(srcDir)) {
      const rel = join('src', relative(srcDir, file));
      const out = join(tmp, /\.tsx?$/.test(file) ? `${rel}.js` : rel);
      mkdirSync(dirname(out), { recursive: true });
      const text = readFileSync(file, 'utf8');
      writeFileSync(out, /\.tsx?$/.test(file) ? await toJs(rel, text) : text);
    }
    symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'));
    const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));
    const cwd = process.cwd();
    process.chdir(tmp);
    let result;
    try {
      result = await cruise(['src'], {
        ...config.options,
        ruleSet: { forbidden: config.forbidden },
        validate: true,
        outputType: 'err-long',
      });
    } finally {
      process.chdir(cwd);
    }
    const output = String(result.output).replace(/(\.tsx?)\.js\b/g, '$1');
    log(output.trim() || 'deps: no dependency violations.');
    return result.exitCode === 0 ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) process.exitCode = await checkDependencies();
