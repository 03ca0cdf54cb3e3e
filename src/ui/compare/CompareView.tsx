/**
 * Compare: the same scenario under a second configuration, side by side, in lockstep, with the
 * differences marked. The second column is its own visualizer instance (store and worker); it
 * follows the first, and its actions are the first one's, since the scenario text is shared.
 */
import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import { hex } from '../../core/hex.ts';
import type { VizStore } from '../../store/viz.ts';
import { createVizStore } from '../../store/viz.ts';
import { cpuDiff } from '../../worker/diff.ts';
import type { CpuDetail } from '../../worker/protocol.ts';
import { Cards } from '../Cards.tsx';
import { Button } from '../common/Button.tsx';
import { ColumnContext, OtherCpusContext, useViz, useVizStore, VizContext } from '../context.ts';
import { IoapicTable } from '../ioapic/IoapicTable.tsx';
import { Lanes } from '../lanes/Lanes.tsx';
import { Cited } from '../reference/Cited.tsx';
import { showEventText } from '../timeline/eventText.ts';
import { Counters } from '../timeline/TimelinePanel.tsx';
import type { ChoiceRow } from './choices.ts';
import { COMPARE_KEYS, rowsOf, settingOf, settingsOf, valuesOf } from './choices.ts';
import type { FirstDifference } from './firstDifference.ts';
import { firstDifference } from './firstDifference.ts';

/**
 * The second column's store: created with the view, following the first store. Its worker
 * applies the settings to every text it loads (the parser lives there, not on this thread).
 */
function useFollower(a: VizStore, settings: string[]): { b: VizStore | null; error: string | null } {
  const [b, setB] = useState<VizStore | null>(null);
  const key = settings.join(',');
  useEffect(() => {
    const first = a.getState();
    const store = createVizStore('', 0, undefined, undefined, key ? key.split(',') : []);
    const own = { load: store.getState().load, seek: store.getState().seek };
    // Acting on the second column acts on the first: the scenario text is one; a sub-step
    // selected on either side moves both.
    store.setState({
      act: (lines) => a.getState().act(lines),
      startRun: (n) => a.getState().startRun(n),
      seek: (k, e) => a.getState().seek(k, e),
      seekEvent: (e) => a.getState().seekEvent(e),
      stepEvent: (d) => a.getState().stepEvent(d),
    });
    let lastText: string | null = null;
    const follow = () => {
      const s = a.getState();
      if (!s.info || !s.frame || s.status !== 'ready') return;
      const bf = store.getState().frame;
      if (s.info.text !== lastText) {
        lastText = s.info.text;
        own.load(s.info.text, s.frame.step, false, 'app');
      } else if (bf?.step !== s.frame.step || (bf?.event ?? null) !== s.frame.event)
        own.seek(s.frame.step, s.frame.event);
    };
    const off = a.subscribe(follow);
    if (first.info) follow();
    setB(store);
    a.setState({ peer: { store, label: key.split(',').join(' ') || 'same configuration' } });
    return () => {
      off();
      a.setState({ peer: null });
      store.getState().dispose();
    };
  }, [a, key]);
  const error = useStore(b ?? a, (s) => (b ? s.settingsError : null));
  return { b, error };
}

function Side({
  label,
  store,
  other,
  detail,
}: {
  label: string;
  store: VizStore;
  other: VizStore;
  detail: string;
}) {
  const otherCpus = useStore(other, (s) => s.cpus);
  const hid = useId();
  return (
    <VizContext.Provider value={store}>
      <OtherCpusContext.Provider value={otherCpus}>
        <ColumnContext.Provider value={hid}>
          <section
            aria-label={`Column ${label}`}
            id={`side-${label}`}
            data-testid={`side-${label}`}
            className="min-w-0 scroll-mt-56 space-y-3"
          >
            <div className="flex items-center gap-2 rounded bg-slate-200 px-2 py-1 dark:bg-slate-800">
              <h2 id={hid} className="m-0 text-sm font-semibold">
                {label} <span className="font-mono text-xs font-normal">{detail}</span>
              </h2>
              <SideSwitch to={label === 'A' ? 'B' : 'A'} />
            </div>
            <IoapicTable />
            <Cards />
            <div className="rounded-lg border border-slate-200 bg-white p-2 dark:border-slate-700 dark:bg-slate-900">
              <Counters />
            </div>
          </section>
        </ColumnContext.Provider>
      </OtherCpusContext.Provider>
    </VizContext.Provider>
  );
}

/**
 * Where A and B stack (narrow screens), each column's heading has a switch to the other one. It
 * scrolls the column's heading to just below the sticky step region.
 */
function SideSwitch({ to }: { to: 'A' | 'B' }) {
  const go = () => {
    const el = document.getElementById(`side-${to}`);
    if (!el) return;
    const sticky = document.querySelector('[data-testid="sticky-step"]')?.getBoundingClientRect().bottom ?? 0;
    window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY - Math.max(0, sticky) - 8 });
  };
  return (
    <Button onClick={go} aria-label={`Jump to column ${to}`} className="ml-auto min-[1900px]:hidden">
      {to === 'B' ? 'B ↓' : 'A ↑'}
    </Button>
  );
}

/** Both columns' delivery lanes, A above B, so that where they part can be seen. */
function BothLanes({ a, b }: { a: VizStore; b: VizStore }) {
  return (
    <div className="space-y-1" data-testid="compare-lanes">
      {[
        ['A', a],
        ['B', b],
      ].map(([label, store]) => (
        <VizContext.Provider key={label as string} value={store as VizStore}>
          <div data-testid={`lanes-${label}`}>
            <Lanes title={`Delivery lanes · ${label}`} />
          </div>
        </VizContext.Provider>
      ))}
    </div>
  );
}

/** The first event at which the two columns' traces part, over the whole session. */
function useFirstDifference(a: VizStore, b: VizStore): FirstDifference | null | undefined {
  const ta = useStore(a, (s) => (s.status === 'ready' ? s.info?.text : undefined));
  const tb = useStore(b, (s) => (s.status === 'ready' ? s.info?.text : undefined));
  const [d, setD] = useState<FirstDifference | null | undefined>(undefined);
  useEffect(() => {
    if (ta === undefined || tb === undefined) return;
    let live = true;
    Promise.all([a.getState().requestTraceSteps(), b.getState().requestTraceSteps()]).then(([x, y]) => {
      if (live) setD(firstDifference(x, y));
    });
    return () => {
      live = false;
    };
  }, [a, b, ta, tb]);
  return d;
}

/** The fields the list names, with their values in each column. */
const SHOWN = ['tpr', 'ppr', 'spiv', 'lvr', 'if', 'stale'] as const;

function cpuDiffs(a: CpuDetail, b: CpuDetail): string[] {
  const d = cpuDiff(a, b);
  if (!d) return [];
  const out: string[] = [];
  const set = (v: number[]) => `{${v.map((x) => hex(x, 2)).join(', ')}}`;
  const value = (v: number) => (v < 0 ? String(v) : hex(v, 2));
  for (const [k] of Object.entries(d.sets) as [keyof typeof d.sets, number[]][])
    out.push(`${k} ${set(a[k])} vs ${set(b[k])}`);
  for (const k of SHOWN) if (d.fields.includes(k)) out.push(`${k} ${value(a[k])} vs ${value(b[k])}`);
  if (d.fields.includes('pvEoi') && a.pvEoi.pending !== b.pvEoi.pending)
    out.push(`pv-eoi-pending ${+a.pvEoi.pending} vs ${+b.pvEoi.pending}`);
  return out;
}

/** How the differences list names an IOAPIC pin field. */
const PIN_FIELD: Record<string, string> = {
  remoteIrr: 'remote IRR',
  stormCount: 'storm count',
  deliveries: 'sent',
  destMode: 'dest mode',
};

function FirstDifferenceLine({ a, b }: { a: VizStore; b: VizStore }) {
  const d = useFirstDifference(a, b);
  if (d === undefined)
    return <p className="m-0 mb-1 text-slate-600 dark:text-slate-400">Looking for the first difference…</p>;
  if (d === null)
    return (
      <p className="m-0 mb-1 font-semibold" data-testid="first-difference">
        The two traces are the same, event for event.
      </p>
    );
  return (
    <p className="m-0 mb-1" data-testid="first-difference">
      <span className="font-semibold">
        First difference: step {d.step} event {d.index}:
      </span>{' '}
      <span className="font-mono">
        A {d.a ? showEventText(d.a) : '(no event)'}, B {d.b ? showEventText(d.b) : '(no event)'}
      </span>{' '}
      <button
        type="button"
        onClick={() => a.getState().seek(d.step, d.index)}
        className="ml-1 rounded border border-amber-500 px-1 hover:bg-amber-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:hover:bg-amber-900"
      >
        Show it
      </button>
      {[
        ['A', d.whyA],
        ['B', d.whyB],
      ].map(
        ([side, why]) =>
          why && (
            <span key={side} className="block text-slate-700 dark:text-slate-300" data-testid={`why-${side}`}>
              <span className="font-semibold">{side}:</span> <Cited text={why} />
            </span>
          ),
      )}
    </p>
  );
}

/** What differs between the two columns at this step: counters, vCPU registers, IOAPIC pins. */
function Differences({ a, b }: { a: VizStore; b: VizStore }) {
  const fa = useStore(a, (s) => s.frame);
  const fb = useStore(b, (s) => s.frame);
  const ca = useStore(a, (s) => s.cpus);
  const cb = useStore(b, (s) => s.cpus);
  if (!fa || !fb) return null;
  if (fa.step !== fb.step) return <p className="text-xs text-slate-600 dark:text-slate-400">Catching up…</p>;
  const names = Object.keys(fa.view.counters) as (keyof typeof fa.view.counters)[];
  const counters = names
    .filter((n) => fa.view.counters[n] !== fb.view.counters[n])
    .map((n) => `${n} ${fa.view.counters[n]} vs ${fb.view.counters[n]}`);
  const cpus = Object.keys(ca)
    .map(Number)
    .filter((i) => cb[i])
    .map((i) => ({ i, d: cpuDiffs(ca[i], cb[i]) }))
    .filter((x) => x.d.length);
  const pins = fa.view.ioapic.pins
    .map((p, i) => {
      const q = fb.view.ioapic.pins[i] as Record<string, unknown>;
      const fields = Object.entries(p)
        .filter(([k, v]) => k !== 'pin' && q[k] !== v)
        .map(([k, v]) => `${PIN_FIELD[k] ?? k} ${String(v)} vs ${String(q[k])}`);
      return fields.length ? `pin ${p.pin}: ${fields.join(', ')}` : '';
    })
    .filter(Boolean);
  const none = !counters.length && !cpus.length && !pins.length;
  return (
    <section
      aria-label="Differences"
      data-testid="differences"
      className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-xs dark:border-amber-800 dark:bg-amber-950"
    >
      <FirstDifferenceLine a={a} b={b} />
      <h2 className="m-0 mb-1 text-sm font-semibold">
        {none ? `No differences after step ${fa.step}` : `Differences after step ${fa.step} (A vs B)`}
      </h2>
      <ul className="m-0 list-disc space-y-0.5 pl-5 font-mono">
        {counters.map((c) => (
          <li key={c}>{c}</li>
        ))}
        {cpus.map(({ i, d }) => (
          <li key={i}>
            vCPU {i}: {d.join('; ')}
          </li>
        ))}
        {pins.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </section>
  );
}

const field =
  'rounded border border-slate-300 bg-white px-1 py-0.5 font-mono dark:border-slate-600 dark:bg-slate-950';

/** One row of "Compare with": a switch and the value column B gives it. */
function ChoiceRowControls({
  row,
  n,
  onChange,
  onRemove,
}: {
  row: ChoiceRow;
  n: number;
  onChange: (r: ChoiceRow) => void;
  onRemove: (() => void) | null;
}) {
  const known = settingOf(row.key);
  const values = valuesOf(row.key);
  return (
    <li className="flex min-w-0 max-w-full flex-wrap items-center gap-1">
      <select
        aria-label={`Switch ${n}`}
        value={known || row.key === '' ? row.key : '?'}
        onChange={(e) => onChange({ key: e.target.value, value: '' })}
        className={`${field} min-w-0 max-w-full`}
      >
        <option value="">choose a switch…</option>
        {!known && row.key !== '' && <option value="?">{row.key} (unknown)</option>}
        {COMPARE_KEYS.map((k) => (
          <option key={k.key} value={k.key}>
            {k.key} · {k.label}
          </option>
        ))}
      </select>
      <span aria-hidden="true">=</span>
      {values.length || !known ? (
        <select
          aria-label={`Value ${n}`}
          value={row.value}
          onChange={(e) => onChange({ ...row, value: e.target.value })}
          disabled={!known}
          className={field}
        >
          <option value="">{known ? 'choose a value…' : '—'}</option>
          {!values.includes(row.value) && row.value !== '' && <option value={row.value}>{row.value}</option>}
          {values.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      ) : (
        <input
          aria-label={`Value ${n}`}
          value={row.value}
          onChange={(e) => onChange({ ...row, value: e.target.value })}
          inputMode={known.values.kind === 'number' ? 'numeric' : 'text'}
          spellCheck={false}
          placeholder={
            known.values.kind === 'number'
              ? `${known.values.min}–${known.values.max}`
              : known.values.kind === 'machine'
                ? 'pc-q35-X.Y'
                : 'a value'
          }
          className={`${field} ${known.values.kind === 'machine' ? 'w-28' : 'w-24'}`}
        />
      )}
      {onRemove && (
        <Button onClick={onRemove} aria-label={`Remove switch ${n}`} title="Remove this row">
          ×
        </Button>
      )}
    </li>
  );
}

export function CompareView() {
  const a = useVizStore();
  const settings = useViz((s) => s.compare) ?? [];
  const setCompare = useViz((s) => s.setCompare);
  const joined = settings.join(' ');
  const blank = { key: '', value: '' };
  const [rows, setRows] = useState<ChoiceRow[]>(settings.length ? rowsOf(settings) : [blank]);
  const [problem, setProblem] = useState<string | null>(null);
  const { b, error } = useFollower(a, settings);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the rows follow the applied settings only
  useEffect(() => setRows(settings.length ? rowsOf(settings) : [blank]), [joined]);
  const apply = () => {
    const r = settingsOf(rows);
    setProblem(r.ok ? null : r.error);
    if (r.ok) setCompare(r.settings);
  };
  const edit = (i: number, r: ChoiceRow) => {
    setProblem(null);
    setRows(rows.map((x, k) => (k === i ? r : x)));
  };
  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-xs shadow-sm dark:border-slate-700 dark:bg-slate-900"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <fieldset className="m-0 flex min-w-0 flex-1 flex-wrap items-center gap-2 border-0 p-0">
          <legend className="float-left mr-2 font-semibold">Compare with</legend>
          <ol className="m-0 flex min-w-0 max-w-full list-none flex-col gap-1 p-0">
            {rows.map((r, i) => (
              <ChoiceRowControls
                key={i}
                row={r}
                n={i + 1}
                onChange={(x) => edit(i, x)}
                onRemove={rows.length > 1 ? () => setRows(rows.filter((_, k) => k !== i)) : null}
              />
            ))}
          </ol>
          <Button onClick={() => setRows([...rows, blank])}>Add a switch</Button>
        </fieldset>
        <Button type="submit">Apply</Button>
        <Button onClick={() => setCompare(null)}>Close compare</Button>
        {(problem ?? error) && (
          <span role="alert" className="text-rose-700 dark:text-rose-300">
            {problem ?? error}
          </span>
        )}
      </form>
      {b && <Differences a={a} b={b} />}
      {b && <BothLanes a={a} b={b} />}
      {b && (
        <div className="grid gap-3 min-[1900px]:grid-cols-2">
          <Side label="A" store={a} other={b} detail="as written" />
          <Side label="B" store={b} other={a} detail={settings.join(' ') || '(same configuration)'} />
        </div>
      )}
    </div>
  );
}
