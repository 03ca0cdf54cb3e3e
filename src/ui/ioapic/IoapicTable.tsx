/** The IOAPIC: one row per pin, every RTE field editable in place, line actions on the row. */
import { memo, useContext, useEffect, useId, useState } from 'react';
import { hex } from '../../core/hex.ts';
import type { IoapicView } from '../../worker/protocol.ts';
import { Button } from '../common/Button.tsx';
import { Toolbar } from '../common/roving.tsx';
import { ColumnContext, useViz } from '../context.ts';

type Pin = IoapicView['pins'][number];

const cell = 'px-1 py-1 border-b border-slate-100 dark:border-slate-800';
const input =
  'rounded border border-slate-300 bg-white px-1 font-mono text-xs text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100';

function EditNumber({
  value,
  label,
  onCommit,
}: {
  value: string;
  label: string;
  onCommit: (v: string) => void;
}) {
  const [v, setV] = useState(value);
  useEffect(() => setV(value), [value]);
  const commit = () => {
    if (v.trim() !== value) onCommit(v.trim());
  };
  return (
    <input
      aria-label={label}
      value={v}
      size={4}
      spellCheck={false}
      onChange={(e) => setV(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setV(value);
      }}
      className={`${input} w-12`}
    />
  );
}

function Choice({
  value,
  options,
  label,
  onCommit,
}: {
  value: string;
  options: string[];
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
  const act = useViz((s) => s.act);
  const route = (field: string, value: string) => act([`route ${p.pin} ${field}=${value}`]);
  const L = (f: string) => `pin ${p.pin} ${f}`;
  return (
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
      <td className={`${cell} whitespace-nowrap`}>
        <Toolbar className="inline-flex gap-0.5 [&>button]:px-1" label={`pin ${p.pin} line`}>
          <Button
            onClick={() => act([`assert ${p.pin}`])}
            aria-label={`assert pin ${p.pin}`}
            title="The device drives the line to 1"
          >
            assert
          </Button>
          <Button
            onClick={() => act([`deassert ${p.pin}`])}
            aria-label={`deassert pin ${p.pin}`}
            title="The device drives the line to 0"
          >
            deassert
          </Button>
          <Button
            onClick={() => act([`pulse ${p.pin}`])}
            aria-label={`pulse pin ${p.pin}`}
            title="An edge: assert, then deassert"
          >
            pulse
          </Button>
        </Toolbar>
      </td>
      <td className={cell}>
        <EditNumber value={hex(p.vector, 2)} label={L('vector')} onCommit={(v) => route('vector', v)} />
      </td>
      <td className={cell}>
        <Choice
          value={p.trigger}
          options={['edge', 'level']}
          label={L('trigger')}
          onCommit={(v) => route('trigger', v)}
        />
      </td>
      <td className={cell}>
        <EditNumber value={String(p.dest)} label={L('destination')} onCommit={(v) => route('dest', v)} />
      </td>
      <td className={cell}>
        <Choice
          value={p.destMode}
          options={['physical', 'logical']}
          label={L('destination mode')}
          onCommit={(v) => route('destmode', v)}
        />
      </td>
      <td className={cell}>
        <Choice
          value={p.delivery}
          options={['fixed', 'lowest']}
          label={L('delivery mode')}
          onCommit={(v) => route('delivery', v)}
        />
      </td>
      <td className={cell}>
        <Choice
          value={p.polarity}
          options={['high', 'low']}
          label={L('polarity')}
          onCommit={(v) => route('polarity', v)}
        />
      </td>
      <td className={`${cell} text-center`}>
        <input
          type="checkbox"
          aria-label={L('masked')}
          checked={p.mask === 1}
          onChange={(e) => act([`${e.target.checked ? 'mask' : 'unmask'} ${p.pin}`])}
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
  const hid = useId();
  const column = useContext(ColumnContext);
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
      aria-labelledby={column ? `${column} ${hid}` : hid}
      className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <header className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={hid} className="m-0 text-sm font-semibold">
          IOAPIC{' '}
          <span className="font-normal text-slate-600 dark:text-slate-400">
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
          <p className="text-xs text-slate-600 dark:text-slate-400">
            Every pin is at its reset value (masked). Tick “show all 24 pins” to program one.
          </p>
        )}
      </div>
    </section>
  );
}
