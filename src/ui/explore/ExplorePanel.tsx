/**
 * The Explore panel (issue 10, docs/explore.md): runs `apicscope explore` on the session in the
 * worker, with a progress bar and Stop, and lists each violated property with its one-line why;
 * each opens its counterexample at the failing step (a normal share link).
 */
import { useState } from 'react';
import { Button, NumberField } from '../common/Button.tsx';
import { useViz } from '../context.ts';

export function ExplorePanel() {
  const exploration = useViz((s) => s.exploration);
  const explore = useViz((s) => s.explore);
  const stop = useViz((s) => s.stopExplore);
  const openLink = useViz((s) => s.openLink);
  const [depth, setDepth] = useState('8');
  const running = exploration?.running ?? false;
  const report = exploration?.report ?? null;
  const d = Number(depth);
  const valid = Number.isInteger(d) && d >= 1 && d <= 1000;
  return (
    <section
      aria-labelledby="explore-h"
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <h2 id="explore-h" className="m-0 mb-2 text-sm font-semibold">
        Explore
      </h2>
      <p className="m-0 mb-2 text-xs text-slate-600 dark:text-slate-300">
        Every sequence of actions from the last step, breadth first: the shortest way to each lint or
        invariant violated.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <NumberField label="Depth" value={depth} onChange={setDepth} />
        <Button disabled={running || !valid} onClick={() => explore(d)}>
          Explore
        </Button>
        <Button disabled={!running} onClick={stop}>
          Stop exploring
        </Button>
        {exploration && (
          <progress
            aria-label="Exploration depth"
            max={Math.max(exploration.maxDepth, 1)}
            value={exploration.depth}
            className="h-2 w-32"
          />
        )}
        {exploration && (
          <span data-testid="explore-stats" className="text-xs text-slate-600 dark:text-slate-300">
            {exploration.distinct} distinct states, depth {exploration.depth}
            {running
              ? '…'
              : report?.stats.cut
                ? ` (cut: ${report.stats.cut})`
                : report
                  ? ' (every reachable state)'
                  : ''}
          </span>
        )}
      </div>
      {report?.error && <p className="m-0 mt-2 text-xs text-red-700 dark:text-red-400">{report.error}</p>}
      {report && !report.error && report.violations.length === 0 && (
        <p data-testid="explore-none" className="m-0 mt-2 text-xs">
          No property violated within depth {report.stats.maxDepth}.
        </p>
      )}
      {report && report.violations.length > 0 && (
        <ul aria-label="Violations" className="m-0 mt-2 list-none space-y-1 p-0">
          {report.violations.map((v) => (
            <li key={v.property} className="text-xs">
              <Button
                disabled={v.link === null}
                onClick={() => v.link && openLink(v.link)}
                aria-label={`Open the counterexample of ${v.property} at step ${v.step}`}
              >
                {v.property} · step {v.step}
              </Button>{' '}
              <span className="text-slate-700 dark:text-slate-300">{v.why}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
