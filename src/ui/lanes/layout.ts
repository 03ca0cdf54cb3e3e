/**
 * The delivery lanes' layout, as pure data: which lane each event goes on, where it stands,
 * which cause arrows are drawn, and which repeated rounds collapse into one "×N" group.
 */
import type { TraceEvent } from '../../core/events.ts';

export interface LaneRow {
  key: string;
  label: string;
}

/** A run of `repeats` identical rounds of `period` events starting at event `start`. */
export interface Group {
  start: number;
  period: number;
  repeats: number;
}

export interface LaneNode {
  index: number;
  lane: number;
  col: number;
  /** Matches the filter (or there is none). */
  match: boolean;
}

export interface LaneArrow {
  from: number;
  to: number;
}

export interface LanesLayout {
  lanes: LaneRow[];
  nodes: LaneNode[];
  arrows: LaneArrow[];
  /** Collapsed groups, with the column span of the round that is shown. */
  groups: (Group & { col0: number; col1: number })[];
  cols: number;
  /** vCPU lanes left out (over `maxLanes`), with their events. */
  hiddenLanes: number;
}

function laneKey(e: TraceEvent): { key: string; label: string; order: number } {
  const lane = e.lane;
  if (lane === 'ioapic') return { key: 'ioapic', label: 'Devices / IOAPIC', order: -2 };
  if (lane === 'kvm') return { key: 'kvm', label: 'KVM / QEMU', order: -1 };
  return { key: `cpu${e.cpu}`, label: `vCPU ${e.cpu}`, order: e.cpu };
}

/** Repeated rounds: the longest run of ≥ 3 identical rounds (by type, vCPU, pin, vector) at each place. */
export function findGroups(events: readonly TraceEvent[], maxPeriod = 48): Group[] {
  const ids = new Map<string, number>();
  const sig = events.map((e) => {
    const k = `${e.type}|${e.cpu}|${e.pin ?? ''}|${e.vector ?? ''}`;
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    return id;
  });
  const n = sig.length;
  const same = (a: number, b: number, len: number) => {
    for (let i = 0; i < len; i++) if (sig[a + i] !== sig[b + i]) return false;
    return true;
  };
  const groups: Group[] = [];
  let i = 0;
  while (i < n) {
    let best: Group | null = null;
    for (let p = 2; p <= maxPeriod && i + 3 * p <= n; p++) {
      let r = 1;
      while (i + (r + 1) * p <= n && same(i, i + r * p, p)) r++;
      if (r >= 3 && (!best || p * r > best.period * best.repeats)) best = { start: i, period: p, repeats: r };
    }
    if (best) {
      groups.push(best);
      i += best.period * best.repeats;
    } else i++;
  }
  return groups;
}

/** A filter query: words that must all match (`cpu:1`, `pin:10`, `vec:0x62`, or part of a type). */
export function matches(e: TraceEvent, query: string): boolean {
  for (const word of query.trim().toLowerCase().split(/\s+/).filter(Boolean)) {
    const m = /^(cpu|vcpu|pin|vec|vector):(0x[0-9a-f]+|\d+)$/.exec(word);
    if (m) {
      const n = Number(m[2]);
      const v = m[1] === 'pin' ? e.pin : m[1] === 'vec' || m[1] === 'vector' ? e.vector : e.cpu;
      if (v !== n) return false;
    } else if (!e.type.includes(word) && !e.text.toLowerCase().includes(word)) return false;
  }
  return true;
}

/**
 * Lays out the events of one step: lanes (devices/IOAPIC, KVM/QEMU, then each vCPU involved),
 * a column per shown event, arrows from causes to effects among shown events. Groups not in
 * `expanded` show their first round only.
 */
export function layoutLanes(
  events: readonly TraceEvent[],
  opts: {
    expanded?: ReadonlySet<number>;
    query?: string;
    /** At most this many lanes: the two system lanes, the selected event's, then the first
     * vCPUs (those with events the filter matches first). A 4096-vCPU step has thousands. */
    maxLanes?: number;
    selected?: number | null;
  } = {},
): LanesLayout {
  const query = opts.query ?? '';
  const rows = new Map<string, { label: string; order: number; matched: boolean }>();
  for (const e of events) {
    const l = laneKey(e);
    const row = rows.get(l.key);
    const matched = query !== '' && matches(e, query);
    if (!row) rows.set(l.key, { label: l.label, order: l.order, matched });
    else if (matched) row.matched = true;
  }
  let keys = [...rows.keys()];
  const max = opts.maxLanes ?? Number.POSITIVE_INFINITY;
  let hiddenLanes = 0;
  if (keys.length > max) {
    const sel = opts.selected != null && events[opts.selected] ? laneKey(events[opts.selected]).key : null;
    const rank = (k: string) => {
      const r = rows.get(k)!;
      return r.order < 0 || k === sel ? 0 : r.matched ? 1 : 2;
    };
    const kept = [...keys].sort((a, b) => rank(a) - rank(b) || rows.get(a)!.order - rows.get(b)!.order);
    keys = kept.slice(0, Math.max(max, 1));
    hiddenLanes = kept.length - keys.length;
  }
  const lanes = keys
    .sort((a, b) => rows.get(a)!.order - rows.get(b)!.order)
    .map((key) => ({ key, label: rows.get(key)!.label }));
  const laneIndex = new Map(lanes.map((l, i) => [l.key, i]));
  const hidden = new Uint8Array(events.length);
  const groups: LanesLayout['groups'] = [];
  const allGroups = findGroups(events);
  for (const g of allGroups) {
    if (opts.expanded?.has(g.start)) continue;
    for (let i = g.start + g.period; i < g.start + g.period * g.repeats; i++) hidden[i] = 1;
  }
  if (hiddenLanes)
    events.forEach((e, i) => {
      if (!laneIndex.has(laneKey(e).key)) hidden[i] = 1;
    });
  const col = new Int32Array(events.length).fill(-1);
  const nodes: LaneNode[] = [];
  let c = 0;
  events.forEach((e, i) => {
    if (hidden[i]) return;
    col[i] = c++;
    nodes.push({
      index: i,
      lane: laneIndex.get(laneKey(e).key)!,
      col: col[i],
      match: !query || matches(e, query),
    });
  });
  for (const g of allGroups) {
    if (opts.expanded?.has(g.start)) continue;
    // The shown round's span (some of its events may be on lanes left out).
    let col0 = -1;
    let col1 = -1;
    for (let i = g.start; i < g.start + g.period; i++) {
      if (col[i] < 0) continue;
      if (col0 < 0) col0 = col[i];
      col1 = col[i];
    }
    if (col0 >= 0) groups.push({ ...g, col0, col1 });
  }
  const arrows: LaneArrow[] = [];
  events.forEach((e, i) => {
    if (e.cause !== null && col[i] >= 0 && col[e.cause] >= 0) arrows.push({ from: e.cause, to: i });
  });
  return { lanes, nodes, arrows, groups, cols: c, hiddenLanes };
}
