/**
 * Every vCPU as one compact row (a virtualized list, so 4096 stay cheap): highest IRR and ISR
 * vectors, counts, PPR, IF. Selecting a row pins its full card.
 */

import { useContext, useId } from 'react';
import { hex } from '../../core/hex.ts';
import { ROW, ROW_FIELDS } from '../../worker/protocol.ts';
import { grouped } from '../common/format.ts';
import { VirtualList } from '../common/VirtualList.tsx';
import { ColumnContext, useViz } from '../context.ts';

const ROW_H = 22;
const HEIGHT = 264;

export function VcpuOverview() {
  const rows = useViz((s) => s.frame?.view.rows);
  const vcpus = useViz((s) => s.frame?.view.vcpus ?? 0);
  const touched = useViz((s) => s.frame?.touched);
  const selected = useViz((s) => s.selected);
  const toggle = useViz((s) => s.toggleSelected);
  const hid = useId();
  const column = useContext(ColumnContext);
  if (!rows) return null;
  const hot = new Set(touched ?? []);
  const row = (i: number) => {
    const o = i * ROW_FIELDS;
    const irrTop = rows[o + ROW.irrTop];
    const isrTop = rows[o + ROW.isrTop];
    const pinned = selected.includes(i);
    return (
      <button
        type="button"
        onClick={() => toggle(i)}
        aria-pressed={pinned}
        className={`grid h-full w-full grid-cols-[3.5rem_4rem_4rem_3rem_3rem_2.5rem_2rem] items-center px-2 text-left font-mono text-[11px] tabular-nums focus-visible:outline-2 focus-visible:outline-sky-500 ${pinned ? 'bg-sky-100 dark:bg-sky-900' : hot.has(i) ? 'bg-amber-50 dark:bg-amber-950' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
      >
        {/* The name: the row in words (the columns are drawn for the eye only). */}
        <span className="sr-only">
          {`vCPU ${i}: IRR ${rows[o + ROW.irrCount]} pending${irrTop >= 0 ? `, top ${hex(irrTop, 2)}` : ''}, ISR ${rows[o + ROW.isrCount]} in service${isrTop >= 0 ? `, top ${hex(isrTop, 2)}` : ''}, ${rows[o + ROW.handledCount]} handled, PPR ${hex(rows[o + ROW.ppr], 2)}, IF=${rows[o + ROW.if]}${rows[o + ROW.stale] >= 0 ? `, stale EOI ${hex(rows[o + ROW.stale], 2)}` : ''}${pinned ? ', pinned' : ''}`}
        </span>
        <span aria-hidden="true" className="font-semibold">
          {i}
        </span>
        <span aria-hidden="true">{irrTop >= 0 ? `${hex(irrTop, 2)}×${rows[o + ROW.irrCount]}` : '—'}</span>
        <span aria-hidden="true">{isrTop >= 0 ? `${hex(isrTop, 2)}×${rows[o + ROW.isrCount]}` : '—'}</span>
        <span aria-hidden="true">{rows[o + ROW.handledCount]}</span>
        <span aria-hidden="true">{hex(rows[o + ROW.ppr], 2)}</span>
        <span aria-hidden="true">{rows[o + ROW.if]}</span>
        <span aria-hidden="true">{rows[o + ROW.stale] >= 0 ? hex(rows[o + ROW.stale], 2) : ''}</span>
      </button>
    );
  };
  return (
    <section
      aria-labelledby={column ? `${column} ${hid}` : hid}
      className="skip-offscreen rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <h2 id={hid} className="m-0 mb-1 text-sm font-semibold">
        All {grouped(vcpus)} vCPUs{' '}
        <span className="font-normal text-slate-600 dark:text-slate-400">
          · select a row to pin its card; rows the last step touched are tinted
        </span>
      </h2>
      <div
        className="grid grid-cols-[3.5rem_4rem_4rem_3rem_3rem_2.5rem_2rem] px-2 text-[10px] font-semibold text-slate-600 dark:text-slate-400"
        aria-hidden="true"
      >
        <span>vCPU</span>
        <span>IRR top</span>
        <span>ISR top</span>
        <span>hndl</span>
        <span>PPR</span>
        <span>IF</span>
        <span>stale</span>
      </div>
      <VirtualList
        count={vcpus}
        rowHeight={ROW_H}
        height={HEIGHT}
        label="vCPUs"
        row={row}
        testId="vcpu-overview"
      />
    </section>
  );
}
