/** What the current step did, in the scenario's words and notes: the first thing a learner reads. */
import { DEFAULT_RUN_STEPS } from '../../core/limits.ts';
import { printAction } from '../../scenario/grammar/index.ts';
import type { ExpectResult } from '../../worker/protocol.ts';
import { expectAt, stepAt } from '../../worker/protocol.ts';
import { grouped } from '../common/format.ts';
import { useViz } from '../context.ts';
import { Cited } from '../reference/Cited.tsx';

/**
 * Most notes, warnings and failed expectations the banner lists per step; the rest are counted.
 * A legal scenario may give one step 100 000 of each, and the banner is read, not searched.
 */
export const BANNER_ITEMS = 20;

function More({ n, what }: { n: number; what: string }) {
  if (n <= 0) return null;
  return (
    <p className="m-0 mt-1 text-sm text-slate-700 italic dark:text-slate-300" data-testid="banner-more">
      … and {grouped(n)} more {what} at this step (all of them are in the scenario text).
    </p>
  );
}

export function StepBanner() {
  const info = useViz((s) => s.info);
  const step = useViz((s) => s.frame?.step ?? 0);
  const event = useViz((s) => (s.frame?.event != null ? s.frame.events[s.frame.event] : null));
  const index = useViz((s) => s.frame?.event ?? null);
  const total = useViz((s) => s.frame?.events.length ?? 0);
  const run = useViz((s) => (s.status === 'running' ? s.run : null));
  // A step without a note still says why: the first thing its action caused (event 0 is the action).
  const firstWhy = useViz((s) => (s.frame && s.frame.step > 0 ? (s.frame.events[1] ?? null) : null));
  if (!info) return null;
  if (run)
    // Live frames are the run's own state, between steps: no step's label, notes or results (issue 12.2).
    return (
      <section
        aria-live="off"
        aria-label="Current step"
        className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 dark:border-sky-900 dark:bg-sky-950"
      >
        <p className="m-0 text-sm">
          <span className="mr-2 font-semibold text-sky-900 dark:text-sky-200">Running</span>
          <code className="font-mono text-slate-900 dark:text-slate-100" data-testid="step-action">
            {printAction({ kind: 'run', n: run.limit ?? DEFAULT_RUN_STEPS })}
          </code>
          <span className="ml-2 text-slate-700 dark:text-slate-300" data-testid="run-progress">
            {grouped(run.steps)} guest steps so far
          </span>
        </p>
      </section>
    );
  const failed: ExpectResult[] = [];
  let moreFailed = 0;
  const ex = info.expects;
  for (let i = 0; i < ex.length; i++)
    if (!ex.ok[i] && ex.afterStep[i] === step) {
      if (failed.length < BANNER_ITEMS) failed.push(expectAt(ex, i));
      else moreFailed++;
    }
  const warnings = info.warnings.filter((w) => w.step === step);
  const st = step > 0 && step <= info.steps.length ? stepAt(info.steps, step - 1) : null;
  const notes = st ? st.notes : info.configNotes;
  return (
    <section
      aria-live="polite"
      aria-label="Current step"
      data-testid="step-banner"
      className="max-h-[30vh] overflow-y-auto rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 dark:border-sky-900 dark:bg-sky-950"
    >
      <p className="m-0 text-sm">
        <span className="mr-2 font-semibold text-sky-900 dark:text-sky-200">
          {st ? `Step ${step}` : 'Start'}
        </span>
        <code className="font-mono text-slate-900 dark:text-slate-100" data-testid="step-action">
          {st ? st.text : 'the booted machine, before any action'}
        </code>
      </p>
      {event && index !== null && (
        <p className="m-0 mt-1 text-sm" data-testid="sub-step">
          <span className="mr-2 font-semibold text-violet-800 dark:text-violet-300">
            Event {index} of {total - 1}
          </span>
          <code className="font-mono text-slate-900 dark:text-slate-100">{event.type}</code>
          <span className="ml-2 text-slate-700 dark:text-slate-300" data-testid="sub-step-why">
            <Cited text={event.why} />
          </span>
        </p>
      )}
      {st && notes.length === 0 && !event && firstWhy && (
        <p className="m-0 mt-1 text-sm text-slate-700 dark:text-slate-300" data-testid="step-why">
          <code className="mr-2 font-mono text-violet-800 dark:text-violet-300">{firstWhy.type}</code>
          {firstWhy.why}
        </p>
      )}
      {notes.slice(0, BANNER_ITEMS).map((n, i) => (
        <p key={i} className="m-0 mt-1 text-sm text-slate-700 dark:text-slate-300">
          <Cited text={n} />
        </p>
      ))}
      <More n={notes.length - BANNER_ITEMS} what="notes" />
      {warnings.slice(0, BANNER_ITEMS).map((w, i) => (
        <p
          key={`w${i}`}
          className="m-0 mt-1 text-sm text-amber-900 dark:text-amber-200"
          data-testid="step-warning"
        >
          <span className="font-semibold">⚠ {w.lint}:</span> <Cited text={w.why} />
        </p>
      ))}
      <More n={warnings.length - BANNER_ITEMS} what="warnings" />
      {failed.map((e) => (
        <p
          key={e.line}
          className="m-0 mt-1 text-sm font-semibold text-rose-700 dark:text-rose-300"
          role="alert"
        >
          ✗ line {e.line}: expected {e.expected}, got {e.actual}
        </p>
      ))}
      <More n={moreFailed} what="failed expectations" />
    </section>
  );
}
