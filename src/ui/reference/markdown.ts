/**
 * The subset of Markdown that docs/rules.md and docs/language.md use, parsed into plain data
 * (headings, paragraphs, nested lists, fenced code, pipe tables; code spans, **strong**, *em*,
 * links). Markdown.tsx turns it into React elements: the text is never handed to the DOM as
 * HTML, so `<img onerror=…>` in a document is shown as the characters it is.
 */

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'strong'; children: Inline[] }
  | { t: 'em'; children: Inline[] }
  | { t: 'link'; href: string; children: Inline[] };

export interface ListItem {
  /** The item's step number (`1`) or lettered point (`a` of `- a. …`), for `R7.3 step 2` / `R5.6 d`. */
  point: string | null;
  blocks: Block[];
}

export type Block =
  | { t: 'heading'; level: number; id: string; children: Inline[] }
  | { t: 'para'; children: Inline[] }
  | { t: 'list'; ordered: boolean; start: number; items: ListItem[] }
  | { t: 'code'; lang: string; text: string }
  | { t: 'table'; head: Inline[][]; rows: Inline[][][] };

const FENCE = /^(\s*)```\s*([\w-]*)\s*$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])(\s+)(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

const indentOf = (line: string) => line.length - line.trimStart().length;
const blank = (line: string) => line.trim() === '';

function startsBlock(lines: string[], i: number): boolean {
  const l = lines[i];
  return (
    FENCE.test(l) ||
    HEADING.test(l) ||
    ITEM.test(l) ||
    (/^\s*\|/.test(l) && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]))
  );
}

/** The characters `\` may escape (as CommonMark: ASCII punctuation). */
const ESCAPABLE = /[!-/:-@[-`{-~]/;

/** Splits a table row at its unescaped pipes. */
function cells(row: string): string[] {
  let s = row.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const out: string[] = [];
  let cur = '';
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cur += c;
    } else if (c === '|' && !inCode) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Parses inline markup; anything that does not close is text. */
export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ t: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && ESCAPABLE.test(s[i + 1])) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 1;
      while (s[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const end = s.indexOf(fence, i + n);
      if (end >= 0) {
        flush();
        let code = s.slice(i + n, end);
        if (code.length > 1 && code.startsWith(' ') && code.endsWith(' ')) code = code.slice(1, -1);
        out.push({ t: 'code', text: code });
        i = end + n;
        continue;
      }
      text += fence;
      i += n;
      continue;
    }
    if (c === '*' && s[i + 1] === '*') {
      const end = s.indexOf('**', i + 2);
      if (end > i + 2) {
        flush();
        out.push({ t: 'strong', children: parseInline(s.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    } else if (c === '*' && s[i + 1] !== undefined && s[i + 1] !== ' ') {
      let end = i + 1;
      while ((end = s.indexOf('*', end)) >= 0 && (s[end - 1] === ' ' || s[end + 1] === '*')) end++;
      if (end > i + 1) {
        flush();
        out.push({ t: 'em', children: parseInline(s.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    } else if (c === '[') {
      const m = /^\[([^\]]*)\]\(([^)\s]*)\)/.exec(s.slice(i));
      if (m) {
        flush();
        out.push({ t: 'link', href: m[2], children: parseInline(m[1]) });
        i += m[0].length;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

/** The plain text of inlines (for heading anchors and search). */
export function plainText(inlines: readonly Inline[]): string {
  return inlines.map((n) => (n.t === 'text' || n.t === 'code' ? n.text : plainText(n.children))).join('');
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** Parses a document (or a list item's lines) into blocks; `ids` makes heading anchors unique. */
export function parseMarkdown(text: string, ids: Map<string, number> = new Map()): Block[] {
  return parseLines(
    text.split('\n').map((l) => l.replace(/\r$/, '').replace(/\t/g, '    ')),
    ids,
  );
}

function parseLines(lines: string[], ids: Map<string, number>): Block[] {
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const strip = fence[1].length;
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) {
        body.push(lines[i].slice(Math.min(strip, indentOf(lines[i]))));
        i++;
      }
      i++; // the closing fence (or the end)
      out.push({ t: 'code', lang: fence[2], text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const children = parseInline(heading[2]);
      let id = slug(plainText(children));
      const n = ids.get(id) ?? 0;
      ids.set(id, n + 1);
      if (n) id = `${id}-${n}`;
      out.push({ t: 'heading', level: heading[1].length, id, children });
      i++;
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1])) {
      const head = cells(line).map(parseInline);
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i])) {
        rows.push(cells(lines[i]).map(parseInline));
        i++;
      }
      out.push({ t: 'table', head, rows });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      i = parseList(lines, i, out, ids);
      continue;
    }
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !blank(lines[i]) && !startsBlock(lines, i)) {
      para.push(lines[i].trim());
      i++;
    }
    out.push({ t: 'para', children: parseInline(para.join(' ')) });
  }
  return out;
}

/** One list starting at `lines[i]` (items of one kind at one indent); returns the next line. */
function parseList(lines: string[], i: number, out: Block[], ids: Map<string, number>): number {
  const first = ITEM.exec(lines[i])!;
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items: ListItem[] = [];
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const contentAt = indent + m[2].length + m[3].length;
    const body = [m[4]];
    i++;
    while (i < lines.length) {
      const l = lines[i];
      if (blank(l)) {
        // A blank line continues the item only when indented content follows.
        let j = i + 1;
        while (j < lines.length && blank(lines[j])) j++;
        if (j < lines.length && indentOf(lines[j]) >= contentAt) {
          for (; i < j; i++) body.push('');
          continue;
        }
        break;
      }
      const ind = indentOf(l);
      if (ind >= contentAt) body.push(l.slice(contentAt));
      else if (ITEM.test(l) && ind <= indent) break;
      else if (ITEM.test(l))
        body.push(l.slice(ind)); // a nested list indented less than the text
      else if (startsBlock(lines, i)) break;
      else body.push(l.trim()); // a lazy continuation line
      i++;
    }
    const point = ordered ? String(Number.parseInt(m[2], 10)) : (/^([a-z])\.\s/.exec(m[4])?.[1] ?? null);
    items.push({ point, blocks: parseLines(body, ids) });
    // Items separated by one blank line stay one list.
    if (i < lines.length && blank(lines[i])) {
      let j = i;
      while (j < lines.length && blank(lines[j])) j++;
      const n = j < lines.length ? ITEM.exec(lines[j]) : null;
      if (n && n[1].length === indent && /\d/.test(n[2]) === ordered) i = j;
    }
  }
  out.push({ t: 'list', ordered, start: Number.parseInt(first[2], 10) || 1, items });
  return i;
}
