/** The IOAPIC: one row per pin, every RTE field editable in place, line actions on the row. */
import { memo, useEffect, useState } from 'react';
import type { RteFields } from '../../core/actions.ts';
import { hex } from '../../core/hex.ts';
import type { Read } from '../../scenario/grammar/index.ts';
import {
  DELIVERY_MODES,
  DEST_MODES,
  POLARITIES,
  RTE_DEST,
  readNumber,
  TRIGGERS,
  VECTOR,
} from '../../scenario/grammar/index.ts';
import type { IoapicView } from '../../worker/protocol.ts';
import { useAct } from '../act.ts';
import { Button } from '../common/Button.tsx';
import { useViz } from '../context.ts';

type Pin = IoapicView['pins'][number];

const cell = 'px-1 py-1 border-b border-slate-100 dark:border-slate-800';
const input =
  'rounded border border-slate-300 bg-white px-1 font-mono text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

/** A number field of the RTE: read as the language reads it; a wrong entry says why. */
function EditNumber({
  value,
  label,
  read,
  onCommit,
}: {
  value: string;
  label: string;
  read: (text: string) => Read<number>;
  onCommit: (v: number) => void;
}) {
  const [v, setV] = useState(value);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setV(value);
    setProblem(null);
  }, [value]);
  const commit = () => {
    if (v.trim() === value) return setProblem(null);
    const r = read(v);
    setProblem(r.ok ? null : r.error);
    if (r.ok) onCommit(r.value);
  };
  return (
    <>
      <input
        aria-label={label}
        aria-invalid={problem ? true : undefined}
        title={problem ?? undefined}
        value={v}
        size={4}
        spellCheck={false}
        onChange={(e) => setV(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') {
            setV(value);
            setProblem(null);
          }
        }}
        className={`${input} w-12 ${problem ? 'border-rose-500 dark:border-rose-400' : ''}`}
      />
      {problem && (
        <span role="alert" className="block max-w-40 text-[11px] text-rose-700 dark:text-rose-300">
          {problem}
        </span>
      )}
    </>
  );
}

function Choice({
  value,
  options,
  label,
  onCommit,
}: {
  value: string;
  options: readonly string[];
  label: string;
  onCommit: (v: string) => void;
}) {
  return (
    <select
      aria-label={label}
      value={value}
      onChange={(e) => onCommit(e.target.value)}
      className={`${input} py-0.5`}
    >
      {options.map((o) => (
        <option key={o}>{o}</option>
      ))}
    </select>
  );
}

/** Rows re-render only when their pin's fields change (frames bring new but often equal objects). */
const samePin = (a: { p: Pin; changed: boolean }, b: { p: Pin; changed: boolean }) =>
  a.changed === b.changed && JSON.stringify(a.p) === JSON.stringify(b.p);

const PinRow = memo(function PinRow({ p, changed }: { p: Pin; changed: boolean }) {
  const act = useAct();
  const route = (fields: Partial<RteFields>) => act({ kind: 'route', pin: p.pin, fields });
  /** The index of a word in its grammar list: the number the core uses (`level` → 1). */
  const at = <T extends number>(words: readonly string[], w: string) => words.indexOf(w) as T;
  const L = (f: string) => `pin ${p.pin} ${f}`;
  return (
    <tr data-testid={`pin-${p.pin}`} className={changed ? 'bg-sky-50 dark:bg-sky-950' : ''}>
      <th scope="row" className={`${cell} text-right font-mono font-semibold`}>
        {p.pin}
      </th>
      <td className={cell}>
        <span
          className={`inline-block min-w-8 rounded px-1 text-center font-mono text-[11px] font-semibold ${p.line ? 'bg-amber-200 text-amber-950 dark:bg-amber-700 dark:text-amber-50' : 'bg-slate-100 text-slate-500 dark:bg-slate-800 dark:text-slate-400'}`}
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
              : 'text-slate-400'
          }
          title="Remote IRR: a level interrupt is in flight until its EOI"
        >
          {p.remoteIrr}
        </span>
      </td>
      <td className={`${cell} text-center font-mono`}>{p.irr}</td>
      <td className={`${cell} whitespace-nowrap`}>
        <span className="inline-flex gap-0.5 [&>button]:px-1" role="group" aria-label={`pin ${p.pin} line`}>
          <Button
            onClick={() => act({ kind: 'assert', pin: p.pin })}
            aria-label={`assert pin ${p.pin}`}
            title="The device drives the line to 1"
          >
            assert
          </Button>
          <Button
            onClick={() => act({ kind: 'deassert', pin: p.pin })}
            aria-label={`deassert pin ${p.pin}`}
            title="The device drives the line to 0"
          >
            deassert
          </Button>
          <Button
            onClick={() => act({ kind: 'pulse', pin: p.pin })}
            aria-label={`pulse pin ${p.pin}`}
            title="An edge: assert, then deassert"
          >
            pulse
          </Button>
        </span>
      </td>
      <td className={cell}>
        <EditNumber
          value={hex(p.vector, 2)}
          label={L('vector')}
          read={(t) => readNumber(t, 'vector', VECTOR)}
          onCommit={(vector) => route({ vector })}
        />
      </td>
      <td className={cell}>
        <Choice
          value={p.trigger}
          options={TRIGGERS}
          label={L('trigger')}
          onCommit={(v) => route({ trigger: at(TRIGGERS, v) })}
        />
      </td>
      <td className={cell}>
        <EditNumber
          value={String(p.dest)}
          label={L('destination')}
          read={(t) => readNumber(t, 'RTE dest', RTE_DEST)}
          onCommit={(dest) => route({ dest })}
        />
      </td>
      <td className={cell}>
        <Choice
          value={p.destMode}
          options={DEST_MODES}
          label={L('destination mode')}
          onCommit={(v) => route({ destMode: at(DEST_MODES, v) })}
        />
      </td>
      <td className={cell}>
        <Choice
          value={p.delivery}
          options={DELIVERY_MODES}
          label={L('delivery mode')}
          onCommit={(v) => route({ deliveryMode: at(DELIVERY_MODES, v) })}
        />
      </td>
      <td className={cell}>
        <Choice
          value={p.polarity}
          options={POLARITIES}
          label={L('polarity')}
          onCommit={(v) => route({ polarity: at(POLARITIES, v) })}
        />
      </td>
      <td className={`${cell} text-center`}>
        <input
          type="checkbox"
          aria-label={L('masked')}
          checked={p.mask === 1}
          onChange={(e) => act({ kind: e.target.checked ? 'mask' : 'unmask', pin: p.pin })}
          className="h-3.5 w-3.5 accent-sky-600"
        />
      </td>
      <td className={`${cell} text-right font-mono tabular-nums`}>{p.deliveries}</td>
      <td className={`${cell} text-right font-mono tabular-nums`}>{p.stormCount}</td>
    </tr>
  );
}, samePin);

export function IoapicTable() {
  const io = useViz((s) => s.frame?.view.ioapic);
  const version = useViz((s) => s.frame?.view.ioapicVersion ?? 0);
  const changedPins = useViz((s) => s.frame?.changedPins);
  const usedPins = useViz((s) => s.info?.pins);
  const [all, setAll] = useState(false);
  if (!io) return null;
  const changed = new Set(changedPins ?? []);
  const used = new Set(usedPins ?? []);
  const interesting = io.pins.filter(
    (p) =>
      all ||
      used.has(p.pin) ||
      p.mask === 0 ||
      p.line ||
      p.irr ||
      p.remoteIrr ||
      p.vector ||
      changed.has(p.pin),
  );
  return (
    <section
      aria-labelledby="ioapic-h"
      className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <header className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="ioapic-h" className="m-0 text-sm font-semibold">
          IOAPIC{' '}
          <span className="font-normal text-slate-500 dark:text-slate-400">
            version {hex(version & 0xff, 2)} (VERSION reads {hex(version)})
          </span>
        </h2>
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
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-xs">
          <thead className="text-left text-[11px] text-slate-500 dark:text-slate-400">
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
              <th className="px-1">dest mode</th>
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
          <p className="text-xs text-slate-500">
            Every pin is at its reset value (masked). Tick “show all 24 pins” to program one.
          </p>
        )}
      </div>
    </section>
  );
}
