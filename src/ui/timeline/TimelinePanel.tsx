/**
 * The timeline: one row per step (virtualized), failed expectations marked; the events of the
 * current step with their *why*; the counters.
 */
import { memo, useEffect, useRef, useState } from 'react';
import { stepText } from '../../worker/protocol.ts';
import { grouped } from '../common/format.ts';
import { useRoving } from '../common/roving.tsx';
import { VirtualList } from '../common/VirtualList.tsx';
import { useViz } from '../context.ts';
import { Cited } from '../reference/Cited.tsx';
import { showEventText } from './eventText.ts';

const ROW_H = 24;

const currentItem = (items: HTMLElement[]) => items.find((el) => el.hasAttribute('aria-current'));

function StepList() {
  const info = useViz((s) => s.info);
  const step = useViz((s) => s.frame?.step ?? 0);
  const seek = useViz((s) => s.seek);
  const trace = useViz((s) => s.traceImport);
  // One Tab stop (the current step); ↑/↓ move along the list, Enter shows that step.
  const roving = useRoving<HTMLDivElement>('vertical', currentItem);
  if (!info) return null;
  const failedAt = new Set<number>();
  for (let i = 0; i < info.expects.length; i++)
    if (!info.expects.ok[i]) failedAt.add(info.expects.afterStep[i]);
  // An imported trace: each step's trace line, and the steps where the model disagrees.
  const traceLine = new Map(trace?.steps.map((s) => [s.step, s.traceLine]) ?? []);
  const disagreeAt = new Set(trace?.disagreements.map((d) => d.step) ?? []);
  const lintAt = new Map<number, string[]>();
  for (const w of info.warnings) {
    const at = lintAt.get(w.step);
    // Pushed, not spread: a scenario may have a warning on each of 200 000 steps, or many on one.
    if (at) at.push(w.lint);
    else lintAt.set(w.step, [w.lint]);
  }
  return (
    <div
      id="step-list"
      tabIndex={-1}
      className="rounded border border-slate-200 dark:border-slate-700"
      {...roving}
    >
      <VirtualList
        count={info.steps.length + 1}
        rowHeight={ROW_H}
        height={220}
        label="Steps"
        follow={step}
        row={(k) => (
          <button
            type="button"
            onClick={() => seek(k)}
            aria-current={k === step ? 'step' : undefined}
            tabIndex={k === step ? 0 : -1}
            className={`flex h-full w-full items-center gap-2 px-2 text-left font-mono text-xs focus-visible:outline-2 focus-visible:outline-sky-500 ${k === step ? 'bg-sky-100 font-semibold text-sky-950 dark:bg-sky-900 dark:text-sky-50' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
          >
            <span
              className={`w-10 shrink-0 text-right tabular-nums ${k === step ? '' : 'text-slate-600 dark:text-slate-400'}`}
            >
              {k}
            </span>
            <span className="truncate">{k === 0 ? 'start' : stepText(info.steps, k - 1)}</span>
            {traceLine.has(k) && (
              <span
                className="shrink-0 text-violet-700 dark:text-violet-300"
                title="the trace line this step came from"
              >
                L{traceLine.get(k)}
              </span>
            )}
            {disagreeAt.has(k) && (
              <span
                className="text-amber-700 dark:text-amber-300"
                title="the model disagrees with the trace here"
                data-testid="trace-disagrees"
              >
                ≠
              </span>
            )}
            {lintAt.has(k) && (
              <span
                className="text-amber-700 dark:text-amber-300"
                title={`warning: ${[...new Set(lintAt.get(k))].join(', ')}`}
                data-testid="lint-marker"
              >
                ⚠
              </span>
            )}
            {failedAt.has(k) && (
              <span
                className="ml-auto text-rose-600 dark:text-rose-400"
                title="an expectation failed after this step"
              >
                ✗
              </span>
            )}
          </button>
        )}
      />
    </div>
  );
}

/** Events drawn at first, and added each time the list is scrolled to its end. */
const EVENT_PAGE = 25;

/**
 * Shows more of a long list when its last row scrolls into view (a 4096-vCPU step has thousands
 * of events, each a few wrapped lines: drawing them all made one step cost a second).
 */
function MoreEvents({ shown, total, more }: { shown: number; total: number; more: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((seen) => {
      if (seen.some((s) => s.isIntersecting)) more();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [more]);
  return (
    // Never the scroll anchor: anchored, the list would scroll to keep it in view as rows come
    // in above it, and each page would ask for the next one until the end.
    <li style={{ overflowAnchor: 'none' }}>
      <button
        ref={ref}
        type="button"
        onClick={more}
        className="w-full rounded px-2 py-1 text-left text-xs text-sky-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-300 dark:hover:bg-slate-800/60"
      >
        Show more ({grouped(shown)} of {grouped(total)} events shown)
      </button>
    </li>
  );
}

const EventList = memo(function EventList() {
  const events = useViz((s) => s.frame?.events);
  const dropped = useViz((s) => s.frame?.droppedEvents ?? 0);
  const step = useViz((s) => s.frame?.step ?? 0);
  const selected = useViz((s) => s.frame?.event ?? null);
  const seekEvent = useViz((s) => s.seekEvent);
  const roving = useRoving<HTMLOListElement>('vertical', currentItem);
  // How many rows to draw, for this list of events (a new step starts again from one page).
  const [limit, setLimit] = useState<{ of: unknown; n: number }>({ of: null, n: EVENT_PAGE });
  // The selected event is always drawn, with a few after it.
  const shown = events
    ? Math.min(events.length, Math.max(limit.of === events ? limit.n : EVENT_PAGE, (selected ?? -1) + 21))
    : 0;
  const latest = useRef({ events, shown });
  latest.current = { events, shown };
  const [more] = useState(() => () => {
    const { events, shown } = latest.current;
    setLimit({ of: events, n: shown + EVENT_PAGE });
  });
  if (!events) return null;
  return (
    <div>
      <h3 className="mb-1 text-xs font-semibold text-slate-600 dark:text-slate-300">
        What happened in {step === 0 ? 'the start state' : `step ${step}`} and why
      </h3>
      {events.length === 0 && (
        <p className="text-xs text-slate-600 dark:text-slate-400">
          {step === 0 ? 'The machine as a booted guest leaves it.' : 'No events.'}
        </p>
      )}
      <ol
        className="m-0 max-h-[28rem] list-none space-y-1 overflow-y-auto p-0"
        aria-label="Events of this step"
        data-testid="events"
        {...roving}
      >
        {events.slice(0, shown).map((e, i) => (
          <li
            key={i}
            className={`rounded border ${selected === i ? 'border-violet-400 bg-violet-50 dark:border-violet-500 dark:bg-violet-950' : 'border-slate-100 dark:border-slate-800'}`}
          >
            {/* The why sits beside the button, not in it: its rule citations are links of their own. */}
            <button
              type="button"
              onClick={() => seekEvent(selected === i ? null : i)}
              aria-current={selected === i ? 'true' : undefined}
              data-event={i}
              title="Show the state right after this event (a sub-step)"
              className={`block w-full rounded-t px-2 pt-1 text-left focus-visible:outline-2 focus-visible:outline-sky-500 ${selected === i ? '' : 'hover:bg-slate-50 dark:hover:bg-slate-800/60'}`}
            >
              <div className="flex flex-wrap gap-x-2 font-mono text-[11px]">
                <span className="shrink-0 tabular-nums text-slate-600 dark:text-slate-400">{i}</span>
                <span className="shrink-0 text-slate-600 dark:text-slate-400">
                  {e.cpu >= 0 ? `vCPU ${e.cpu}` : 'IOAPIC'}
                </span>
                <span className="font-semibold text-violet-700 dark:text-violet-300">{e.type}</span>
                {/* Wrapped, never cut; the tooltip has the line as trace-cmd prints it (decimal). */}
                <span
                  className="min-w-0 break-all text-slate-700 dark:text-slate-300"
                  title={`${e.type}: ${e.text}`}
                  data-testid="event-fields"
                >
                  {showEventText(e.text)}
                </span>
              </div>
            </button>
            <p className="m-0 px-2 pb-1 text-xs text-slate-600 dark:text-slate-400">
              <Cited text={e.why} />
            </p>
          </li>
        ))}
        {shown < events.length && <MoreEvents shown={shown} total={events.length} more={more} />}
      </ol>
      {dropped > 0 && (
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
          … and {grouped(dropped)} more events in this step (not shown).
        </p>
      )}
    </div>
  );
});

export function Counters() {
  const counters = useViz((s) => s.frame?.view.counters);
  const clock = useViz((s) => s.frame?.view.clock ?? '');
  if (!counters) return null;
  return (
    <div>
      <h3 className="mb-1 text-xs font-semibold text-slate-600 dark:text-slate-300">
        Counters{' '}
        <span className="font-normal text-slate-600 dark:text-slate-400">· virtual time {clock} s</span>
      </h3>
      <dl className="m-0 grid grid-cols-2 gap-x-3 gap-y-0.5 text-xs" data-testid="counters">
        {(Object.keys(counters) as (keyof typeof counters)[]).map((n) => (
          <div key={n} className="flex justify-between gap-2">
            <dt className="text-slate-600 dark:text-slate-400">{n}</dt>
            <dd
              className={`m-0 font-mono tabular-nums ${counters[n] ? 'text-slate-900 dark:text-slate-100' : 'text-slate-600 dark:text-slate-400'}`}
            >
              {grouped(counters[n])}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function TimelinePanel() {
  return (
    <div className="space-y-3">
      <StepList />
      <EventList />
      <Counters />
    </div>
  );
}
