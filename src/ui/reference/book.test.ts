/** The reference panel's data: the rule book and language reference, as the panel reads them. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBook, buildLanguage, matches } from './book.ts';
import { plainText } from './markdown.ts';

// The texts documents.ts fetches in the app.
const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');
const BOOK = buildBook(doc('rules.md'));
const LANGUAGE = buildLanguage(doc('language.md'));

describe('the rule book', () => {
  it('has every entry with its group, kernel line and body, in book order', () => {
    expect(BOOK.entries.length).toBeGreaterThan(50);
    const r55 = BOOK.byId.get('R5.5')!;
    expect(r55.group).toBe("R5 KVM's in-kernel IOAPIC");
    expect(plainText(r55.kernel)).toContain('ioapic_write_indirect()');
    expect(r55.blocks.length).toBeGreaterThan(2);
    expect(BOOK.intro.length).toBeGreaterThan(2);
    expect(BOOK.entries.every((e) => plainText(e.kernel).length > 0)).toBe(true);
  });

  it('links related rules both ways: whatever an entry cites lists it as "cited by"', () => {
    for (const e of BOOK.entries)
      for (const id of e.cites)
        expect(BOOK.byId.get(id)!.citedBy, `${e.rule.id} → ${id}`).toContain(e.rule.id);
    expect(BOOK.entries.some((e) => e.cites.length > 0)).toBe(true);
  });

  it('marks [proposal] and [unverified] entries (R10 is a proposal; R8.6 is unverified)', () => {
    expect(BOOK.byId.get('R10.1')!.proposal).toBe(true);
    expect(BOOK.byId.get('R8.6')!.unverified).toBe(true);
    expect(BOOK.byId.get('R2.2')!.unverified).toBe(false);
    expect(BOOK.byId.get('R2.2')!.proposal).toBe(false);
  });

  it('builds from a small book: groups, the introduction, cites and cited-by', () => {
    const k = 'Kernel: lapic.c f() (Linux 6.18)';
    const b = buildBook(
      `# Book\nintro text\n\n# R1 One\n\n## R2.1 A\n${k}\nsee R2.2\n\n# R2 Two\n\n## R2.2 B\n${k}\nplain\n`,
    );
    expect(b.entries.map((e) => [e.rule.id, e.group, e.cites, e.citedBy])).toEqual([
      ['R2.1', 'R1 One', ['R2.2'], []],
      ['R2.2', 'R2 Two', [], ['R2.1']],
    ]);
    expect(b.intro).toEqual([{ t: 'para', children: [{ t: 'text', text: 'intro text' }] }]);
  });
});

describe('the language reference', () => {
  it('is cut into its sections, each statement of the index a section under its heading', () => {
    const route = LANGUAGE.find((s) => s.id === 'route')!;
    expect(route.level).toBe(3);
    expect(route.parent).toBe('actions');
    expect(LANGUAGE.find((s) => s.id === 'seoib')!.parent).toBe('vcpu-operations');
    expect(LANGUAGE[0].level).toBe(1);
    expect(LANGUAGE.map((s) => s.id)).toEqual(
      expect.arrayContaining(['kvm', 'expectations', 'counters', 'lints']),
    );
  });

  it('keeps a `#` inside a code block out of the headings', () => {
    const s = buildLanguage('# Top\n\n## A\n\n```apic\n# a comment\n```\n\n### b\ntext');
    expect(s.map((x) => [x.id, x.level, x.parent])).toEqual([
      ['top', 1, null],
      ['a', 2, null],
      ['b', 3, 'a'],
    ]);
    expect(s[1].blocks).toEqual([{ t: 'code', lang: 'apic', text: '# a comment' }]);
  });

  it('searches every word, in any case', () => {
    const kvm = LANGUAGE.find((s) => s.id === 'kvm')!;
    expect(matches(kvm.search, 'STORM-limit')).toBe(true);
    expect(matches(kvm.search, 'storm-limit nosuchword')).toBe(false);
    expect(LANGUAGE.filter((s) => matches(s.search, 'storm-limit')).length).toBeLessThan(LANGUAGE.length / 2);
  });
});
