/**
 * The reference panel's Markdown subset and its renderer: what docs/rules.md and
 * docs/language.md use parses to the right blocks, and text is never markup (no HTML injection).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './Markdown.tsx';
import type { Block } from './markdown.ts';
import { parseInline, parseMarkdown, plainText, slug } from './markdown.ts';

const html = (text: string, point: string | null = null) =>
  renderToStaticMarkup(createElement(Markdown, { blocks: parseMarkdown(text), point }));

describe('parseInline', () => {
  it('reads code spans, strong, emphasis and links, and leaves unclosed markup as text', () => {
    expect(parseInline('a `x | y` **b `c`** *d* [d](language.md#kvm) *e')).toEqual([
      { t: 'text', text: 'a ' },
      { t: 'code', text: 'x | y' },
      { t: 'text', text: ' ' },
      {
        t: 'strong',
        children: [
          { t: 'text', text: 'b ' },
          { t: 'code', text: 'c' },
        ],
      },
      { t: 'text', text: ' ' },
      { t: 'em', children: [{ t: 'text', text: 'd' }] },
      { t: 'text', text: ' ' },
      { t: 'link', href: 'language.md#kvm', children: [{ t: 'text', text: 'd' }] },
      { t: 'text', text: ' *e' },
    ]);
  });

  it('keeps `*` with spaces round it as text (2 * 3) and honours backslash escapes', () => {
    expect(plainText(parseInline('2 * 3 and \\*not em\\* and `a\\b`'))).toBe('2 * 3 and *not em* and a\\b');
    expect(parseInline('2 * 3')).toEqual([{ t: 'text', text: '2 * 3' }]);
  });
});

describe('parseMarkdown', () => {
  it('numbered steps and lettered points, nested, carry their point (R7.3 step 2, R5.6 d)', () => {
    const blocks = parseMarkdown(
      'What KVM does:\n\n1. Level 0: clear\n   and stop.\n2. Then:\n   - a. run the notifiers\n     always;\n   - b. clear remote IRR.\n3. Last.\n\nAfter.',
    );
    expect(blocks.map((b) => b.t)).toEqual(['para', 'list', 'para']);
    const list = blocks[1] as Extract<Block, { t: 'list' }>;
    expect(list.ordered).toBe(true);
    expect(list.items.map((i) => i.point)).toEqual(['1', '2', '3']);
    expect(plainText((list.items[0].blocks[0] as Extract<Block, { t: 'para' }>).children)).toBe(
      'Level 0: clear and stop.',
    );
    const nested = list.items[1].blocks[1] as Extract<Block, { t: 'list' }>;
    expect(nested.ordered).toBe(false);
    expect(nested.items.map((i) => i.point)).toEqual(['a', 'b']);
    expect(plainText((nested.items[0].blocks[0] as Extract<Block, { t: 'para' }>).children)).toBe(
      'a. run the notifiers always;',
    );
  });

  it('reads fenced code verbatim, headings with unique anchors, and pipe tables with \\|', () => {
    const blocks = parseMarkdown(
      '## apic-id, ldr, dfr\n\n```apic\nvcpus 1   # <b>\n## not a heading\n```\n\n## apic-id, ldr, dfr\n\n| statement | values |\n|---|---|\n| `apicv on\\|off` | a \\| b |\n',
    );
    expect(blocks[0]).toMatchObject({ t: 'heading', level: 2, id: 'apic-id-ldr-dfr' });
    expect(blocks[1]).toEqual({ t: 'code', lang: 'apic', text: 'vcpus 1   # <b>\n## not a heading' });
    expect(blocks[2]).toMatchObject({ t: 'heading', id: 'apic-id-ldr-dfr-1' });
    const table = blocks[3] as Extract<Block, { t: 'table' }>;
    expect(table.head.map(plainText)).toEqual(['statement', 'values']);
    expect(table.rows.map((r) => r.map(plainText))).toEqual([['apicv on|off', 'a | b']]);
  });

  it('makes the anchors GitHub makes (the docs link to them)', () => {
    expect(slug('vCPU operations')).toBe('vcpu-operations');
    expect(slug('sti, cli')).toBe('sti-cli');
    expect(slug('rdmsr eoi')).toBe('rdmsr-eoi');
  });

  it('parses both documents, and every link between them names a heading that exists', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const anchors = new Map<string, Set<string>>();
    const links: [string, string][] = [];
    for (const doc of ['rules.md', 'language.md']) {
      const blocks = parseMarkdown(readFileSync(join(root, 'docs', doc), 'utf8'));
      const ids = new Set<string>();
      const walk = (bs: readonly Block[]) => {
        for (const b of bs) {
          if (b.t === 'heading') ids.add(b.id);
          if (b.t === 'list') for (const it of b.items) walk(it.blocks);
          const inl =
            b.t === 'para' || b.t === 'heading' ? [b.children] : b.t === 'table' ? b.rows.flat() : [];
          for (const nodes of inl) for (const n of nodes) if (n.t === 'link') links.push([doc, n.href]);
        }
      };
      walk(blocks);
      anchors.set(doc, ids);
    }
    expect(links.length).toBeGreaterThan(20);
    const broken = links.filter(([doc, href]) => {
      const [file, anchor] = href.split('#');
      const target = anchors.get(file || doc);
      return !target || (anchor !== undefined && !target.has(anchor));
    });
    expect(broken).toEqual([]);
  });
});

describe('Markdown (the renderer)', () => {
  it('shows HTML in the text as text: no element, no attribute is made from it', () => {
    const out = html(
      'a <img src=x onerror="alert(1)"> b `<script>x</script>`\n\n| <b>c</b> |\n|---|\n| <iframe> |\n\n```\n<svg onload=alert(1)>\n```',
    );
    expect(out).not.toMatch(/<img|<script|<b>|<iframe|<svg/);
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(out).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(out).toContain('&lt;svg onload=alert(1)&gt;');
  });

  it('gives a javascript: link no href (only http(s) leaves the app)', () => {
    const out = html('[x](javascript:alert.call) [y](https://kernel.org/)');
    expect(out).not.toMatch(/ href="javascript/);
    expect(out).toContain('data-href="javascript:alert.call"');
    expect(out).toContain('href="https://kernel.org/"');
    expect(out).toContain('rel="noopener noreferrer"');
  });

  it('makes rule citations in the text links, and marks the cited point (R5.6 d)', () => {
    const out = html('See R5.6 d and R8.2–R8.4.\n\n- a. one\n- d. four', 'd');
    expect(out).toContain('data-cite="R5.6"');
    expect(out.match(/data-cite="R8\.\d"/g)).toEqual([
      'data-cite="R8.2"',
      'data-cite="R8.3"',
      'data-cite="R8.4"',
    ]);
    expect(out).toMatch(/<li data-point="d" aria-current="true"/);
    expect(out).toMatch(/<li data-point="a">/);
  });

  it('renders headings, ordered lists with their start, tables and code as elements', () => {
    const out = html(
      '## Title\n\n3. three\n4. four\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```apic\nvcpus 1\n```',
    );
    expect(out).toMatch(/<h2 id="ref-title"[^>]*>Title<\/h2>/);
    expect(out).toMatch(/<ol start="3"/);
    expect(out).toMatch(/<th scope="col"[^>]*>a<\/th>/);
    expect(out).toMatch(/<pre[^>]*data-lang="apic"[^>]*><code>vcpus 1<\/code><\/pre>/);
  });
});
