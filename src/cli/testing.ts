/** Test helpers for the command line: scratch files, and `main` with its output captured. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';

/** A scratch folder `dir`; `file(name, data)` writes one file in it and returns its path. */
export function scratch(prefix: string): {
  dir: string;
  file: (name: string, data: string | Uint8Array) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
  };
}

/** Runs the command line in-process: exit status and the lines printed to stdout and stderr. */
export function cli(...argv: string[]): { status: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const status = main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { status, out, err };
}
