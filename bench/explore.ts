/**
 * The explorer (issue 10): distinct states per second on a 2-vCPU, 2-pin level-IRQ alphabet at
 * depth 8 (every lint checked), and the bytes it holds per stored state. Timed by the process's
 * CPU time, not the clock: the figure is the explorer's own work on one core, however busy the
 * machine is; the best of a few runs, in a fresh process (bench/isolated.ts).
 */
import { Explorer } from '../src/explore/explorer.ts';
import { mustParse } from '../src/replay/testing.ts';
import type { Figure } from './core.ts';
import { isolated } from './isolated.ts';

export const BENCH_SCENARIO = `vcpus 2
irqchip split
route 3 vector=0x33 trigger=level dest=0 mask=0
route 4 vector=0x44 trigger=level dest=1 mask=0
`;

/** One search to depth `depth`: distinct states, CPU seconds, bytes held at the end. */
export function exploreOnce(depth: number): {
  distinct: number;
  seconds: number;
  bytes: number;
  alphabet: number;
} {
  const s = mustParse(BENCH_SCENARIO);
  const c0 = process.cpuUsage();
  const e = new Explorer(s, { depth });
  e.advance(Number.POSITIVE_INFINITY);
  const c = process.cpuUsage(c0);
  return {
    distinct: e.stats().distinct,
    seconds: (c.user + c.system) / 1e6,
    bytes: e.bytes,
    alphabet: e.alphabet.length,
  };
}

/** The best of `runs` searches (a warm-up first, so that the JIT has compiled the loop). */
export function exploreBest(
  depth: number,
  runs: number,
): { perSecond: number; bytesPerState: number; distinct: number } {
  exploreOnce(Math.min(depth, 6));
  let best = 0;
  let r = exploreOnce(depth);
  for (let i = 0; i < runs; i++) {
    r = exploreOnce(depth);
    best = Math.max(best, r.distinct / r.seconds);
  }
  return { perSecond: best, bytesPerState: r.bytes / r.distinct, distinct: r.distinct };
}

export function exploreFigures(quick: boolean): Figure[] {
  const r = isolated<ReturnType<typeof exploreBest>>(
    'explore.ts',
    'exploreBest',
    quick ? 7 : 8,
    quick ? 1 : 3,
  );
  return [
    {
      name: 'explore_distinct_states_per_s',
      value: r.perSecond,
      unit: 'states/s',
      budget: '≥ 200000',
      ok: r.perSecond >= 200_000,
    },
    {
      name: 'explore_bytes_per_state',
      value: r.bytesPerState,
      unit: 'B',
      budget: '≤ 256',
      ok: r.bytesPerState <= 256,
    },
  ];
}
