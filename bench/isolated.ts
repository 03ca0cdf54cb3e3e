/**
 * Runs a bench function in a fresh Node process (same TypeScript loader), so that what ran
 * before it in the bench (traced replays, other figures) does not shape how the JIT compiled the
 * code it measures: the figure is that code's own, and the same from run to run.
 *
 * With BENCH_BUNDLED=1 (`npm run bench -- --bundled`) the process runs the module bundled into
 * one file by esbuild instead, as the app (Vite) and the CLI ship the core: under tsx every import
 * of another module is a module-variable load, which makes the core 5–10% slower.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHILD = fileURLToPath(new URL('./isolated-child.ts', import.meta.url));

const bundles = new Map<string, string>();
let bundleDir: string | null = null;

/** The module bundled into one ESM file (built once per process). */
function bundled(module: string): string {
  let out = bundles.get(module);
  if (!out) {
    bundleDir ??= mkdtempSync(join(tmpdir(), 'apicscope-bench-'));
    out = join(bundleDir, `${bundles.size}.mjs`);
    // Required here, not imported: the bundles include this module, and never call this.
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    buildSync({
      entryPoints: [fileURLToPath(new URL(module, import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      logLevel: 'error',
    });
    bundles.set(module, out);
  }
  return out;
}

/** Calls export `name` of `module` (a path relative to bench/) with `args` in a new process. */
export function isolated<T>(module: string, name: string, ...args: unknown[]): T {
  // The loader flags tsx started this process with (not an --eval or the like).
  const loader: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i];
    if ((a === '--require' || a === '--import') && i + 1 < process.execArgv.length)
      loader.push(a, process.execArgv[++i]);
  }
  const argv =
    process.env.BENCH_BUNDLED === '1'
      ? [CHILD, pathToFileURL(bundled(module)).href, name, JSON.stringify(args)]
      : [CHILD, module, name, JSON.stringify(args)];
  const r = spawnSync(process.execPath, [...loader, ...argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench ${module} ${name} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as T;
}
