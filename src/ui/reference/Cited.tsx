/** Text with every rule citation in it as a link that opens the rule in the reference panel. */
import { Fragment } from 'react';
import type { CiteTarget } from './cite.ts';
import { citationRuns, citeLabel } from './cite.ts';
import { referenceStore } from './state.ts';

export const LINK =
  'cursor-pointer rounded-sm text-sky-800 underline decoration-dotted underline-offset-2 hover:decoration-solid focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-300';

/** One rule as a link: `R5.6 d` opens R5.6 at point d. */
export function CiteLink({ target, children }: { target: CiteTarget; children?: string }) {
  const label = citeLabel(target);
  return (
    <button
      type="button"
      className={`${LINK} inline border-0 bg-transparent p-0`}
      data-cite={target.id}
      title={`${label} in the rule book`}
      onClick={(e) => {
        // A link inside a clickable row opens the rule, not the row.
        e.stopPropagation();
        referenceStore.getState().open({ tab: 'rules', id: target.id, sub: target.sub });
      }}
    >
      {children ?? label}
    </button>
  );
}

/**
 * `text` with its citations as links. A range (`R8.2–R8.6`) becomes a link per rule; a range
 * across sections (`R3.9–R4.2`, only its two ends known) keeps its dash.
 */
export function Cited({ text }: { text: string }) {
  return (
    <>
      {citationRuns(text).map((r, i) => {
        if (r.t === 'text') return <Fragment key={i}>{r.text}</Fragment>;
        if (r.targets.length === 1)
          return (
            <CiteLink key={i} target={r.targets[0]}>
              {r.text}
            </CiteLink>
          );
        const section = (id: string) => id.replace(/\..*/, '');
        const across = r.targets.length === 2 && section(r.targets[0].id) !== section(r.targets[1].id);
        return (
          <Fragment key={i}>
            {r.targets.map((t, k) => (
              <Fragment key={t.id}>
                {k > 0 && (across ? '–' : ', ')}
                <CiteLink target={t} />
              </Fragment>
            ))}
          </Fragment>
        );
      })}
    </>
  );
}

/** Only the citations of a hint (a tooltip such as "R8.2–R8.6"), as a row of links. */
export function CiteLinks({ text, className = '' }: { text: string; className?: string }) {
  const targets = citationRuns(text).flatMap((r) => (r.t === 'cite' ? r.targets : []));
  if (!targets.length) return null;
  return (
    <span className={`inline-flex flex-wrap gap-x-1.5 ${className}`}>
      {targets.map((t) => (
        <CiteLink key={`${t.id} ${t.sub}`} target={t} />
      ))}
    </span>
  );
}
