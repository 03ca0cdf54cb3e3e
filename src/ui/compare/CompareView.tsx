/**
 * Compare: the same scenario under a second configuration, side by side, in lockstep, with the
 * differences marked. The second column is its own visualizer instance (store and worker); it
 * follows the first, and its actions are the first one's, since the scenario text is shared.
 */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { hex } from '../../core/hex.ts';
import type { VizStore } from '../../store/viz.ts';
import { createVizStore } from '../../store/viz.ts';
import { cpuDiff } from '../../worker/diff.ts';
import type { CpuDetail } from '../../worker/protocol.ts';
import { Cards } from '../Cards.tsx';
import { Button } from '../common/Button.tsx';
import { OtherCpusContext, useViz, useVizStore, VizContext } from '../context.ts';
import { IoapicTable } from '../ioapic/IoapicTable.tsx';
import { LanesView } from '../lanes/LanesView.tsx';
import { showEventText } from '../timeline/eventText.ts';
import { Counters } from '../timeline/TimelinePanel.tsx';
import type { FirstDifference } from './firstDifference.ts';
import { firstDifference } from './firstDifference.ts';

export const COMPARE_SUGGESTIONS = [
  'kvm.stale-eoi-rescan=off',
  'kvm.seoib=enabled',
  'kvm.seoib=disabled',
  'kvm.seoib=auto',
  'kvm.pv-eoi-disable-fix=off',
  'kvm.savic-eoi-write-check=off',
  'kvm.vector-hashing=off',
  'apicv=on',
  'irqchip=kernel',
  'ioapic.version=0x11',
];

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
  return (
    <VizContext.Provider value={store}>
      <OtherCpusContext.Provider value={otherCpus}>
        <section
          aria-label={`Column ${label}`}
          id={`side-${label}`}
          data-testid={`side-${label}`}
          className="min-w-0 space-y-3"
        >
          <div className="flex items-center gap-2 rounded bg-slate-200 px-2 py-1 dark:bg-slate-800">
            <h2 className="m-0 text-sm font-semibold">
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
            <LanesView title={`Delivery lanes · ${label}`} />
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
  if (d === undefined) return <p className="m-0 mb-1 text-slate-500">Looking for the first difference…</p>;
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
  if (fa.step !== fb.step) return <p className="text-xs text-slate-500">Catching up…</p>;
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

export function CompareView() {
  const a = useVizStore();
  const settings = useViz((s) => s.compare) ?? [];
  const setCompare = useViz((s) => s.setCompare);
  const joined = settings.join(' ');
  const [draft, setDraft] = useState(joined);
  const { b, error } = useFollower(a, settings);
  useEffect(() => setDraft(joined), [joined]);
  const apply = () => setCompare(draft.split(/[\s,]+/).filter(Boolean));
  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-xs shadow-sm dark:border-slate-700 dark:bg-slate-900"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <label htmlFor="compare-settings" className="font-semibold">
          Compare with
        </label>
        <input
          id="compare-settings"
          list="compare-suggestions"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          spellCheck={false}
          placeholder="kvm.stale-eoi-rescan=off"
          className="min-w-64 flex-1 rounded border border-slate-300 bg-white px-1 py-0.5 font-mono dark:border-slate-600 dark:bg-slate-950"
        />
        <datalist id="compare-suggestions">
          {COMPARE_SUGGESTIONS.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <Button type="submit">Apply</Button>
        <Button onClick={() => setCompare(null)}>Close compare</Button>
        {error && (
          <span role="alert" className="text-rose-700 dark:text-rose-300">
            {error}
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
