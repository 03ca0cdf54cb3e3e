/**
 * Runs a bench function in a fresh Node process (same TypeScript loader), so that what ran
 * before it in the bench (traced replays, other figures) does not shape how the JIT compiled the
 * code it measures: the figure is that code's own, and the same from run to run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./isolated-child.ts', import.meta.url));

/** Calls export `name` of `module` (a path relative to bench/) with `args` in a new process. */
export function isolated<T>(module: string, name: string, ...args: unknown[]): T {
  // The loader flags tsx started this process with (not an --eval or the like).
  const loader: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i];
    if ((a === '--require' || a === '--import') && i + 1 < process.execArgv.length)
      loader.push(a, process.execArgv[++i]);
  }
  const r = spawnSync(process.execPath, [...loader, CHILD, module, name, JSON.stringify(args)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench ${module} ${name} failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as T;
}
