/** The vCPU cards: all of them in a small VM; in a large one the overview plus pinned and touched cards. */

import { ALL_DETAILED } from '../worker/protocol.ts';
import { useViz } from './context.ts';
import { VcpuCard } from './vcpu/VcpuCard.tsx';
import { VcpuOverview } from './vcpu/VcpuOverview.tsx';

export function Cards() {
  const cpus = useViz((s) => s.cpus);
  const changes = useViz((s) => s.frame?.changes);
  const vcpus = useViz((s) => s.frame?.view.vcpus ?? 0);
  const selected = useViz((s) => s.selected);
  const shown = Object.keys(cpus)
    .map(Number)
    .sort((a, b) => a - b);
  return (
    <div className="@container space-y-3">
      {vcpus > ALL_DETAILED && <VcpuOverview />}
      {vcpus > ALL_DETAILED && shown.length === 0 && (
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Select vCPUs in the list to see their cards; vCPUs the current step touches appear here too.
        </p>
      )}
      <div className="grid gap-3 @6xl:grid-cols-2">
        {shown.map((i) => (
          <VcpuCard key={i} cpu={cpus[i]} change={changes?.[i]} pinned={selected.includes(i)} />
        ))}
      </div>
    </div>
  );
}
