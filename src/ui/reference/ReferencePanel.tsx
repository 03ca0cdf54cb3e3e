/**
 * The reference panel's content, loaded on first use (its own chunk; documents.ts loads the
 * texts): the rule book (an entry with the kernel/QEMU function it follows, its [unverified] and [proposal]
 * marks, the rules it cites and that cite it, its neighbours) and the language reference (the
 * statement index, a search box, a section). ReferenceHost.tsx is the dialog around it.
 */
import type { KeyboardEvent, ReactNode, Ref } from 'react';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { lookupCitation } from '../../docs/rulebook.ts';
import type { RuleEntry, Section } from './book.ts';
import { matches } from './book.ts';
import { LINK } from './Cited.tsx';
import { citeLabel } from './cite.ts';
import { BOOK, LANGUAGE } from './documents.ts';
import { Markdown } from './Markdown.tsx';
import { plainText } from './markdown.ts';
import type { RefTarget } from './state.ts';
import { referenceStore } from './state.ts';

const go = (t: RefTarget) => referenceStore.getState().go(t);

/** A link between documents: `language.md#kvm`, `#kvm` (within the language reference), `rules.md`. */
function follow(href: string, from: 'rules' | 'language') {
  const [file, anchor] = href.split('#');
  const doc = file === 'rules.md' ? 'rules' : file === 'language.md' ? 'language' : file === '' ? from : null;
  if (doc === 'rules') go({ tab: 'rules' });
  else if (doc === 'language')
    go({ tab: 'language', section: LANGUAGE.some((s) => s.id === anchor) ? anchor : undefined });
}

const INPUT =
  'w-full rounded border border-slate-300 bg-white px-1.5 py-0.5 text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-950 dark:text-slate-100';

function indexItem(current: boolean) {
  return `block w-full rounded px-1.5 py-0.5 text-left text-xs focus-visible:outline-2 focus-visible:outline-sky-500 ${current ? 'bg-sky-100 font-semibold text-sky-950 dark:bg-sky-900 dark:text-sky-50' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`;
}

/** The index column: a search box over a scrolling list. */
function Index({
  label,
  query,
  setQuery,
  placeholder,
  children,
  count,
}: {
  label: string;
  query: string;
  setQuery: (q: string) => void;
  placeholder: string;
  children: ReactNode;
  count: number;
}) {
  const status = useId();
  const list = useId();
  const ref = useRef<HTMLDivElement>(null);
  // On a phone the index folds away under the search box (searching shows it).
  const [unfolded, setUnfolded] = useState(false);
  // The current entry stays in sight in the index.
  useEffect(() => {
    ref.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest' });
  });
  return (
    <nav
      aria-label={label}
      className="flex min-h-0 flex-col gap-1 border-b border-slate-200 p-2 md:border-r md:border-b-0 dark:border-slate-700"
    >
      <input
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        placeholder={placeholder}
        aria-label={`Search the ${label.toLowerCase()}`}
        aria-describedby={status}
        className={INPUT}
      />
      <div className="flex items-center justify-between gap-2">
        <p id={status} className="m-0 text-[11px] text-slate-500 dark:text-slate-400" aria-live="polite">
          {query ? `${count} match${count === 1 ? '' : 'es'}` : `${count} entries`}
        </p>
        <button
          type="button"
          aria-expanded={unfolded || !!query}
          aria-controls={list}
          onClick={() => setUnfolded(!unfolded)}
          className={`${LINK} border-0 bg-transparent p-0 text-[11px] md:hidden`}
        >
          {unfolded || query ? 'Hide the index' : 'Show the index'}
        </button>
      </div>
      {/* Choosing an entry folds the index again on a phone, uncovering the page. */}
      <div
        ref={ref}
        id={list}
        onClickCapture={() => setUnfolded(false)}
        className={`max-h-48 min-h-0 overflow-y-auto md:block md:max-h-none md:flex-1 ${unfolded || query ? '' : 'hidden'}`}
      >
        {children}
      </div>
    </nav>
  );
}

function Badges({ e }: { e: RuleEntry }) {
  if (!e.proposal && !e.unverified) return null;
  return (
    <p className="m-0 mb-2 flex flex-wrap gap-1.5 text-[11px]">
      {e.proposal && (
        <span className="rounded border border-violet-400 bg-violet-50 px-1.5 text-violet-900 dark:border-violet-500 dark:bg-violet-950 dark:text-violet-100">
          [proposal] posted patches, not merged code
        </span>
      )}
      {e.unverified && (
        <span
          className="rounded border border-amber-500 bg-amber-50 px-1.5 text-amber-950 dark:border-amber-500 dark:bg-amber-950 dark:text-amber-100"
          data-testid="ref-unverified"
        >
          [unverified] part of this is a reading of the sources, not a checked fact
        </span>
      )}
    </p>
  );
}

function RuleButton({ id }: { id: string }) {
  const e = BOOK.byId.get(id);
  return (
    <button
      type="button"
      className={`${LINK} border-0 bg-transparent p-0 text-left`}
      onClick={() => go({ tab: 'rules', id })}
    >
      <span className="font-mono">{id}</span>
      {e && <span className="text-slate-700 dark:text-slate-300"> {e.rule.title}</span>}
    </button>
  );
}

function RuleList({ title, ids }: { title: string; ids: string[] }) {
  if (!ids.length) return null;
  return (
    <div className="mt-3">
      <h4 className="m-0 mb-0.5 text-xs font-semibold text-slate-600 dark:text-slate-300">{title}</h4>
      <ul className="m-0 list-none space-y-0.5 p-0 text-xs">
        {ids.map((id) => (
          <li key={id}>
            <RuleButton id={id} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function RuleView({
  e,
  sub,
  headingRef,
}: {
  e: RuleEntry;
  sub: string | null;
  headingRef: Ref<HTMLHeadingElement>;
}) {
  const i = BOOK.entries.indexOf(e);
  const prev = BOOK.entries[i - 1];
  const next = BOOK.entries[i + 1];
  return (
    <article aria-labelledby="ref-entry-h">
      <p className="m-0 text-[11px] uppercase tracking-wide text-slate-500 dark:text-slate-400">{e.group}</p>
      <h3
        id="ref-entry-h"
        ref={headingRef}
        tabIndex={-1}
        className="m-0 mb-1 text-base font-bold focus:outline-none"
        data-testid="ref-rule-title"
      >
        <span className="font-mono">{e.rule.id}</span> {e.rule.title}
      </h3>
      <Badges e={e} />
      <div
        className="mb-2 rounded border border-slate-200 bg-slate-50 px-2 py-1 text-xs dark:border-slate-700 dark:bg-slate-950"
        data-testid="ref-kernel"
      >
        <span className="font-semibold">Follows </span>
        <span className="font-mono break-words">{plainText(e.kernel)}</span>
      </div>
      {sub && (
        <p className="m-0 mb-2 text-xs text-slate-600 dark:text-slate-400">
          Cited as <span className="font-mono">{citeLabel({ id: e.rule.id, sub })}</span>: that{' '}
          {/^\d+$/.test(sub) ? 'step' : 'point'} is marked below.
        </p>
      )}
      <div className="text-sm leading-relaxed">
        <Markdown blocks={e.blocks} point={sub} onLink={(h) => follow(h, 'rules')} />
      </div>
      <RuleList title="Cites" ids={e.cites} />
      <RuleList title="Cited by" ids={e.citedBy} />
      <div className="mt-3 flex justify-between gap-2 border-t border-slate-200 pt-2 text-xs dark:border-slate-700">
        {prev ? (
          <button
            type="button"
            className={`${LINK} border-0 bg-transparent p-0`}
            onClick={() => go({ tab: 'rules', id: prev.rule.id })}
          >
            ← {prev.rule.id}
          </button>
        ) : (
          <span />
        )}
        {next && (
          <button
            type="button"
            className={`${LINK} border-0 bg-transparent p-0`}
            onClick={() => go({ tab: 'rules', id: next.rule.id })}
          >
            {next.rule.id} →
          </button>
        )}
      </div>
    </article>
  );
}

function RulesTab({
  id,
  sub,
  headingRef,
}: {
  id?: string;
  sub: string | null;
  headingRef: Ref<HTMLHeadingElement>;
}) {
  const [query, setQuery] = useState('');
  const shown = BOOK.entries.filter((e) => !query || matches(e.search, query));
  const found = id
    ? lookupCitation(
        BOOK.entries.map((e) => e.rule),
        id,
      )
    : [];
  const entry = found.length === 1 ? BOOK.byId.get(found[0].id) : undefined;
  let body: ReactNode;
  if (!id)
    body = (
      <article aria-labelledby="ref-entry-h">
        <h3
          id="ref-entry-h"
          ref={headingRef}
          tabIndex={-1}
          className="m-0 mb-2 text-base font-bold focus:outline-none"
        >
          The rule book
        </h3>
        <div className="text-sm leading-relaxed">
          <Markdown blocks={BOOK.intro} onLink={(h) => follow(h, 'rules')} />
        </div>
      </article>
    );
  else if (entry) body = <RuleView e={entry} sub={sub} headingRef={headingRef} />;
  else
    body = (
      <article aria-labelledby="ref-entry-h">
        <h3
          id="ref-entry-h"
          ref={headingRef}
          tabIndex={-1}
          className="m-0 mb-2 text-base font-bold focus:outline-none"
        >
          {found.length ? `${id}: a section of the rule book` : `${id} is not in the rule book`}
        </h3>
        <RuleList title="Its entries" ids={found.map((r) => r.id)} />
      </article>
    );
  let group = '';
  return (
    <>
      <Index
        label="Rule book"
        query={query}
        setQuery={setQuery}
        placeholder="R5.6, remote IRR, kvm_ioapic…"
        count={shown.length}
      >
        <ul className="m-0 list-none p-0">
          <li>
            <button
              type="button"
              className={indexItem(!id)}
              onClick={() => go({ tab: 'rules' })}
              aria-current={!id ? 'page' : undefined}
            >
              About the rule book
            </button>
          </li>
          {shown.map((e) => {
            const head = e.group !== group ? (group = e.group) : null;
            const current = entry === e || (!entry && found.some((r) => r.id === e.rule.id));
            return (
              <li key={e.rule.id}>
                {head && (
                  <p className="m-0 mt-1.5 px-1.5 text-[10px] font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
                    {head}
                  </p>
                )}
                <button
                  type="button"
                  className={indexItem(current)}
                  onClick={() => go({ tab: 'rules', id: e.rule.id })}
                  aria-current={current ? 'page' : undefined}
                >
                  <span className="font-mono">{e.rule.id}</span> {e.rule.title}
                </button>
              </li>
            );
          })}
        </ul>
      </Index>
      <Body target={id ?? ''} sub={sub}>
        {body}
      </Body>
    </>
  );
}

function SectionTitle({ s }: { s: Section }) {
  return <>{plainText(s.title)}</>;
}

function LanguageTab({ section, headingRef }: { section?: string; headingRef: Ref<HTMLHeadingElement> }) {
  const [query, setQuery] = useState('');
  const s = LANGUAGE.find((x) => x.id === section) ?? LANGUAGE[0];
  const shown = LANGUAGE.filter((x) => x.level > 1 && (!query || matches(x.search, query)));
  const children = LANGUAGE.filter((x) => x.parent === s.id);
  const parent = s.parent ? LANGUAGE.find((x) => x.id === s.parent) : undefined;
  const open = (id: string) => go({ tab: 'language', section: id });
  return (
    <>
      <Index
        label="Language reference"
        query={query}
        setQuery={setQuery}
        placeholder="seoib, remote-irr, expect…"
        count={shown.length}
      >
        <ul className="m-0 list-none p-0" data-testid="ref-statement-index">
          <li>
            <button
              type="button"
              className={indexItem(s === LANGUAGE[0])}
              onClick={() => go({ tab: 'language' })}
              aria-current={s === LANGUAGE[0] ? 'page' : undefined}
            >
              Introduction
            </button>
          </li>
          {shown.map((x) => (
            <li key={x.id}>
              <button
                type="button"
                className={`${indexItem(x === s)} ${x.level === 3 ? 'pl-4 font-mono' : 'mt-1 font-semibold'}`}
                onClick={() => open(x.id)}
                aria-current={x === s ? 'page' : undefined}
              >
                <SectionTitle s={x} />
              </button>
            </li>
          ))}
        </ul>
      </Index>
      <Body target={s.id} sub={null}>
        <article aria-labelledby="ref-entry-h">
          {parent && (
            <p className="m-0 text-[11px] uppercase tracking-wide text-slate-500 dark:text-slate-400">
              <SectionTitle s={parent} />
            </p>
          )}
          <h3
            id="ref-entry-h"
            ref={headingRef}
            tabIndex={-1}
            className="m-0 mb-2 text-base font-bold focus:outline-none"
            data-testid="ref-section-title"
          >
            <SectionTitle s={s} />
          </h3>
          <div className="text-sm leading-relaxed">
            <Markdown blocks={s.blocks} headingShift={2} onLink={(h) => follow(h, 'language')} />
          </div>
          {children.length > 0 && (
            <div className="mt-3">
              <h4 className="m-0 mb-0.5 text-xs font-semibold text-slate-600 dark:text-slate-300">
                In this section
              </h4>
              <ul className="m-0 flex list-none flex-wrap gap-x-3 gap-y-0.5 p-0 text-xs">
                {children.map((c) => (
                  <li key={c.id}>
                    <button
                      type="button"
                      className={`${LINK} border-0 bg-transparent p-0 font-mono`}
                      onClick={() => open(c.id)}
                    >
                      <SectionTitle s={c} />
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </article>
      </Body>
    </>
  );
}

/** The scrolling content column: back to its top on a new page, or to the cited point. */
function Body({ target, sub, children }: { target: string; sub: string | null; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: on every new page, not only a new point
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const point = sub ? el.querySelector<HTMLElement>(`li[data-point="${CSS.escape(sub)}"]`) : null;
    if (point) point.scrollIntoView({ block: 'center' });
    else el.scrollTop = 0;
  }, [target, sub]);
  return (
    <div ref={ref} className="min-h-0 overflow-y-auto px-4 py-3" data-testid="ref-body">
      {children}
    </div>
  );
}

const TABS = [
  ['rules', 'Rule book'],
  ['language', 'Language'],
] as const;

export default function ReferencePanel({ target }: { target: RefTarget }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const tabs = useRef<HTMLDivElement>(null);
  // The page last shown in each tab, so that switching tabs comes back to it.
  const last = useRef<Record<RefTarget['tab'], RefTarget>>({
    rules: { tab: 'rules' },
    language: { tab: 'language' },
  });
  last.current[target.tab] = target;
  const key = useMemo(() => JSON.stringify(target), [target]);
  // A page opened from a link in the page before (or from a link now gone) starts at its
  // heading, so that it is read from the top; from the index or the tabs, focus stays there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: on every new page
  useEffect(() => {
    const h = heading.current;
    const dialog = h?.closest('[role="dialog"]');
    const at = document.activeElement;
    if (dialog && (!dialog.contains(at) || at?.closest('[data-testid="ref-body"]'))) h?.focus();
  }, [key]);
  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? 1 : TABS.findIndex(([t]) => t !== target.tab);
    go(last.current[TABS[next][0]]);
    tabs.current?.querySelectorAll<HTMLElement>('[role="tab"]')[next]?.focus();
  };
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div
        ref={tabs}
        role="tablist"
        aria-label="Reference"
        className="flex gap-1 border-b border-slate-200 px-3 dark:border-slate-700"
        onKeyDown={onTabKey}
      >
        {TABS.map(([t, label]) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`ref-tab-${t}`}
            aria-selected={target.tab === t}
            aria-controls="ref-tabpanel"
            tabIndex={target.tab === t ? 0 : -1}
            onClick={() => go(last.current[t])}
            className={`-mb-px border-b-2 px-3 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-500 ${target.tab === t ? 'border-sky-600 font-semibold text-sky-800 dark:text-sky-300' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'}`}
          >
            {label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id="ref-tabpanel"
        aria-labelledby={`ref-tab-${target.tab}`}
        className="grid min-h-0 flex-1 grid-rows-[auto_minmax(0,1fr)] md:grid-cols-[15rem_minmax(0,1fr)] md:grid-rows-1"
      >
        {target.tab === 'rules' ? (
          <RulesTab id={target.id} sub={target.sub ?? null} headingRef={heading} />
        ) : (
          <LanguageTab section={target.section} headingRef={heading} />
        )}
      </div>
    </div>
  );
}
