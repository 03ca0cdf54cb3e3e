/**
 * Where two sessions' traces part ways: the first event whose kind, vCPU, vector or pin differ
 * (the path the interrupt takes), not a field printed differently along the same path.
 */
import type { StepEvents } from '../../worker/protocol.ts';

export interface FirstDifference {
  step: number;
  index: number;
  /** "type text" of each side's event there, or null when that side has no such event. */
  a: string | null;
  b: string | null;
  /** Each side's why there (it names the rule that side applied), or null. */
  whyA: string | null;
  whyB: string | null;
}

type Ev = StepEvents['events'][number];
const path = (e: Ev | undefined) => (e ? `${e.type}|${e.cpu}|${e.vector ?? ''}|${e.pin ?? ''}` : null);
const name = (e: Ev | undefined) => (e ? `${e.type}${e.cpu >= 0 ? ` [vCPU ${e.cpu}]` : ''} ${e.text}` : null);

export function firstDifference(a: StepEvents[], b: StepEvents[]): FirstDifference | null {
  const steps = Math.max(a.length, b.length);
  for (let k = 0; k < steps; k++) {
    const ea = a[k]?.events ?? [];
    const eb = b[k]?.events ?? [];
    const n = Math.max(ea.length, eb.length);
    for (let i = 0; i < n; i++) {
      if (path(ea[i]) !== path(eb[i]))
        return {
          step: a[k]?.step ?? b[k]?.step ?? k + 1,
          index: i,
          a: name(ea[i]),
          b: name(eb[i]),
          whyA: ea[i]?.why ?? null,
          whyB: eb[i]?.why ?? null,
        };
    }
  }
  return null;
}
