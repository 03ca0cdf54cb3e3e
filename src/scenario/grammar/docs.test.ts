/**
 * docs/language.md's tables of the KVM switches, the counters and the `--set` keys say what
 * the grammar declares (issue 11): a switch, value, default, counter or filter added to or
 * changed in the grammar fails here until the reference says it too, and the other way round.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ValueKind } from './index.ts';
import { COUNTERS, KVM_SWITCHES, SEOIB_ALIASES, SETTING_KEYS } from './index.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'language.md'), 'utf8');

/** The rows of the first table after `heading`, as cells (`\|` kept as `|`). */
function table(heading: string): string[][] {
  const at = doc.indexOf(heading);
  if (at < 0) throw new Error(`docs/language.md has no '${heading}'`);
  const lines = doc.slice(at).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|')),
    );
  }
  return rows;
}

const code = (w: string) => `\`${w}\``;

/** How the reference writes a kind's values. */
function valuesCell(k: ValueKind): string {
  if (k.kind === 'on-off') return [code('on'), code('off')].join(', ');
  if (k.kind === 'enum') {
    const words = k.values.map(code).join(', ');
    if (!k.aliases) return words;
    return `${words} (aliases ${[...k.aliases.keys()].map(code).join(', ')})`;
  }
  if (k.kind === 'number') return `${k.min}–${k.max}`;
  if (k.kind === 'machine') return '`pc-q35-10.1` or any pc-q35-X.Y, pc-i440fx-X.Y';
  throw new Error(`no table form for ${k.kind}`);
}

describe('docs/language.md tables agree with the grammar', () => {
  it('the kvm switches: key, values and default, in the grammar’s order', () => {
    const rows = table('### kvm');
    expect(rows.map((r) => r[0])).toEqual(KVM_SWITCHES.map((s) => code(s.key)));
    for (const [i, s] of KVM_SWITCHES.entries()) {
      const [, values, def] = rows[i];
      expect(values, s.key).toBe(valuesCell(s.values));
      expect(def, s.key).toBe(s.values.kind === 'number' ? s.default : code(s.default));
    }
    expect(SEOIB_ALIASES.size).toBe(2);
  });

  it('the counters: name and filters, in the grammar’s order', () => {
    const rows = table('## Counters');
    expect(rows.map((r) => r[0])).toEqual(COUNTERS.map((c) => code(c.name)));
    for (const [i, c] of COUNTERS.entries())
      expect(rows[i][1], c.name).toBe(c.filters.length ? c.filters.join(', ') : '—');
  });

  it('the --set keys: every key of the grammar, kvm.<key> standing for the switches', () => {
    const rows = table('`--set KEY=VALUE` (also');
    const keys = [
      ...new Set(
        SETTING_KEYS.map((s) =>
          s.key.startsWith('kvm.') ? 'kvm.<key>' : s.key === 'guest.all' ? 'guest.<cpu|all>' : s.key,
        ),
      ),
    ];
    expect(rows.map((r) => r[0])).toEqual(keys.map(code));
    for (const s of SETTING_KEYS) {
      if (s.key.startsWith('kvm.')) continue;
      const row = rows.find((r) => r[0] === code(s.key === 'guest.all' ? 'guest.<cpu|all>' : s.key))!;
      expect(row[1].replace(/ \(v1\.1\)$/, ''), s.key).toBe(valuesCell(s.values));
    }
  });
});
