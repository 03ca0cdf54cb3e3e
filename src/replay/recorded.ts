/**
 * Whether a run's result handed over from another worker (a checkpoint, issue 14.6) can be the
 * result of the next step here. It came through the page as data from another realm: a state
 * that does not fit is refused, and the step is run instead.
 */
import type { TraceEvent } from '../core/events.ts';
import { STEP_NS } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';

/**
 * A run traced as it runs, between two of its chunks: its guest steps so far, the state after
 * them and its trace then (Timeline.runSoFar; a long run's checkpoint, issue 14.6; read-only).
 */
export interface RunSoFar {
  steps: number;
  state: MachineState;
  events: TraceEvent[];
  dropped: number;
}

const kindOf = (v: unknown) => Object.prototype.toString.call(v);

/** The values the state may hold as null or not, whatever the state before holds: a handler's script, a pin's MSI route. */
const NULLABLE = new Set(['script', 'routes[]']);

/**
 * Why `x` does not have the fields of `ref` (in the same order, down to every object) with values
 * of the same kinds, or null. Anything fits where `ref` holds null, and null where it holds a
 * string (the apic map's reasons) or a NULLABLE value; the elements of an array of another
 * length are each held to the first of `ref`'s. `key`: the field's name (`routes[]` for an
 * element of `routes`).
 */
function shapeProblem(ref: unknown, x: unknown, path: string, key: string): string | null {
  if (ref === null || (x === null && (typeof ref === 'string' || NULLABLE.has(key)))) return null;
  if (typeof ref !== 'object') return typeof x === typeof ref ? null : `${path} is not a ${typeof ref}`;
  if (x === null || typeof x !== 'object' || kindOf(x) !== kindOf(ref))
    return `${path} is not a ${kindOf(ref)}`;
  if (ArrayBuffer.isView(ref) || ref instanceof Map) return null;
  if (Array.isArray(ref)) {
    const xs = x as unknown[];
    const same = xs.length === ref.length;
    if (!same && ref.length === 0) return null;
    for (let i = 0; i < xs.length; i++) {
      const p = shapeProblem(same ? ref[i] : ref[0], xs[i], `${path}[${i}]`, `${key}[]`);
      if (p !== null) return p;
    }
    return null;
  }
  const keys = Object.keys(ref);
  const xKeys = Object.keys(x);
  if (xKeys.length !== keys.length || keys.some((k, i) => xKeys[i] !== k))
    return `${path} has the fields ${xKeys.join(',')}, not ${keys.join(',')}`;
  for (const k of keys) {
    const p = shapeProblem(
      (ref as Record<string, unknown>)[k],
      (x as Record<string, unknown>)[k],
      `${path}.${k}`,
      k,
    );
    if (p !== null) return p;
  }
  return null;
}

/**
 * Why `r` cannot be the state and trace of a `run` traced with a cap of `maxEvents` after
 * r.steps guest steps from `before`, or null: the same configuration and vCPUs, the virtual time
 * those steps take (contract §4, Time), a state of the same fields and kinds as `before`, and a
 * trace that begins with the step's action and is as the cap leaves it.
 */
export function recordedRunProblem(before: MachineState, r: RunSoFar, maxEvents: number): string | null {
  const s = r.state;
  if (!Number.isSafeInteger(r.steps) || r.steps < 0) return 'its guest steps are not a count';
  if (JSON.stringify(s.config) !== JSON.stringify(before.config)) return 'it is of another configuration';
  if (s.time !== before.time + STEP_NS * (1 + r.steps))
    return `its virtual time is not that of ${r.steps} guest steps from here`;
  if (!Array.isArray(s.cpus) || s.cpus.length !== before.cpus.length) return 'it has another number of vCPUs';
  const shape = shapeProblem({ ...before, config: null }, { ...s, config: null }, 'state', '');
  if (shape !== null) return shape;
  for (let i = 0; i < before.cpus.length; i++)
    if (s.cpus[i].index !== i || s.cpus[i].profile !== before.cpus[i].profile) return `vCPU ${i} is another`;
  if (r.events.length > maxEvents || (r.events.length < maxEvents && r.dropped !== 0))
    return 'its trace is not one of this cap';
  if (maxEvents > 0 && r.events[0]?.type !== 'action') return 'its trace does not begin with its action';
  return null;
}
