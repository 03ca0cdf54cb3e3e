/**
 * `npm run apicscope -- …`: runs the built command line, dist/cli/apicscope.mjs, in this process.
 * When that file is missing, or older than any file it was built from (an edit, a checkout, an
 * install with --ignore-scripts), it is rebuilt first (build.mjs: esbuild, a fraction of a
 * second). The check costs one small read and a stat per input, about a millisecond.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'dist', 'cli', 'apicscope.mjs');

function fresh() {
  try {
    const built = statSync(bin).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'apicscope.inputs.json'), 'utf8'));
    return inputs.every((f) => statSync(join(root, f)).mtimeMs <= built);
  } catch {
    return false; // the file, its list or one of its inputs is missing: build
  }
}

if (!fresh()) {
  const { buildCli } = await import('./build.mjs');
  try {
    await buildCli();
  } catch (e) {
    process.stderr.write(`apicscope: cannot build dist/cli/apicscope.mjs: ${e.message}\n`);
    process.exit(2);
  }
}
// The built file takes its arguments from process.argv.slice(2), as when it runs by itself.
await import(pathToFileURL(bin).href);
