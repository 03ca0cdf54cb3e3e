/**
 * The KVM trace the session came from (issue 10 §3 in the app): the current step's trace line,
 * the replay's summary, and every disagreement between the model and the trace, each a link to
 * its step. Trace text is shown as text, never as HTML.
 */
import { Button } from '../common/Button.tsx';
import { useViz } from '../context.ts';
import { Cited } from '../reference/Cited.tsx';

export function TracePanel() {
  const trace = useViz((s) => s.traceImport);
  const step = useViz((s) => s.frame?.step ?? 0);
  const seek = useViz((s) => s.seek);
  if (!trace) return null;
  const here = trace.steps.find((s) => s.step === step);
  const disagreeHere = trace.disagreements.filter((d) => d.step === step);
  const skipped = Object.entries(trace.skippedWhy)
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
  return (
    <section
      aria-labelledby="trace-panel-h"
      data-testid="trace-panel"
      className="skip-offscreen rounded-lg border border-violet-200 bg-violet-50 p-3 text-xs text-slate-800 dark:border-violet-800 dark:bg-violet-950 dark:text-slate-100"
    >
      <h2 id="trace-panel-h" className="m-0 text-sm font-semibold">
        Replayed trace: {trace.name}
      </h2>
      <p className="m-0 mt-1" data-testid="trace-summary">
        {trace.lines} lines, {trace.used} used, {trace.skipped} skipped{skipped ? ` (${skipped})` : ''};{' '}
        {trace.agreements} agree with the model, {trace.disagreements.length} disagree.
      </p>
      <p className="m-0 mt-1 font-mono" data-testid="trace-line-here">
        {step === 0
          ? 'Step 0: the configuration inferred from the trace.'
          : here
            ? `Step ${step} comes from trace line ${here.traceLine}${here.inferred ? ` (inferred: ${here.inferred})` : ''}.`
            : `Step ${step} was added after the import.`}
      </p>
      {disagreeHere.length > 0 && (
        <ul className="m-0 mt-1 list-none space-y-1 p-0" aria-label="Disagreements at this step">
          {disagreeHere.map((d, i) => (
            <li key={i} className="rounded bg-white/70 p-1 dark:bg-slate-900/60">
              <span className="font-semibold text-rose-700 dark:text-rose-300">⚠ line {d.line}:</span>{' '}
              <Cited text={d.why} />
              {d.trace && (
                <div className="font-mono text-slate-600 dark:text-slate-300">trace: {d.trace}</div>
              )}
              {d.model && (
                <div className="font-mono text-slate-600 dark:text-slate-300">model: {d.model}</div>
              )}
            </li>
          ))}
        </ul>
      )}
      {trace.disagreements.length > 0 && (
        <details className="mt-1">
          <summary className="cursor-pointer">All {trace.disagreements.length} disagreements</summary>
          <ul className="m-0 mt-1 max-h-48 list-none space-y-0.5 overflow-auto p-0">
            {trace.disagreements.map((d, i) => (
              <li key={i}>
                <Button
                  onClick={() => seek(d.step)}
                  aria-label={`Go to step ${d.step}: trace line ${d.line}`}
                >
                  step {d.step}
                </Button>{' '}
                line {d.line}: {d.why}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
