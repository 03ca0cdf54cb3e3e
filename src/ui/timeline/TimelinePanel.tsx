/**
 * The timeline: one row per step (virtualized), failed expectations marked; the events of the
 * current step with their *why*; the counters.
 */
import { memo } from 'react';
import { useRoving } from '../common/roving.tsx';
import { VirtualList } from '../common/VirtualList.tsx';
import { useViz } from '../context.ts';

const ROW_H = 24;

const currentItem = (items: HTMLElement[]) => items.find((el) => el.hasAttribute('aria-current'));

function StepList() {
  const info = useViz((s) => s.info);
  const step = useViz((s) => s.frame?.step ?? 0);
  const seek = useViz((s) => s.seek);
  // One Tab stop (the current step); ↑/↓ move along the list, Enter shows that step.
  const roving = useRoving<HTMLDivElement>('vertical', currentItem);
  if (!info) return null;
  const failedAt = new Set(info.expects.filter((e) => !e.ok).map((e) => e.afterStep));
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
            <span className="truncate">{k === 0 ? 'start' : info.steps[k - 1].text}</span>
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

const EventList = memo(function EventList() {
  const events = useViz((s) => s.frame?.events);
  const dropped = useViz((s) => s.frame?.droppedEvents ?? 0);
  const step = useViz((s) => s.frame?.step ?? 0);
  const selected = useViz((s) => s.frame?.event ?? null);
  const seekEvent = useViz((s) => s.seekEvent);
  const roving = useRoving<HTMLOListElement>('vertical', currentItem);
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
        {events.map((e, i) => (
          <li key={i}>
            <button
              type="button"
              onClick={() => seekEvent(selected === i ? null : i)}
              aria-current={selected === i ? 'true' : undefined}
              data-event={i}
              title="Show the state right after this event (a sub-step)"
              className={`block w-full rounded border px-2 py-1 text-left focus-visible:outline-2 focus-visible:outline-sky-500 ${selected === i ? 'border-violet-400 bg-violet-50 dark:border-violet-500 dark:bg-violet-950' : 'border-slate-100 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800/60'}`}
            >
              <div className="flex gap-2 font-mono text-[11px]">
                <span className="shrink-0 tabular-nums text-slate-600 dark:text-slate-400">{i}</span>
                <span className="shrink-0 text-slate-600 dark:text-slate-400">
                  {e.cpu >= 0 ? `vCPU ${e.cpu}` : 'IOAPIC'}
                </span>
                <span className="font-semibold text-violet-700 dark:text-violet-300">{e.type}</span>
                <span className="truncate text-slate-700 dark:text-slate-300" title={e.text}>
                  {e.text}
                </span>
              </div>
              <p className="m-0 text-xs text-slate-600 dark:text-slate-400">{e.why}</p>
            </button>
          </li>
        ))}
      </ol>
      {dropped > 0 && (
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
          … and {dropped.toLocaleString('en-US')} more events in this step (not shown).
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
              {counters[n].toLocaleString('en-US')}
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
