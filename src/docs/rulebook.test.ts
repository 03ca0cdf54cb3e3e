/**
 * The rule book (docs/rules.md) and the code cite the same rules: every citation in src/
 * resolves to an entry (and its step or lettered point exists), and every entry is cited.
 *
 * Scope: every .ts, .tsx and .apic file under src/, tests included (a test citing a rule is
 * what implements it as far as this check goes; presets and examples are shown to users), except
 * src/docs/, whose tests quote citations as fixtures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Citation } from './rulebook.ts';
import { citationsIn, lookupCitation, parseRuleBook, RuleBookError, subPointsOf } from './rulebook.ts';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const bookText = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');
const book = parseRuleBook(bookText);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== join(src, 'docs')) out.push(...sourceFiles(p));
    } else if (/\.(ts|tsx|apic)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

interface Located extends Citation {
  where: string;
}

function located(file: string, text: string): Located[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const lineOf = (index: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return citationsIn(text).map((c) => ({ ...c, where: `${file}:${lineOf(c.index)}` }));
}

/** Why a citation does not resolve, or null. */
function problem(c: Citation): string | null {
  const rules = lookupCitation(book, c.id);
  if (rules.length === 0) return `${c.id} is not in docs/rules.md`;
  if (c.sub && !rules.some((r) => subPointsOf(r.body).includes(c.sub!)))
    return `${c.id} has no ${/^\d+$/.test(c.sub) ? `step ${c.sub}` : `point ${c.sub}`}`;
  return null;
}

const files = sourceFiles(src);
const cited = files.flatMap((f) => located(relative(root, f), readFileSync(f, 'utf8')));

describe('docs/rules.md against the code', () => {
  it('scans a real code base (the scope above is not empty)', () => {
    expect(files.some((f) => f.endsWith(join('core', 'x86.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith('.apic'))).toBe(true);
    expect(cited.length).toBeGreaterThan(200);
  });

  it('defines every rule the code cites (R5.6, R5.6 d, R7.3 step 2, R8.2–R8.6, §4)', () => {
    const bad = cited.flatMap((c) => {
      const p = problem(c);
      return p ? [`${c.where}: ${p}`] : [];
    });
    expect(bad, `citations without an entry in docs/rules.md:\n${bad.join('\n')}`).toEqual([]);
  });

  it('defines no rule that nothing in src/ cites', () => {
    const ids = new Set(cited.map((c) => c.id));
    const unused = book.filter((r) => !ids.has(r.id)).map((r) => `docs/rules.md:${r.line}: ${r.id}`);
    expect(unused, `entries nothing in src/ cites:\n${unused.join('\n')}`).toEqual([]);
  });

  it('resolves the citations the docs themselves make', () => {
    const bad: string[] = [];
    for (const doc of ['rules.md', 'language.md']) {
      const text = readFileSync(join(root, 'docs', doc), 'utf8');
      for (const c of located(`docs/${doc}`, text)) {
        const p = problem(c);
        if (p) bad.push(`${c.where}: ${p}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('gives every entry a kernel line and both halves: what KVM/QEMU (or the contract) does, what apicscope does', () => {
    const bad = book.flatMap((r) => {
      const them = r.id.startsWith('§')
        ? 'What the contract says:'
        : /^What QEMU does/m.test(r.body)
          ? 'What QEMU does'
          : 'What KVM does';
      const out: string[] = [];
      if (!r.body.split('\n').some((l) => l.startsWith(them))) out.push(`${r.id}: no "${them}"`);
      if (!/^What apicscope does/m.test(r.body)) out.push(`${r.id}: no "What apicscope does"`);
      if (!r.id.startsWith('§') && !/Linux|QEMU|proposal/.test(r.kernel))
        out.push(`${r.id}: the Kernel line names no version`);
      return out;
    });
    expect(bad).toEqual([]);
  });
});

describe('parseRuleBook', () => {
  const entry = (id: string, body = 'What KVM does: x\n\nWhat apicscope does: y') =>
    `## ${id} A title\nKernel: lapic.c f() (Linux 6.18)\n${body}\n`;

  it('returns id, title, kernel line and body, skipping the preamble and group headings', () => {
    const rules = parseRuleBook(
      `# Book\npreamble R9.9\n\n# R5 group\n${entry('R5.6')}${entry('R6')}${entry('§4')}`,
    );
    expect(rules.map((r) => [r.id, r.title, r.kernel])).toEqual([
      ['R5.6', 'A title', 'lapic.c f() (Linux 6.18)'],
      ['R6', 'A title', 'lapic.c f() (Linux 6.18)'],
      ['§4', 'A title', 'lapic.c f() (Linux 6.18)'],
    ]);
    expect(rules[0].body).toBe('What KVM does: x\n\nWhat apicscope does: y');
    expect(rules[0].line).toBe(5);
  });

  it('ends a body at the next heading and keeps code blocks whole', () => {
    const [r] = parseRuleBook(`${entry('R1', 'text\n```\n## not a heading\n```')}# group\nafter`);
    expect(r.body).toBe('text\n```\n## not a heading\n```');
  });

  it.each([
    ['## R5 x\nno kernel line', 2, "the first line must be 'Kernel: …'"],
    ['## R5 x\n\n', 1, "R5 has no 'Kernel: …' line"],
    ['## R5.6\nKernel: k', 1, 'R5.6 has no title'],
    ['## 5.6 x\nKernel: k', 1, "'5.6' is not a rule id"],
    ['## R5.6d x\nKernel: k', 1, "'R5.6d' is not a rule id"],
    [`${entry('R5.6')}${entry('R5.6')}`, 6, 'R5.6 is already defined on line 1'],
    [`${entry('R5.10')}${entry('R5.9')}`, 6, 'R5.9 comes after R5.10'],
    [`${entry('§1')}${entry('R2.1')}`, 6, 'R2.1 comes after §1'],
    ['### R5 x', 1, 'only # (group) and ## (entry) headings'],
    [`${entry('R1')}\`\`\`\nopen`, 6, 'not closed'],
  ])('rejects %j at line %i', (text, line, message) => {
    let err: unknown;
    try {
      parseRuleBook(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RuleBookError);
    expect((err as RuleBookError).line).toBe(line);
    expect((err as RuleBookError).message).toContain(message);
  });

  it('orders numerically, not as text (R5.9 before R5.10, R9 before R10)', () => {
    const ids = parseRuleBook(`${entry('R5.9')}${entry('R5.10')}${entry('R9.1')}${entry('R10.1')}`).map(
      (r) => r.id,
    );
    expect(ids).toEqual(['R5.9', 'R5.10', 'R9.1', 'R10.1']);
  });
});

describe('subPointsOf', () => {
  it('finds numbered steps and lettered points, bulleted or not', () => {
    expect(subPointsOf('What KVM does:\n1. one\n2. two\n   - a. x\n   - b. y\n* c. z\nd.no space')).toEqual([
      '1',
      '2',
      'a',
      'b',
      'c',
    ]);
  });
});

describe('citationsIn', () => {
  const ids = (t: string) => citationsIn(t).map((c) => (c.sub ? `${c.id} ${c.sub}` : c.id));

  it.each([
    ['R5.6: EOI', ['R5.6']],
    ['(R5.6 d, see R10.4 b; R10.4 a (check off))', ['R5.6 d', 'R10.4 b', 'R10.4 a']],
    ['R7.3 step 2 and R5.5 step 6', ['R7.3 2', 'R5.5 6']],
    ['hint="R8.2–R8.6"', ['R8.2', 'R8.3', 'R8.4', 'R8.5', 'R8.6']],
    ['R4.2-4.5', ['R4.2', 'R4.3', 'R4.4', 'R4.5']],
    ['(R7–R10)', ['R7', 'R8', 'R9', 'R10']],
    ['R3.9–R4.2', ['R3.9', 'R4.2']],
    ['contract §1–§3, §7 and scenario-language.md §8', ['§1', '§2', '§3', '§7', '§8']],
    ['R6 / R7.8: QEMU', ['R6', 'R7.8']],
    ['R5.6 d\nnext line', ['R5.6 d']],
  ])('%j', (text, want) => {
    expect(ids(text)).toEqual(want);
  });

  it.each([['CR8, IRR3, KVM_R5 and 1.R2'], ['version 0x11 and ESR bit 6']])('finds nothing in %j', (text) => {
    expect(citationsIn(text)).toEqual([]);
  });

  it('does not take the next word for a lettered point', () => {
    expect(ids('(R3.7) a message, R3.7 a vector, R4.7 - 3 candidates')).toEqual(['R3.7', 'R3.7', 'R4.7']);
  });

  it('says where each citation stands, a range once for all its rules', () => {
    const text = 'see R8.2–R8.4 and R5.6 d.';
    const cs = citationsIn(text);
    expect(cs.map((c) => text.slice(c.index, c.index + c.length))).toEqual([
      'R8.2–R8.4',
      'R8.2–R8.4',
      'R8.2–R8.4',
      'R5.6 d',
    ]);
  });
});

describe('lookupCitation', () => {
  it('finds an entry by id, and a whole section by its entries', () => {
    expect(lookupCitation(book, 'R5.6').map((r) => r.id)).toEqual(['R5.6']);
    expect(lookupCitation(book, 'R6').map((r) => r.id)).toEqual(['R6']);
    expect(lookupCitation(book, 'R9').map((r) => r.id)).toEqual(['R9.1', 'R9.2', 'R9.3', 'R9.4', 'R9.5']);
    expect(lookupCitation(book, '§4').map((r) => r.id)).toEqual(['§4']);
    expect(lookupCitation(book, 'R5.99')).toEqual([]);
    expect(lookupCitation(book, 'R99')).toEqual([]);
    expect(lookupCitation(book, '§99')).toEqual([]);
  });
});
