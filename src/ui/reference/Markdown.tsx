/**
 * Renders markdown.ts's blocks as React elements (text always as text: nothing here sets HTML).
 * Rule citations in the text become links to the rule; links between the documents call
 * `onLink`; only http(s) links leave the app.
 */
import type { ReactNode } from 'react';
import { Cited, LINK } from './Cited.tsx';
import type { Block, Inline } from './markdown.ts';

export interface MarkdownProps {
  blocks: readonly Block[];
  /** A link to `language.md#kvm`, `#kvm` or `rules.md`. */
  onLink?: (href: string) => void;
  /** The list item of this step or lettered point is marked (`R5.6 d`). */
  point?: string | null;
  /** Heading levels shift by this much (a section's `###` shown under the panel's own heading). */
  headingShift?: number;
}

const EXTERNAL = /^https?:\/\//i;

function inlines(nodes: readonly Inline[], p: MarkdownProps): ReactNode[] {
  return nodes.map((n, i) => inline(n, i, p));
}

function inline(n: Inline, i: number, p: MarkdownProps): ReactNode {
  switch (n.t) {
    case 'text':
      return <Cited key={i} text={n.text} />;
    case 'code':
      return (
        <code key={i} className="rounded bg-slate-100 px-1 font-mono text-[0.92em] dark:bg-slate-800">
          {n.text}
        </code>
      );
    case 'strong':
      return <strong key={i}>{inlines(n.children, p)}</strong>;
    case 'em':
      return <em key={i}>{inlines(n.children, p)}</em>;
    case 'link':
      if (EXTERNAL.test(n.href))
        return (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer" className={LINK}>
            {inlines(n.children, p)}
          </a>
        );
      return (
        <button
          key={i}
          type="button"
          className={`${LINK} inline border-0 bg-transparent p-0`}
          data-href={n.href}
          onClick={() => p.onLink?.(n.href)}
        >
          {inlines(n.children, p)}
        </button>
      );
  }
}

const HEADING_CLASS = [
  'text-lg font-bold',
  'text-base font-bold',
  'text-sm font-semibold',
  'text-sm font-semibold',
  'text-xs font-semibold',
  'text-xs font-semibold',
];

function blocks(list: readonly Block[], p: MarkdownProps, tight = false): ReactNode[] {
  return list.map((b, i) => block(b, i, p, tight));
}

function block(b: Block, i: number, p: MarkdownProps, tight: boolean): ReactNode {
  switch (b.t) {
    case 'heading': {
      const level = Math.min(6, b.level + (p.headingShift ?? 0));
      const H = `h${level}` as 'h2';
      return (
        <H key={i} id={`ref-${b.id}`} className={`mb-1 mt-3 ${HEADING_CLASS[level - 1]}`}>
          {inlines(b.children, p)}
        </H>
      );
    }
    case 'para':
      return (
        <p key={i} className={tight ? 'm-0' : 'mb-2 mt-0'}>
          {inlines(b.children, p)}
        </p>
      );
    case 'code':
      return (
        <pre
          key={i}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a wide example scrolls sideways by the keyboard too
          tabIndex={0}
          className="mb-2 mt-0 overflow-x-auto rounded border border-slate-200 focus-visible:outline-2 focus-visible:outline-sky-500 bg-slate-50 p-2 font-mono text-xs leading-snug dark:border-slate-700 dark:bg-slate-950"
          data-lang={b.lang || undefined}
        >
          <code>{b.text}</code>
        </pre>
      );
    case 'table':
      return (
        <div
          key={i}
          className="mb-2 overflow-x-auto focus-visible:outline-2 focus-visible:outline-sky-500"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a wide table scrolls sideways by the keyboard too
          tabIndex={0}
        >
          <table className="w-full border-collapse text-xs [&_td:first-child_code]:whitespace-nowrap">
            <thead>
              <tr>
                {b.head.map((c, k) => (
                  <th
                    key={k}
                    scope="col"
                    className="border-b border-slate-300 px-1.5 py-0.5 text-left font-semibold dark:border-slate-600"
                  >
                    {inlines(c, p)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, k) => (
                <tr key={k} className="align-top">
                  {r.map((c, m) => (
                    <td key={m} className="border-b border-slate-100 px-1.5 py-0.5 dark:border-slate-800">
                      {inlines(c, p)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'list': {
      const L = b.ordered ? 'ol' : 'ul';
      // An item whose only content is one paragraph is shown without paragraph spacing.
      return (
        <L
          key={i}
          start={b.ordered && b.start !== 1 ? b.start : undefined}
          className={`mb-2 mt-0 space-y-0.5 pl-5 ${b.ordered ? 'list-decimal' : 'list-disc'}`}
        >
          {b.items.map((it, k) => {
            const marked = p.point != null && it.point === p.point;
            return (
              <li
                key={k}
                data-point={it.point ?? undefined}
                aria-current={marked ? 'true' : undefined}
                className={
                  marked ? 'rounded bg-amber-100 ring-2 ring-amber-400 dark:bg-amber-900/50' : undefined
                }
              >
                {blocks(it.blocks, p, it.blocks.length === 1 || it.blocks[0]?.t === 'para')}
              </li>
            );
          })}
        </L>
      );
    }
  }
}

export function Markdown(props: MarkdownProps) {
  return <>{blocks(props.blocks, props)}</>;
}
