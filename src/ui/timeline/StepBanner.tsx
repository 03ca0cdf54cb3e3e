/** What the current step did, in the scenario's words and notes: the first thing a learner reads. */
import { DEFAULT_RUN_STEPS } from '../../core/limits.ts';
import { printAction } from '../../scenario/grammar/index.ts';
import { useViz } from '../context.ts';
import { Cited } from '../reference/Cited.tsx';

export function StepBanner() {
  const info = useViz((s) => s.info);
  const step = useViz((s) => s.frame?.step ?? 0);
  const event = useViz((s) => (s.frame?.event != null ? s.frame.events[s.frame.event] : null));
  const index = useViz((s) => s.frame?.event ?? null);
  const total = useViz((s) => s.frame?.events.length ?? 0);
  const run = useViz((s) => (s.status === 'running' ? s.run : null));
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
            {run.steps.toLocaleString('en-US')} guest steps so far
          </span>
        </p>
      </section>
    );
  const failed = info.expects.filter((e) => !e.ok && e.afterStep === step);
  const warnings = info.warnings.filter((w) => w.step === step);
  const st = step > 0 ? info.steps[step - 1] : null;
  const notes = st ? st.notes : info.configNotes;
  return (
    <section
      aria-live="polite"
      aria-label="Current step"
      className="rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 dark:border-sky-900 dark:bg-sky-950"
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
      {notes.map((n, i) => (
        <p key={i} className="m-0 mt-1 text-sm text-slate-700 dark:text-slate-300">
          <Cited text={n} />
        </p>
      ))}
      {warnings.map((w, i) => (
        <p
          key={`w${i}`}
          className="m-0 mt-1 text-sm text-amber-900 dark:text-amber-200"
          data-testid="step-warning"
        >
          <span className="font-semibold">⚠ {w.lint}:</span> <Cited text={w.why} />
        </p>
      ))}
      {failed.map((e) => (
        <p
          key={e.line}
          className="m-0 mt-1 text-sm font-semibold text-rose-700 dark:text-rose-300"
          role="alert"
        >
          ✗ line {e.line}: expected {e.expected}, got {e.actual}
        </p>
      ))}
    </section>
  );
}
