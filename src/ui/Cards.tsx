/** The vCPU cards: all of them in a small VM; in a large one the overview plus pinned and touched cards. */

import type { ReactNode } from 'react';
import { useEffect, useRef, useState } from 'react';
import { ALL_DETAILED } from '../worker/protocol.ts';
import { useViz } from './context.ts';
import { VcpuCard } from './vcpu/VcpuCard.tsx';
import { VcpuOverview } from './vcpu/VcpuOverview.tsx';

/** About a card's height, so that a card not yet drawn holds its place. */
const CARD_H = 420;

/**
 * Draws its card once it comes near the screen. In a large VM the cards a step touches change
 * at every step and usually sit below the fold: mounting eight of them cost most of a step's
 * 100+ ms at 64 vCPUs. Pinned cards are drawn at once (the user asked for them).
 */
function WhenNear({ cpu, children }: { cpu: number; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [near, setNear] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = ref.current;
    if (near || !el) return;
    const io = new IntersectionObserver((seen) => seen.some((s) => s.isIntersecting) && setNear(true), {
      rootMargin: '400px 0px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, [near]);
  if (near) return children;
  return (
    <div
      ref={ref}
      style={{ height: CARD_H }}
      className="rounded-lg border border-dashed border-slate-200 p-3 text-xs text-slate-600 dark:border-slate-700 dark:text-slate-400"
    >
      vCPU {cpu}
    </div>
  );
}

export function Cards() {
  const cpus = useViz((s) => s.cpus);
  const changes = useViz((s) => s.frame?.changes);
  const vcpus = useViz((s) => s.frame?.view.vcpus ?? 0);
  const selected = useViz((s) => s.selected);
  const shown = Object.keys(cpus)
    .map(Number)
    .sort((a, b) => a - b);
  const large = vcpus > ALL_DETAILED;
  return (
    <div className="@container space-y-3">
      {large && <VcpuOverview />}
      {large && shown.length === 0 && (
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Select vCPUs in the list to see their cards; vCPUs the current step touches appear here too.
        </p>
      )}
      <div className="grid gap-3 @6xl:grid-cols-2">
        {shown.map((i) => {
          const pinned = selected.includes(i);
          const card = <VcpuCard key={i} cpu={cpus[i]} change={changes?.[i]} pinned={pinned} />;
          return large && !pinned ? (
            <WhenNear key={i} cpu={i}>
              {card}
            </WhenNear>
          ) : (
            card
          );
        })}
      </div>
    </div>
  );
}
