/**
 * The IOAPIC: one row per pin, line actions on the row, every RTE field editable in place. Field
 * edits are staged and commit together as ONE `route` step (Enter, or the row's Route button).
 */
import { memo, useCallback, useContext, useId, useRef, useState } from 'react';
import type { Action, RteFields } from '../../core/actions.ts';
import { hex } from '../../core/hex.ts';
import type { Read } from '../../scenario/grammar/index.ts';
import {
  DELIVERY_MODES,
  DEST_MODES,
  POLARITIES,
  printAction,
  RTE_DEST,
  readNumber,
  TRIGGERS,
  VECTOR,
} from '../../scenario/grammar/index.ts';
import type { IoapicView } from '../../worker/protocol.ts';
import { useAct } from '../act.ts';
import { Button } from '../common/Button.tsx';
import { Toolbar } from '../common/roving.tsx';
import { ColumnContext, useViz } from '../context.ts';

type Pin = IoapicView['pins'][number];

const cell = 'px-0.5 py-1 border-b border-slate-100 dark:border-slate-800';
const input =
  'rounded border border-slate-300 bg-white px-1 font-mono text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

function EditNumber({
  value,
  label,
  onStage,
  onCommit,
}: {
  value: string;
  label: string;
  onStage: (v: string) => void;
  onCommit: () => void;
}) {
  return (
    <input
      aria-label={label}
      value={value}
      size={4}
      spellCheck={false}
      onChange={(e) => onStage(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onCommit();
      }}
      className={`${input} w-11`}
    />
  );
}

function Choice({
  value,
  options,
  label,
  onStage,
}: {
  value: string;
  options: [string, string][];
  label: string;
  onStage: (v: string) => void;
}) {
  return (
    <select
      aria-label={label}
      value={value}
      onChange={(e) => onStage(e.target.value)}
      className={`${input} py-0.5`}
    >
      {options.map(([v, shown]) => (
        <option key={v} value={v}>
          {shown}
        </option>
      ))}
    </select>
  );
}

/** The RTE fields a row edits, as the `route` action names them. */
type Field = 'vector' | 'trigger' | 'dest' | 'destmode' | 'delivery' | 'polarity';

function fieldsOf(p: Pin): Record<Field, string> {
  return {
    vector: hex(p.vector, 2),
    trigger: p.trigger,
    dest: String(p.dest),
    destmode: p.destMode,
    delivery: p.delivery,
    polarity: p.polarity,
  };
}

/** How each field of a row is read, as the language reads it, into the `route` action's fields. */
const READ: Record<Field, (t: string) => Read<Partial<RteFields>>> = {
  vector: (t) => map(readNumber(t, 'vector', VECTOR), (vector) => ({ vector })),
  dest: (t) => map(readNumber(t, 'RTE dest', RTE_DEST), (dest) => ({ dest })),
  trigger: (t) => word(t, TRIGGERS, (v) => ({ trigger: v as RteFields['trigger'] })),
  destmode: (t) => word(t, DEST_MODES, (v) => ({ destMode: v as RteFields['destMode'] })),
  delivery: (t) => word(t, DELIVERY_MODES, (v) => ({ deliveryMode: v as RteFields['deliveryMode'] })),
  polarity: (t) => word(t, POLARITIES, (v) => ({ polarity: v as RteFields['polarity'] })),
};

function map<T, U>(r: Read<T>, f: (v: T) => U): Read<U> {
  return r.ok ? { ok: true, value: f(r.value) } : r;
}

/** A word of the grammar's list: the core's number is its index (`level` → 1). */
function word(
  t: string,
  words: readonly string[],
  f: (v: number) => Partial<RteFields>,
): Read<Partial<RteFields>> {
  const i = words.indexOf(t.trim());
  return i < 0
    ? { ok: false, error: `'${t.trim()}' is not one of ${words.join(', ')}` }
    : { ok: true, value: f(i) };
}

/**
 * The `route` action for the fields of `draft` that differ from the pin's: one step for the whole
 * entry; null when nothing changed; a wrong field says why in the language's words.
 */
export function routeAction(
  pin: number,
  current: Record<Field, string>,
  draft: Partial<Record<Field, string>>,
): Read<Action | null> {
  let fields: Partial<RteFields> = {};
  let any = false;
  for (const f of Object.keys(current) as Field[]) {
    const t = draft[f];
    if (t === undefined || t.trim() === current[f]) continue;
    const r = READ[f](t);
    if (!r.ok) return r;
    fields = { ...fields, ...r.value };
    any = true;
  }
  return { ok: true, value: any ? { kind: 'route', pin, fields } : null };
}

/** Rows re-render only when their pin's fields change (frames bring new but often equal objects). */
const samePin = (a: { p: Pin; changed: boolean }, b: { p: Pin; changed: boolean }) =>
  a.changed === b.changed && JSON.stringify(a.p) === JSON.stringify(b.p);

/** The RTE's editors in column order: field, accessible name, choices (none: a number). */
const EDITORS: readonly (readonly [Field, string, [string, string][] | null])[] = [
  ['vector', 'vector', null],
  [
    'trigger',
    'trigger',
    [
      ['edge', 'edge'],
      ['level', 'level'],
    ],
  ],
  ['dest', 'destination', null],
  [
    'destmode',
    'destination mode',
    [
      ['physical', 'phys'],
      ['logical', 'logical'],
    ],
  ],
  [
    'delivery',
    'delivery mode',
    [
      ['fixed', 'fixed'],
      ['lowest', 'lowest'],
    ],
  ],
  [
    'polarity',
    'polarity',
    [
      ['high', 'high'],
      ['low', 'low'],
    ],
  ],
];

/** A pin's line actions and RTE editors: they change only when the entry or its staged edits do. */
const PinControls = memo(function PinControls({
  pin,
  masked,
  stage,
  commit,
  ...values
}: Record<Field, string> & {
  pin: number;
  masked: boolean;
  stage: (f: Field, v: string) => void;
  commit: () => void;
}) {
  const act = useAct();
  const L = (f: string) => `pin ${pin} ${f}`;
  return (
    <>
      <td className={`${cell} whitespace-nowrap`}>
        <Toolbar className="inline-flex gap-0.5 [&>button]:px-1" label={`pin ${pin} line`}>
          <Button
            onClick={() => act({ kind: 'assert', pin })}
            aria-label={`assert pin ${pin}`}
            title="The device drives the line to 1"
          >
            assert
          </Button>
          <Button
            onClick={() => act({ kind: 'deassert', pin })}
            aria-label={`deassert pin ${pin}`}
            title="The device drives the line to 0"
          >
            deassert
          </Button>
          <Button
            onClick={() => act({ kind: 'pulse', pin })}
            aria-label={`pulse pin ${pin}`}
            title="An edge: assert, then deassert"
          >
            pulse
          </Button>
        </Toolbar>
      </td>
      {EDITORS.map(([f, what, options]) => (
        <td key={f} className={cell}>
          {options ? (
            <Choice value={values[f]} onStage={(v) => stage(f, v)} options={options} label={L(what)} />
          ) : (
            <EditNumber value={values[f]} onStage={(v) => stage(f, v)} label={L(what)} onCommit={commit} />
          )}
        </td>
      ))}
      <td className={`${cell} text-center`}>
        <input
          type="checkbox"
          aria-label={L('masked')}
          checked={masked}
          onChange={(e) => act({ kind: e.target.checked ? 'mask' : 'unmask', pin })}
          className="h-3.5 w-3.5 accent-sky-600"
        />
      </td>
    </>
  );
});

const PinRow = memo(function PinRow({ p, changed }: { p: Pin; changed: boolean }) {
  const act = useAct();
  const current = fieldsOf(p);
  // What is staged belongs to the pin's entry it was staged on: a new entry (another step on
  // screen, or the route done) drops it.
  const key = JSON.stringify(current);
  const [staged, setStaged] = useState<{ key: string; f: Partial<Record<Field, string>> }>({ key, f: {} });
  const draft = staged.key === key ? staged.f : {};
  const setDraft = (f: Partial<Record<Field, string>>) => setStaged({ key, f });
  const routed = routeAction(p.pin, current, draft);
  const route = routed.ok ? routed.value : null;
  const line = route ? printAction(route) : null;
  const problem = routed.ok ? null : routed.error;
  // Stable callbacks that read the latest render's values, so that the controls below stay
  // memoized while a run changes the pin's live columns 10 times a second.
  const latest = useRef({ key, route });
  latest.current = { key, route };
  const commit = useCallback(() => {
    const r = latest.current.route;
    if (r) act(r);
  }, [act]);
  const stage = useCallback((f: Field, v: string) => {
    const { key } = latest.current;
    setStaged((prev) => ({ key, f: { ...(prev.key === key ? prev.f : {}), [f]: v } }));
  }, []);
  const values = Object.fromEntries(
    (Object.keys(current) as Field[]).map((f) => [f, draft[f] ?? current[f]]),
  ) as Record<Field, string>;
  return (
    <>
      <tr data-testid={`pin-${p.pin}`} className={changed ? 'bg-sky-50 dark:bg-sky-950' : ''}>
        <th scope="row" className={`${cell} text-right font-mono font-semibold`}>
          {p.pin}
        </th>
        <td className={cell}>
          <span
            className={`inline-block min-w-8 rounded px-1 text-center font-mono text-[11px] font-semibold ${p.line ? 'bg-amber-200 text-amber-950 dark:bg-amber-700 dark:text-amber-50' : 'bg-slate-100 text-slate-600 dark:text-slate-400 dark:bg-slate-800 dark:text-slate-400'}`}
            title="The device's line level"
          >
            {p.line ? 'high' : 'low'}
          </span>
        </td>
        <td className={`${cell} text-center font-mono`}>
          <span
            className={
              p.remoteIrr
                ? 'rounded bg-rose-200 px-1 font-semibold text-rose-950 dark:bg-rose-800 dark:text-rose-50'
                : 'text-slate-600 dark:text-slate-400'
            }
            title="Remote IRR: a level interrupt is in flight until its EOI"
          >
            {p.remoteIrr}
          </span>
        </td>
        <td className={`${cell} text-center font-mono`}>{p.irr}</td>
        <PinControls
          pin={p.pin}
          masked={p.mask === 1}
          vector={values.vector}
          trigger={values.trigger}
          dest={values.dest}
          destmode={values.destmode}
          delivery={values.delivery}
          polarity={values.polarity}
          stage={stage}
          commit={commit}
        />
        <td className={`${cell} text-right font-mono tabular-nums`}>{p.deliveries}</td>
        <td className={`${cell} text-right font-mono tabular-nums`}>{p.stormCount}</td>
      </tr>
      {(line || problem) && (
        <tr data-testid={`pin-${p.pin}-staged`}>
          <td colSpan={14} className={`${cell} text-right`}>
            {/* The staged entry, as the one step it will be (or why it cannot be one). */}
            <span className="inline-flex flex-wrap items-center justify-end gap-1">
              {line ? (
                <>
                  <code className="font-mono text-[11px] text-slate-700 dark:text-slate-300">{line}</code>
                  <Button
                    onClick={commit}
                    className="border-sky-500 font-semibold"
                    aria-label={`Route pin ${p.pin}: ${line}`}
                    title="Commit the edited entry as one step (or press Enter in a field)"
                  >
                    Route
                  </Button>
                </>
              ) : (
                <span role="alert" className="whitespace-normal text-[11px] text-rose-700 dark:text-rose-300">
                  {problem}
                </span>
              )}
              <Button
                onClick={() => setDraft({})}
                aria-label={`Revert pin ${p.pin}`}
                title="Drop the staged edits"
              >
                Revert
              </Button>
            </span>
          </td>
        </tr>
      )}
    </>
  );
}, samePin);

/** The table's heading, "route pin" and "show all": unchanged by a run's live frames. */
const IoapicHeader = memo(function IoapicHeader({
  hid,
  version,
  pins,
  extra,
  setExtra,
  all,
  setAll,
}: {
  hid: string;
  version: number;
  pins: number;
  extra: number[];
  setExtra: (pins: number[]) => void;
  all: boolean;
  setAll: (all: boolean) => void;
}) {
  const [newPin, setNewPin] = useState('');
  return (
    <header className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
      <h2 id={hid} className="m-0 text-sm font-semibold">
        IOAPIC{' '}
        <span className="font-normal text-slate-600 dark:text-slate-400">
          version {hex(version & 0xff, 2)} (VERSION reads {hex(version)})
        </span>
      </h2>
      <form
        className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number.parseInt(newPin, 10);
          if (Number.isInteger(n) && n >= 0 && n < pins && !extra.includes(n)) setExtra([...extra, n]);
          setNewPin('');
        }}
      >
        <label htmlFor={`${hid}-route-pin`}>route pin</label>
        <input
          id={`${hid}-route-pin`}
          value={newPin}
          onChange={(e) => setNewPin(e.target.value)}
          inputMode="numeric"
          placeholder="0–23"
          className={`${input} w-12`}
          aria-label="Route a pin: its number (0–23)"
        />
        <Button type="submit" title="Add this pin's row to program its entry">
          Add row
        </Button>
      </form>
      <label className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => setAll(e.target.checked)}
          className="accent-sky-600"
        />
        show all 24 pins
      </label>
    </header>
  );
});

export function IoapicTable() {
  const io = useViz((s) => s.frame?.view.ioapic);
  const version = useViz((s) => s.frame?.view.ioapicVersion ?? 0);
  const changedPins = useViz((s) => s.frame?.changedPins);
  const usedPins = useViz((s) => s.info?.pins);
  const all = useViz((s) => s.allPins);
  const setAll = useViz((s) => s.setAllPins);
  /** Pins the user asked to route (shown without showing all 24). */
  const [extra, setExtra] = useState<number[]>([]);
  const hid = useId();
  const column = useContext(ColumnContext);
  if (!io) return null;
  const changed = new Set(changedPins ?? []);
  const used = new Set(usedPins ?? []);
  const interesting = io.pins.filter(
    (p) =>
      all ||
      used.has(p.pin) ||
      extra.includes(p.pin) ||
      p.mask === 0 ||
      p.line ||
      p.irr ||
      p.remoteIrr ||
      p.vector ||
      changed.has(p.pin),
  );
  return (
    <section
      aria-labelledby={column ? `${column} ${hid}` : hid}
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <IoapicHeader
        hid={hid}
        version={version}
        pins={io.pins.length}
        extra={extra}
        setExtra={setExtra}
        all={all}
        setAll={setAll}
      />
      <div className="relative overflow-x-auto">
        <table className="w-full border-collapse text-xs">
          <thead className="text-left text-[11px] text-slate-600 dark:text-slate-400">
            <tr>
              <th className="px-1 text-right">pin</th>
              <th className="px-1">line</th>
              <th className="px-1 text-center" title="remote IRR">
                rIRR
              </th>
              <th className="px-1 text-center">irr</th>
              <th className="px-1">device</th>
              <th className="px-1">vector</th>
              <th className="px-1">trigger</th>
              <th className="px-1">dest</th>
              <th className="px-1" title="destination mode">
                mode
              </th>
              <th className="px-1">delivery</th>
              <th className="px-1">polarity</th>
              <th className="px-1 text-center">mask</th>
              <th className="px-1 text-right" title="messages sent">
                sent
              </th>
              <th className="px-1 text-right" title="successive EOIs with the line high (storm counter)">
                storm
              </th>
            </tr>
          </thead>
          <tbody>
            {interesting.map((p) => (
              <PinRow key={p.pin} p={p} changed={changed.has(p.pin)} />
            ))}
          </tbody>
        </table>
        {interesting.length === 0 && (
          <p className="text-xs text-slate-600 dark:text-slate-400">
            Every pin is at its reset value (masked). Type a pin number in “route pin” to program one.
          </p>
        )}
      </div>
    </section>
  );
}
