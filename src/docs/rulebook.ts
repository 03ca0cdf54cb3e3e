/**
 * The project's rule book (docs/rules.md) as data, and the rule citations in a text (`R5.6 d`,
 * `R7.3 step 2`, `R8.2–R8.6`, `§4`), for the in-app reference and for the test that keeps code
 * and book in step. Pure: no DOM, no Node; the app imports the markdown with Vite's `?raw`.
 *
 * Format of the book (strict; anything else is an error with its line):
 * - text before the first heading is a preamble; `# ` headings group entries and are skipped;
 * - each entry starts `## ID Title`, ID one of `R5.6` (a rule), `R6` (a spec section that has
 *   no numbered rules) or `§4` (a section of the scenario-language contract);
 * - the entry's first non-blank line is `Kernel: …` (the kernel/QEMU functions and version);
 * - the rest, up to the next heading, is the body; its sub-points are list items labelled
 *   `1.` (steps) or `a.` (lettered points), optionally behind a `- ` bullet;
 * - R entries come first in numeric order, then § entries in numeric order; no `###` headings.
 */

export interface Rule {
  /** `R5.6`, `R6` or `§4`. */
  id: string;
  title: string;
  /** The text after `Kernel: `. */
  kernel: string;
  /** Everything after the Kernel line, trimmed. */
  body: string;
  /** 1-based line of the `## ` heading. */
  line: number;
}

export class RuleBookError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`rules.md:${line}: ${message}`);
  }
}

const ID_RE = /^(?:R\d+(?:\.\d+)?|§\d+)$/;

/** Sort key: R sections before § sections, then numerically. */
function order(id: string): number[] {
  if (id.startsWith('§')) return [1, Number(id.slice(1)), 0];
  const [major, minor] = id.slice(1).split('.');
  return [0, Number(major), minor === undefined ? 0 : Number(minor)];
}

function before(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** Parses docs/rules.md text; throws RuleBookError at the first malformed line. */
export function parseRuleBook(text: string): Rule[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  let current: { rule: Rule; bodyLines: string[]; kernelSeen: boolean } | null = null;
  let inFence = false;
  let fenceLine = 0;

  const close = () => {
    if (!current) return;
    if (!current.kernelSeen)
      throw new RuleBookError(current.rule.line, `${current.rule.id} has no 'Kernel: …' line`);
    current.rule.body = current.bodyLines.join('\n').trim();
    rules.push(current.rule);
    current = null;
  };

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    if (/^\s*```/.test(raw)) {
      inFence = !inFence;
      fenceLine = lineNo;
    }
    if (!inFence && /^#{3,}\s/.test(raw))
      throw new RuleBookError(lineNo, 'only # (group) and ## (entry) headings are allowed');
    if (!inFence && /^#\s/.test(raw)) {
      close();
      return;
    }
    if (!inFence && /^##\s/.test(raw)) {
      close();
      const m = /^##\s+(\S+)(?:\s+(.*\S))?\s*$/.exec(raw);
      const id = m?.[1] ?? '';
      if (!ID_RE.test(id)) throw new RuleBookError(lineNo, `'${id}' is not a rule id: write R5.6, R6 or §4`);
      if (!m?.[2]) throw new RuleBookError(lineNo, `${id} has no title`);
      const dup = seen.get(id);
      if (dup !== undefined) throw new RuleBookError(lineNo, `${id} is already defined on line ${dup}`);
      const prev = rules.at(-1);
      if (prev && !before(order(prev.id), order(id)))
        throw new RuleBookError(
          lineNo,
          `${id} comes after ${prev.id}: keep R entries, then § entries, in order`,
        );
      seen.set(id, lineNo);
      current = {
        rule: { id, title: m[2], kernel: '', body: '', line: lineNo },
        bodyLines: [],
        kernelSeen: false,
      };
      return;
    }
    if (!current) return; // preamble or group text
    if (!current.kernelSeen) {
      if (raw.trim() === '') return;
      const k = /^Kernel:\s*(.*\S)\s*$/.exec(raw);
      if (!k) throw new RuleBookError(lineNo, `${current.rule.id}: the first line must be 'Kernel: …'`);
      current.rule.kernel = k[1];
      current.kernelSeen = true;
      return;
    }
    current.bodyLines.push(raw);
  });
  if (inFence) throw new RuleBookError(fenceLine, 'this ``` code block is not closed');
  close();
  return rules;
}

/** The sub-point labels of a body: `1`, `2`, … (steps) and `a`, `b`, … (lettered points). */
export function subPointsOf(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    const m = /^\s*(?:[-*]\s+)?(\d+|[a-z])\.\s/.exec(line);
    if (m && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

export interface Citation {
  /** `R5.6`, `R6` (a whole spec section) or `§4`. */
  id: string;
  /** A step (`2` for `step 2`) or lettered point (`d`), or null. */
  sub: string | null;
  /** Where the citation text starts in the string, and its length (a range: the whole range). */
  index: number;
  length: number;
}

// R5.6 | R5 | R8.2–R8.6 | R7–R10 | R4.2-4.5 (an en dash, or a hyphen without spaces), then
// ` step N` or a lone letter `d` followed by punctuation, the end of the line, or a space and
// punctuation, so that "R3.7 a vector" is no sub-point.
const R_RE =
  /(?<![\w.])R(\d+)(?:\.(\d+))?(?:(?:\s*–\s*|-)R?(\d+)(?:\.(\d+))?)?(?:\s+step\s+(\d+)|\s+([a-h])(?=[^\S\n]*(?:$|\n)|[^\w\s-]|\s+[^\w\s]))?/g;
const S_RE = /§\s?(\d+)(?:(?:\s*–\s*|-)§?\s?(\d+))?/g;

/** from…to; a backwards or huge "range" is not one: just its start. */
function range(from: number, to: number): number[] {
  if (to < from || to - from > 64) return [from];
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Every rule citation in `text`, in order. A range within one section (`R8.2–R8.6`, `R7–R10`,
 * `§1–§3`) stands for every rule in it; a range across sections (`R3.9–R4.2`) gives only its
 * two ends, as the rules between them are not known here.
 */
export function citationsIn(text: string): Citation[] {
  const out: Citation[] = [];
  for (const m of text.matchAll(R_RE)) {
    const [whole, major, minor, major2, minor2, step, letter] = m;
    const index = m.index ?? 0;
    const sub = step ?? letter ?? null;
    const ids: string[] = [];
    const a = Number(major);
    if (major2 === undefined) ids.push(minor === undefined ? `R${a}` : `R${a}.${minor}`);
    else if (minor === undefined && minor2 === undefined)
      for (const n of range(a, Number(major2))) ids.push(`R${n}`);
    else if (minor !== undefined && minor2 === undefined)
      // R4.2-4.5: the second number is the minor of the same section.
      for (const n of range(Number(minor), Number(major2))) ids.push(`R${a}.${n}`);
    else if (minor !== undefined && Number(major2) === a)
      for (const n of range(Number(minor), Number(minor2))) ids.push(`R${a}.${n}`);
    else {
      ids.push(minor === undefined ? `R${a}` : `R${a}.${minor}`);
      ids.push(`R${major2}.${minor2}`);
    }
    for (const id of ids) out.push({ id, sub: ids.length === 1 ? sub : null, index, length: whole.length });
  }
  for (const m of text.matchAll(S_RE)) {
    const index = m.index ?? 0;
    const a = Number(m[1]);
    const nums = m[2] === undefined ? [a] : range(a, Number(m[2]));
    for (const n of nums) out.push({ id: `§${n}`, sub: null, index, length: m[0].length });
  }
  return out.sort((x, y) => x.index - y.index);
}

/**
 * The entries a citation refers to: the entry with its id, or for a whole section without an
 * entry of its own (`R5`) every entry of that section. Empty when the book does not define it.
 */
export function lookupCitation(book: readonly Rule[], id: string): Rule[] {
  const exact = book.filter((r) => r.id === id);
  if (exact.length || id.includes('.') || id.startsWith('§')) return exact;
  return book.filter((r) => r.id.startsWith(`${id}.`));
}
