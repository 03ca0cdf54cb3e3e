/**
 * The dependency rules (.dependency-cruiser.cjs, run by `npm run deps`) are not vacuous: on a
 * copy of src with one forbidden import added, each kind of violation is reported.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkDependencies } from '../e2e/deps.mjs';
import { MUTATING } from './replay/testing.ts';

const copies: string[] = [];
afterAll(() => {
  for (const d of copies) rmSync(d, { recursive: true, force: true });
});

/** Runs the check on a copy of src where `file` starts with `line`; returns its output. */
async function violation(file: string, line: string): Promise<{ status: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'apicscope-deps-test-'));
  copies.push(dir);
  cpSync(import.meta.dirname, join(dir, 'src'), { recursive: true });
  const p = join(dir, 'src', file);
  writeFileSync(p, `${line}\n${readFileSync(p, 'utf8')}`);
  const out: string[] = [];
  const status = await checkDependencies({ srcDir: join(dir, 'src'), log: (s: string) => out.push(s) });
  return { status, out: out.join('\n') };
}

describe.skipIf(MUTATING)('dependency rules', () => {
  it('pass on src as it is', async () => {
    const out: string[] = [];
    expect(await checkDependencies({ log: (s: string) => out.push(s) })).toBe(0);
    expect(out.join('\n')).toMatch(/no dependency violations/);
  });

  it.each([
    ['ui/Cards.tsx', "import { Machine } from '../core/machine.ts';\nvoid Machine;", 'ui-runtime-imports'],
    // A chunk loaded on first use is a run-time dependency too (the reference panel is one).
    ['ui/Cards.tsx', "void import('../core/machine.ts');", 'ui-runtime-imports'],
    [
      'store/viz.ts',
      "import { parseScenario } from '../scenario/parse.ts';\nvoid parseScenario;",
      'main-thread-stays-on-the-main-thread',
    ],
    [
      'core/lapic.ts',
      "import type { Scenario } from '../scenario/ast.ts';\nexport type S = Scenario;",
      'core-imports-only-core',
    ],
    [
      'share/figure.ts',
      "import type { Frame } from '../worker/protocol.ts';\nexport type F = Frame;",
      'share-not-upwards',
    ],
    [
      'scenario/grammar/values.ts',
      "import { parseScenario } from '../parse.ts';\nvoid parseScenario;",
      'grammar-imports-only-grammar',
    ],
    ['core/hex.ts', "import type { Bitmap } from './bitmap.ts';\nexport type B = Bitmap;", 'no-circular'],
    [
      'worker/session.ts',
      "import { mustParse } from '../replay/testing.ts';\nvoid mustParse;",
      'test-support-only-in-tests',
    ],
  ])(
    'report an import into %s (%s)',
    async (file, line, rule) => {
      const r = await violation(file, line);
      expect(r.status).toBe(1);
      expect(r.out).toContain(`error ${rule}`);
      expect(r.out).toContain(`src/${file}`);
    },
    60_000,
  );
});
