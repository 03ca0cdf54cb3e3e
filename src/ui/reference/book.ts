/**
 * The two documents the reference panel shows, as the panel reads them: the rule book
 * (docs/rules.md, through the same parser as its tests) and the language reference
 * (docs/language.md, cut into its sections). documents.ts loads the texts.
 */
import type { Rule } from '../../docs/rulebook.ts';
import { citationsIn, parseRuleBook } from '../../docs/rulebook.ts';
import type { Block, Inline } from './markdown.ts';
import { parseInline, parseMarkdown, plainText } from './markdown.ts';

export interface RuleEntry {
  rule: Rule;
  /** Its `# ` group heading: `R5 KVM's in-kernel IOAPIC`. */
  group: string;
  blocks: Block[];
  kernel: Inline[];
  /** Some of it is a reading of the sources, not a checked fact. */
  unverified: boolean;
  /** It describes posted patches, not merged code. */
  proposal: boolean;
  /** Other entries its text cites, in book order. */
  cites: string[];
  /** Entries whose text cites it, in book order. */
  citedBy: string[];
  /** Lower-case text for the search box. */
  search: string;
}

export interface Book {
  /** The book's introduction: baseline, notation, format. */
  intro: Block[];
  entries: RuleEntry[];
  byId: Map<string, RuleEntry>;
}

/** The `# ` lines outside code blocks, with their 1-based line numbers. */
function groupHeadings(lines: string[]): { line: number; title: string }[] {
  const out: { line: number; title: string }[] = [];
  let fence = false;
  lines.forEach((l, i) => {
    if (/^\s*```/.test(l)) fence = !fence;
    else if (!fence && /^#\s/.test(l)) out.push({ line: i + 1, title: l.slice(2).trim() });
  });
  return out;
}

export function buildBook(text: string): Book {
  const rules = parseRuleBook(text);
  const lines = text.split('\n');
  const groups = groupHeadings(lines);
  const firstGroup = groups.find((g) => rules.length && g.line < rules[0].line && g.line > 1);
  const intro = parseMarkdown(
    lines
      .slice(groups[0]?.line === 1 ? 1 : 0, (firstGroup?.line ?? rules[0]?.line ?? lines.length + 1) - 1)
      .join('\n'),
  );
  const ids = new Set(rules.map((r) => r.id));
  const entries: RuleEntry[] = rules.map((rule) => {
    const group = groups.filter((g) => g.line < rule.line).at(-1)?.title ?? '';
    const cited = new Set(citationsIn(`${rule.kernel}\n${rule.body}`).map((c) => c.id));
    const all = `${rule.title}\n${rule.kernel}\n${rule.body}`;
    return {
      rule,
      group,
      blocks: parseMarkdown(rule.body),
      kernel: parseInline(rule.kernel),
      unverified: all.includes('[unverified]'),
      proposal: all.includes('[proposal]') || group.includes('[proposal]'),
      cites: [...ids].filter((id) => id !== rule.id && cited.has(id)),
      citedBy: [],
      search: `${rule.id}\n${all}`.toLowerCase(),
    };
  });
  const byId = new Map(entries.map((e) => [e.rule.id, e]));
  for (const e of entries) for (const id of e.cites) byId.get(id)?.citedBy.push(e.rule.id);
  return { intro, entries, byId };
}

export interface Section {
  /** Its anchor, as GitHub makes it (`kvm`, `vcpu-operations`): the documents link to these. */
  id: string;
  title: Inline[];
  level: number;
  /** The `##` section a `###` one belongs to. */
  parent: string | null;
  blocks: Block[];
  search: string;
}

/** The language reference cut at its `#`, `##` and `###` headings (outside code blocks). */
export function buildLanguage(text: string): Section[] {
  const lines = text.split('\n');
  const out: Section[] = [];
  const ids = new Map<string, number>();
  let fence = false;
  let body: string[] = [];
  let head: { level: number; line: string } | null = null;
  let parent: string | null = null;
  const close = () => {
    if (head) {
      const [h] = parseMarkdown(head.line, ids) as Extract<Block, { t: 'heading' }>[];
      if (head.level === 2) parent = h.id;
      out.push({
        id: h.id,
        title: h.children,
        level: head.level,
        parent: head.level === 3 ? parent : null,
        blocks: parseMarkdown(body.join('\n'), ids),
        search: `${plainText(h.children)}\n${body.join('\n')}`.toLowerCase(),
      });
    }
    body = [];
  };
  for (const l of lines) {
    if (/^\s*```/.test(l)) fence = !fence;
    const m = fence ? null : /^(#{1,3})\s/.exec(l);
    if (m) {
      close();
      head = { level: m[1].length, line: l };
    } else body.push(l);
  }
  close();
  return out;
}

/** Entries and sections whose text has every word of `query`. */
export function matches(search: string, query: string): boolean {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => search.includes(w));
}
