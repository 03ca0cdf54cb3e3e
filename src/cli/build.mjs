/**
 * Builds the command line into one plain JavaScript file, dist/cli/apicscope.mjs (the package's
 * `bin`), so that it starts without compiling TypeScript. `npm install` / `npm ci` run this as
 * `prepare`; `npm run apicscope` (launch.mjs) runs it again when the file is missing or stale.
 * Next to the file it writes the list of files it was built from, for that staleness check.
 */
import { mkdirSync, realpathSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'dist', 'cli', 'apicscope.mjs');
/** JSON array of the bundle's inputs, relative to ROOT (this script included). */
export const INPUTS = join(ROOT, 'dist', 'cli', 'apicscope.inputs.json');

/** Writes through a temporary file and a rename, so a concurrent reader sees the old or the new file. */
function writeAtomic(path, data, mode, mtime) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  if (mtime) utimesSync(tmp, mtime, mtime);
  renameSync(tmp, path);
}

/** `fflate` imports resolve to fflate-lazy.ts, which loads fflate at first use (see there). */
const lazyFflate = {
  name: 'apicscope-lazy-fflate',
  setup(b) {
    b.onResolve({ filter: /^fflate$/ }, () => ({ path: join(ROOT, 'src', 'cli', 'fflate-lazy.ts') }));
  },
};

export async function buildCli() {
  const { build } = await import('esbuild');
  // Sources changed while esbuild reads them must count as newer than the result: the file gets
  // the build's start time as its modification time.
  const started = new Date();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/bin.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [lazyFflate],
    outfile: BIN,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  mkdirSync(dirname(BIN), { recursive: true });
  const inputs = [...Object.keys(result.metafile.inputs), relative(ROOT, fileURLToPath(import.meta.url))];
  writeAtomic(INPUTS, `${JSON.stringify(inputs)}\n`, 0o644);
  writeAtomic(BIN, result.outputFiles[0].contents, 0o755, started);
}

// Run as a script (`node src/cli/build.mjs`, the `prepare` step), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildCli();
  } catch (e) {
    console.error(`apicscope: cannot build ${relative(ROOT, BIN)}: ${e.message}`);
    // An install without devDependencies has no esbuild (nor tsx): not a reason to fail it.
    if (!(e.code === 'ERR_MODULE_NOT_FOUND' && /'esbuild'/.test(e.message))) process.exitCode = 1;
  }
}
