/**
 * The UI writes no scenario syntax by hand (issue 11): it builds typed actions and the
 * grammar's printer writes them (src/ui/act.ts). A template string that starts with a
 * statement keyword and a value, or builds `key=${…}`, would break silently on a syntax change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, CONFIG_STATEMENT_NAMES, CPU_OP_NAMES } from '../scenario/grammar/index.ts';

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) yield p;
  }
}

// `guest ${label}` names a register in a heading; `guest N profile=${…}` is caught by KEY_VALUE.
const words = [...ACTION_NAMES, ...CONFIG_STATEMENT_NAMES, ...CPU_OP_NAMES]
  .filter((w) => w !== 'guest')
  .join('|');
/** `msi ${…}`, `cpu ${c} …`, `route ${p} vector=${…}`: a statement built from a value. */
const STATEMENT = new RegExp(`\`(${words}) \\$\\{`);
/** `vector=${…}` inside a template: a key=value argument built by hand. */
const KEY_VALUE = /`[^`]*\b[a-z][a-z0-9-]*=\$\{/;

describe('the UI builds typed actions, not syntax', () => {
  const files = [...sources(import.meta.dirname)];

  it('reads the UI’s sources', () => {
    expect(files.some((f) => f.endsWith('DevicesPanel.tsx'))).toBe(true);
  });

  it('has no statement or key=value template strings and no act([…]) with text', () => {
    const found: string[] = [];
    for (const f of files) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (STATEMENT.test(line) || KEY_VALUE.test(line) || /\bact\(\[/.test(line))
            found.push(`${f.slice(import.meta.dirname.length + 1)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('would catch the strings the UI once built', () => {
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: source text as the check reads it
    expect(STATEMENT.test('act([`cpu ${c} ${op}`])')).toBe(true);
    expect(KEY_VALUE.test('`msi dest=${msi.dest} vector=${msi.vector}`')).toBe(true);
    expect(STATEMENT.test('label={`guest profile, vCPU ${i}`}')).toBe(false);
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: source text as the check reads it
  });
});
