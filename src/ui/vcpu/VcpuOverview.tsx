/**
 * Every vCPU as one compact row (a virtualized list, so 4096 stay cheap): highest IRR and ISR
 * vectors, counts, PPR, IF. Selecting a row pins its full card.
 */
import { useState } from 'react';
import { ROW, ROW_FIELDS } from '../../worker/view.ts';
import { hex2 } from '../common/hex.ts';
import { useViz } from '../context.ts';

const ROW_H = 22;
const HEIGHT = 264;

export function VcpuOverview() {
  const rows = useViz((s) => s.frame?.view.rows);
  const vcpus = useViz((s) => s.frame?.view.vcpus ?? 0);
  const touched = useViz((s) => s.frame?.touched);
  const selected = useViz((s) => s.selected);
  const toggle = useViz((s) => s.toggleSelected);
  const [scroll, setScroll] = useState(0);
  if (!rows) return null;
  const hot = new Set(touched ?? []);
  const first = Math.max(0, Math.floor(scroll / ROW_H) - 4);
  const last = Math.min(vcpus, first + Math.ceil(HEIGHT / ROW_H) + 8);
  const items = [];
  for (let i = first; i < last; i++) {
    const o = i * ROW_FIELDS;
    const irrTop = rows[o + ROW.irrTop];
    const isrTop = rows[o + ROW.isrTop];
    const pinned = selected.includes(i);
    items.push(
      <li key={i} style={{ position: 'absolute', top: i * ROW_H, height: ROW_H, left: 0, right: 0 }}>
        <button
          type="button"
          onClick={() => toggle(i)}
          aria-pressed={pinned}
          aria-label={`vCPU ${i}: IRR ${rows[o + ROW.irrCount]} pending, ISR ${rows[o + ROW.isrCount]} in service${pinned ? ', pinned' : ''}`}
          className={`grid h-full w-full grid-cols-[3.5rem_4rem_4rem_3rem_3rem_2.5rem_2rem] items-center px-2 text-left font-mono text-[11px] tabular-nums focus-visible:outline-2 focus-visible:outline-sky-500 ${pinned ? 'bg-sky-100 dark:bg-sky-900' : hot.has(i) ? 'bg-amber-50 dark:bg-amber-950' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
        >
          <span className="font-semibold">{i}</span>
          <span>{irrTop >= 0 ? `${hex2(irrTop)}×${rows[o + ROW.irrCount]}` : '—'}</span>
          <span>{isrTop >= 0 ? `${hex2(isrTop)}×${rows[o + ROW.isrCount]}` : '—'}</span>
          <span>{rows[o + ROW.handledCount]}</span>
          <span>{hex2(rows[o + ROW.ppr])}</span>
          <span>{rows[o + ROW.if]}</span>
          <span>{rows[o + ROW.stale] >= 0 ? hex2(rows[o + ROW.stale]) : ''}</span>
        </button>
      </li>,
    );
  }
  return (
    <section
      aria-labelledby="ov-h"
      className="rounded-lg border border-slate-200 bg-white p-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
    >
      <h2 id="ov-h" className="m-0 mb-1 text-sm font-semibold">
        All {vcpus.toLocaleString('en-US')} vCPUs{' '}
        <span className="font-normal text-slate-500 dark:text-slate-400">
          · select a row to pin its card; rows the last step touched are tinted
        </span>
      </h2>
      <div
        className="grid grid-cols-[3.5rem_4rem_4rem_3rem_3rem_2.5rem_2rem] px-2 text-[10px] font-semibold text-slate-500 dark:text-slate-400"
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
      <div
        onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
        style={{ height: HEIGHT }}
        className="overflow-y-auto"
        data-testid="vcpu-overview"
      >
        <ol
          aria-label="vCPUs"
          style={{ position: 'relative', height: vcpus * ROW_H }}
          className="m-0 list-none p-0"
        >
          {items}
        </ol>
      </div>
    </section>
  );
}
