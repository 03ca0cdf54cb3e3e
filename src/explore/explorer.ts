/**
 * Bounded exploration (issue 10, docs/explore.md): breadth first from the state the scenario
 * reaches, over an alphabet of actions, deduplicating states by a 64-bit hash of their canonical
 * words (codec.ts), checking the lints and the file's invariants after every step. Breadth first
 * makes every counterexample a shortest one; the order (levels, then alphabet order) makes the
 * result the same on every run. Tracing is off; a stored state costs its hash-set slots, a
 * parent and an action index, and its words only while it waits in the frontier.
 */
import type { Action } from '../core/actions.ts';
import type { CounterName } from '../core/counters.ts';
import { CTR, countersGet, LOW_INJECTIONS } from '../core/counters.ts';
import { Machine } from '../core/machine.ts';
import type { MachineState } from '../core/state.ts';
import type { LintName, LintWarning } from '../lint/lints.ts';
import { LINT_NAMES, Linter, LOST, lowVectorMask, MASKED, STUCK, stateLintPins } from '../lint/lints.ts';
import type { Check, Expectation, Invariant, Scenario, Step } from '../scenario/ast.ts';
import { evaluateCheck } from '../scenario/expect.ts';
import { printCheck, printScenario } from '../scenario/print.ts';
import { activePins, deriveAlphabet, MAX_ALPHABET } from './alphabet.ts';
import { StateCodec } from './codec.ts';
import { HashSet, hashRange, hashSegments } from './hashset.ts';

export const DEFAULT_DEPTH = 8;
export const DEFAULT_MAX_STATES = 1_000_000;

export interface ExploreOptions {
  /** Longest action sequence explored (default: the file's `explore depth=`, else 8). */
  depth?: number;
  /** Most distinct states stored (default: the file's `explore max-states=`, else 1 000 000). */
  maxStates?: number;
}

export interface Violation {
  /** The lint's name, or `invariant …` as written. */
  property: string;
  /** The failing step of the counterexample scenario (prefix steps + found actions). */
  step: number;
  /** Found actions (the counterexample's length beyond the prefix). */
  depth: number;
  why: string;
  /** A runnable scenario: configuration, prefix, found actions and an `expect` that fails. */
  scenario: string;
  /** The found actions. */
  actions: Action[];
}

export type Cut = false | 'depth' | 'max-states' | 'stopped';

export interface ExploreStats {
  /** Steps taken (transitions explored, each from a stored state by one action). */
  states: number;
  /** Distinct states stored, the start state included. */
  distinct: number;
  /** The deepest level reached. */
  depth: number;
  /** What ended the search before the reachable states were exhausted (false: nothing did). */
  cut: Cut;
}

/** The lint counters a step lint watches, summed over their filters (see counterTotals). */
const T_STORMS = 0;
const T_NEEDLESS = 1;
const T_EMPTY = 2;
const T_CRASH = 3;
const T_LOW_INJ = 4;
const N_TOTALS = 5;
/** The counters the step lints watch (T_*), by their number in Counters.totals. */
const WATCHED = Int32Array.of(
  CTR.storms,
  CTR['needless-eoi-exits'],
  CTR['empty-eois'],
  CTR['host-crashes'],
  LOW_INJECTIONS,
);
/** The most steps Explorer.expand takes at a time. */
const CHUNK = 1 << 20;

/** Bits of the lints in LINT_NAMES order. */
const LINT_BIT = Object.fromEntries(LINT_NAMES.map((n, i) => [n, 1 << i])) as Record<LintName, number>;
const STEP_LINT_BITS =
  LINT_BIT['irq-storm'] | LINT_BIT['needless-eoi-exit'] | LINT_BIT['empty-isr-eoi'] | LINT_BIT['host-crash'];

/** A BFS level: the states' words back to back. */
class Level {
  words = new Int32Array(1 << 16);
  used = 0;
  starts = new Int32Array(1 << 12);
  ids = new Int32Array(1 << 12);
  count = 0;

  push(id: number, src: Int32Array, n: number): void {
    this.room(n);
    const words = this.words;
    const at = this.used;
    for (let j = 0; j < n; j++) words[at + j] = src[j];
    this.add(id, n);
  }

  /** Pushes a state whose changed segments are in (a, aSeg) and the others in (b, bSeg). */
  pushSegments(
    id: number,
    nSeg: number,
    changed: Uint8Array,
    a: Int32Array,
    aSeg: Int32Array,
    b: Int32Array,
    bSeg: Int32Array,
  ): void {
    let n = 0;
    for (let k = 0; k < nSeg; k++) n += changed[k] ? aSeg[k + 1] - aSeg[k] : bSeg[k + 1] - bSeg[k];
    this.room(n);
    const words = this.words;
    let at = this.used;
    for (let k = 0; k < nSeg; k++) {
      const src = changed[k] ? a : b;
      const seg = changed[k] ? aSeg : bSeg;
      for (let j = seg[k]; j < seg[k + 1]; j++) words[at++] = src[j];
    }
    this.add(id, n);
  }

  /** Makes room for n more words and one more state. */
  private room(n: number): void {
    if (this.used + n > this.words.length) {
      const w = new Int32Array(Math.max(this.words.length * 2, this.used + n));
      w.set(this.words.subarray(0, this.used));
      this.words = w;
    }
    if (this.count >= this.starts.length) {
      const s = new Int32Array(this.starts.length * 2);
      s.set(this.starts);
      this.starts = s;
      const i = new Int32Array(this.ids.length * 2);
      i.set(this.ids);
      this.ids = i;
    }
  }

  /** Records the state of `n` words written at `used`. */
  private add(id: number, n: number): void {
    this.starts[this.count] = this.used;
    this.ids[this.count++] = id;
    this.used += n;
  }

  clear(): void {
    this.used = 0;
    this.count = 0;
  }

  get bytes(): number {
    return this.words.byteLength + this.starts.byteLength + this.ids.byteLength;
  }
}

interface Found {
  property: string;
  /** The stored state the violating step starts from, and the action (-1: the state itself). */
  from: number;
  action: number;
  why: string;
  /** The failing expectation for the counterexample file, without `expect`. */
  check: Check | ((before: MachineState) => Check);
}

/** A scenario the explorer refuses, at one line of it (the CLI prints `FILE:LINE: message`). */
export class ExploreLineError extends Error {
  constructor(
    readonly line: number,
    /** The message without its line. */
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

export class Explorer {
  readonly alphabet: Action[];
  readonly maxDepth: number;
  readonly maxStates: number;
  /** The lints checked (bits by LINT_NAMES order) and the invariants. */
  readonly lints: LintName[];
  readonly invariants: Invariant[];

  private readonly m: Machine;
  private readonly scratch: Machine;
  private readonly codec: StateCodec;
  private readonly time0: number;
  /** The pins that can change (alphabet.ts activePins). */
  private readonly pins: number;
  private readonly set = new HashSet();
  private parent = new Int32Array(1 << 12);
  private via = new Uint16Array(1 << 12);
  private cur = new Level();
  private next = new Level();
  private distinct = 0;
  private transitions = 0;
  /** The depth of the level being expanded. */
  private level = 0;
  /** New states found while expanding it. */
  private newAtLevel = 0;
  private k = 0;
  private cut: Cut = false;
  private finished = false;
  private readonly found: Found[] = [];
  private readonly violated = new Set<string>();
  private lintMask = 0;
  /** The lints violated already (bits as lintMask): each is reported once, at its shortest. */
  private violatedLints = 0;

  // The state being expanded: its baseline for the lints.
  private readonly parentPins = new Uint32Array(3);
  private readonly childPins = new Uint32Array(3);
  private parentLow: Uint16Array;
  private readonly vcpus: number;
  /**
   * The step lints' baseline: each watched counter's running total (counters.ts Counters.totals)
   * and its sum over the lint's filter, in the machine now and in the parent.
   */
  private readonly baseTotals = new Float64Array(N_TOTALS);
  private readonly baseSums = new Float64Array(N_TOTALS);
  private readonly parentTotals = new Float64Array(N_TOTALS);
  private readonly parentSums = new Float64Array(N_TOTALS);
  /** The parent's words: in the level being expanded, from parentAt. */
  private parentWords = new Int32Array(0);
  private parentAt = 0;
  /**
   * Segments (codec.ts: each vCPU, then the rest): where the parent's start in parentWords, their
   * hashes and the child's, and which the live machine holds other than the parent's (to restore).
   */
  private readonly nSeg: number;
  private readonly parentSeg: Int32Array;
  private readonly parentH1: Int32Array;
  private readonly parentH2: Int32Array;
  private readonly childH1: Int32Array;
  private readonly childH2: Int32Array;
  private readonly changed: Uint8Array;

  constructor(
    private readonly scenario: Scenario,
    opts: ExploreOptions = {},
  ) {
    const x = scenario.explore;
    this.maxDepth = opts.depth ?? x?.depth ?? DEFAULT_DEPTH;
    this.maxStates = opts.maxStates ?? x?.maxStates ?? DEFAULT_MAX_STATES;
    this.lints = x?.lints ? LINT_NAMES.filter((n) => x.lints!.includes(n)) : [...LINT_NAMES];
    for (const n of this.lints) this.lintMask |= LINT_BIT[n];
    this.invariants = x?.invariants ?? [];
    // Counters are part of a state only when a property reads them.
    const withCounters = this.invariants.some((i) => i.check.kind === 'count');
    // So is the VM's leg (a migration count, codec.ts).
    const withLeg = this.invariants.some((i) => i.check.kind === 'vm' && i.check.key === 'leg');

    // `explore action savevm NAME` parses (it is the statement `snapshot`'s other spelling, and
    // links that carry it must keep opening), but a snapshot taken mid-exploration would be
    // state the codec leaves out (every explored state keeps the root's snapshots): refused here,
    // as the parser refuses `explore action snapshot`.
    const taking = x?.actions.find((l) => l.actions.some((a) => a.kind === 'snapshot'));
    if (taking)
      throw new ExploreLineError(
        taking.line,
        `explore action ${taking.text}: the explorer cannot take a snapshot (every explored state keeps the scenario's); take it in a step above instead`,
      );
    this.m = Machine.boot(scenario.config, false);
    for (const st of scenario.steps) this.m.apply(st.action);
    this.scratch = Machine.fromState(this.m.state, false);
    this.time0 = this.m.state.time;
    this.alphabet = deriveAlphabet(scenario, this.m.state);
    this.pins = activePins(this.m.state, this.alphabet);
    this.codec = new StateCodec(withCounters, this.pins, withLeg);
    if (this.alphabet.length > MAX_ALPHABET)
      throw new Error(`the alphabet has more than ${MAX_ALPHABET} actions`);
    this.parentLow = new Uint16Array(scenario.config.vcpus);
    this.vcpus = scenario.config.vcpus;
    this.nSeg = this.vcpus + 1;
    this.parentSeg = new Int32Array(this.nSeg + 1);
    this.parentH1 = new Int32Array(this.nSeg);
    this.parentH2 = new Int32Array(this.nSeg);
    this.childH1 = new Int32Array(this.nSeg);
    this.childH2 = new Int32Array(this.nSeg);
    this.changed = new Uint8Array(this.nSeg);

    const n = this.codec.write(this.m.state);
    const h = this.hashOf(this.codec.buf, this.codec.seg, this.childH1, this.childH2, null);
    this.set.add(h.h1, h.h2);
    this.store(-1, 0);
    this.cur.push(0, this.codec.buf, n);
    this.checkInvariants(this.m.state, 0, -1);
    if (this.alphabet.length === 0) this.finish(false);
    this.baseline(this.m.state, this.baseTotals, this.baseSums);
  }

  private store(parent: number, action: number): number {
    const id = this.distinct++;
    if (id >= this.parent.length) {
      const p = new Int32Array(this.parent.length * 2);
      p.set(this.parent);
      this.parent = p;
      const v = new Uint16Array(this.via.length * 2);
      v.set(this.via);
      this.via = v;
    }
    this.parent[id] = parent;
    this.via[id] = action;
    return id;
  }

  /**
   * The hash of the state whose segments `seg` are in `words`, its segments' hashes left in
   * (h1s, h2s); with `reuse`, a segment not `changed` has the parent's hash.
   */
  private hashOf(
    words: Int32Array,
    seg: Int32Array,
    h1s: Int32Array,
    h2s: Int32Array,
    reuse: Uint8Array | null,
  ): { h1: number; h2: number } {
    for (let k = 0; k < this.nSeg; k++) {
      if (reuse && !reuse[k]) {
        h1s[k] = this.parentH1[k];
        h2s[k] = this.parentH2[k];
        continue;
      }
      const h = hashRange(words, seg[k], seg[k + 1]);
      h1s[k] = h.h1;
      h2s[k] = h.h2;
    }
    return hashSegments(h1s, h2s, this.nSeg);
  }

  get done(): boolean {
    return this.finished;
  }

  /** Asks the search to end at its next step (Ctrl-C, the app's Stop). */
  stop(): void {
    if (!this.finished) this.finish('stopped');
  }

  private finish(cut: Cut): void {
    this.finished = true;
    this.cut = cut;
  }

  stats(): ExploreStats {
    return { states: this.transitions, distinct: this.distinct, depth: this.level, cut: this.cut };
  }

  /** Bytes the search holds: the hash set, the parents and actions, the frontier levels. */
  get bytes(): number {
    return this.set.bytes + this.parent.byteLength + this.via.byteLength + this.cur.bytes + this.next.bytes;
  }

  /**
   * A step lint's counter summed over its filter: over cpus and the pins that can change;
   * injections only of vectors below 0x10 (the low-vector lint). It grows in a step only where
   * the counter's running total does.
   */
  private sum(s: MachineState, t: number): number {
    const c = s.counters;
    const { dense, span } = c;
    // Indexed by cpu + 1 (host crashes: 0, no cpu) and pin + 1.
    switch (t) {
      case T_STORMS: {
        let storms = 0;
        for (let left = this.pins; left !== 0; left &= left - 1)
          storms += dense[CTR.storms * span + 32 - Math.clz32(left & -left)];
        return storms;
      }
      case T_EMPTY: {
        let empty = 0;
        for (let i = 1; i <= this.vcpus; i++) empty += dense[CTR['empty-eois'] * span + i];
        return empty;
      }
      case T_CRASH:
        return dense[CTR['host-crashes'] * span];
      default:
        return c.totals[WATCHED[t]];
    }
  }

  private baseline(s: MachineState, totals: Float64Array, sums: Float64Array): void {
    for (let t = 0; t < N_TOTALS; t++) {
      totals[t] = s.counters.totals[WATCHED[t]];
      sums[t] = this.sum(s, t);
    }
  }

  /**
   * Explores up to `budget` more steps; returns true when the search is over (exhausted, a bound
   * reached, or stopped).
   */
  advance(budget: number): boolean {
    // In chunks that count as small integers (an unbounded count would be a double per step).
    let left = budget;
    while (!this.finished && left > 0) left -= this.expand(left < CHUNK ? left : CHUNK);
    return this.finished;
  }

  /** Explores up to `budget` more steps, finishing the state being expanded; returns the steps taken. */
  private expand(budget: number): number {
    const m = this.m;
    const codec = this.codec;
    const alphabet = this.alphabet;
    const nA = alphabet.length;
    const withCounters = codec.withCounters;
    const checkState =
      (this.lintMask &
        (LINT_BIT['stuck-remote-irr'] | LINT_BIT['masked-remote-irr'] | LINT_BIT['lost-interrupt'])) !==
      0;
    const checkLow = (this.lintMask & LINT_BIT['low-vector']) !== 0;
    const checkSteps = checkLow || (this.lintMask & STEP_LINT_BITS) !== 0;
    const checkInv = this.invariants.length > 0;
    const t0 = this.transitions;
    while (!this.finished && this.transitions - t0 < budget) {
      if (this.k >= this.cur.count) {
        // Level `level` is expanded: its children are level + 1 (not kept past the bound).
        if (this.newAtLevel === 0) {
          this.finish(false);
          break;
        }
        this.level++;
        this.newAtLevel = 0;
        if (this.level >= this.maxDepth) {
          this.finish('depth');
          break;
        }
        const t = this.cur;
        this.cur = this.next;
        this.next = t;
        this.next.clear();
        this.k = 0;
        continue;
      }
      const k = this.k++;
      const from = this.cur.ids[k];
      const start = this.cur.starts[k];
      const keep = this.level + 1 < this.maxDepth;
      const nSeg = this.nSeg;
      // The parent: read it (its words stay where they are while its level is expanded), and
      // remember its segments, their hashes and its lint baseline.
      const pw = this.cur.words;
      this.parentWords = pw;
      this.parentAt = start;
      const pseg = this.parentSeg;
      codec.read(m.ctx, pw, start, this.time0, pseg);
      this.hashOf(pw, pseg, this.parentH1, this.parentH2, null);
      const s = m.state;
      if (checkState) stateLintPins(s, this.parentPins, this.pins);
      if (checkLow) for (let c = 0; c < s.cpus.length; c++) this.parentLow[c] = lowVectorMask(s.cpus[c]);
      if (withCounters && checkSteps) {
        this.baseline(s, this.parentTotals, this.parentSums);
        this.baseTotals.set(this.parentTotals);
        this.baseSums.set(this.parentSums);
      }
      const changed = this.changed;
      let dirty = false;
      for (let a = 0; a < nA; a++) {
        if (dirty) {
          codec.readSegments(m.ctx, pw, pseg, changed, this.time0);
          if (withCounters && checkSteps) {
            this.baseTotals.set(this.parentTotals);
            this.baseSums.set(this.parentSums);
          }
        }
        m.apply(alphabet[a]);
        this.transitions++;
        // The segments the step changed (the others need no restore and keep their hash).
        dirty = codec.writeChanged(s, pw, pseg, changed);
        if (this.lintMask) this.checkLints(s, from, a, changed, checkState && dirty, checkSteps, checkLow);
        // The parent again (a step that changed nothing).
        if (!dirty) continue;
        const buf = codec.buf;
        const cseg = codec.seg;
        const h = this.hashOf(buf, cseg, this.childH1, this.childH2, changed);
        if (!this.set.add(h.h1, h.h2)) continue;
        const id = this.store(from, a);
        this.newAtLevel++;
        if (keep) this.next.pushSegments(id, nSeg, changed, buf, cseg, pw, pseg);
        if (checkInv) this.checkInvariants(s, id, -1);
        if (this.distinct >= this.maxStates) {
          this.level++;
          this.finish('max-states');
          return this.transitions - t0;
        }
      }
    }
    return this.transitions - t0;
  }

  /** The fast per-step check of the lints; a hit is confirmed by a Linter on a scratch machine. */
  private checkLints(
    s: MachineState,
    from: number,
    a: number,
    changed: Uint8Array,
    checkState: boolean,
    checkSteps: boolean,
    checkLow: boolean,
  ): void {
    let hit = 0;
    if (checkState) {
      const child = this.childPins;
      const parent = this.parentPins;
      stateLintPins(s, child, this.pins);
      if (child[STUCK] & ~parent[STUCK]) hit |= LINT_BIT['stuck-remote-irr'];
      if (child[MASKED] & ~parent[MASKED]) hit |= LINT_BIT['masked-remote-irr'];
      if (child[LOST] & ~parent[LOST]) hit |= LINT_BIT['lost-interrupt'];
    }
    if (checkSteps) {
      // Counts only grow in a step: a filtered sum can grow only where its total did.
      const totals = s.counters.totals;
      let grown = 0;
      for (let t = 0; t < N_TOTALS; t++) {
        const x = totals[WATCHED[t]];
        if (x === this.baseTotals[t]) continue;
        this.baseTotals[t] = x;
        const y = this.sum(s, t);
        if (y > this.baseSums[t]) grown |= 1 << t;
        this.baseSums[t] = y;
      }
      if (grown & (1 << T_STORMS)) hit |= LINT_BIT['irq-storm'];
      if (grown & (1 << T_NEEDLESS)) hit |= LINT_BIT['needless-eoi-exit'];
      if (grown & (1 << T_EMPTY)) hit |= LINT_BIT['empty-isr-eoi'];
      if (grown & (1 << T_CRASH)) hit |= LINT_BIT['host-crash'];
      if (checkLow && !(this.violatedLints & LINT_BIT['low-vector'])) {
        // A vector below 0x10 newly held: only a changed vCPU can hold one its parent did not.
        let fresh = (grown & (1 << T_LOW_INJ)) !== 0;
        for (let c = 0; c < s.cpus.length && !fresh; c++)
          if (changed[c]) fresh = (lowVectorMask(s.cpus[c]) & ~this.parentLow[c]) !== 0;
        if (fresh) hit |= LINT_BIT['low-vector'];
      }
    }
    hit &= this.lintMask & ~this.violatedLints;
    if (hit) this.confirm(from, a, hit);
  }

  /** Replays the step on the scratch machine and lints it exactly (lints.ts Linter). */
  private confirm(from: number, a: number, hit: number): void {
    const sc = this.scratch;
    this.codec.read(sc.ctx, this.parentWords, this.parentAt, this.time0);
    // No probe: the Linter looks at every vCPU (the scratch machine's ctx is not a sequence).
    const linter = new Linter(sc.state);
    sc.apply(this.alphabet[a]);
    const ws = linter.step(sc.state);
    for (const name of LINT_NAMES) {
      if (!(hit & LINT_BIT[name]) || this.violated.has(name)) continue;
      const w = ws.find((x) => x.lint === name);
      if (!w) continue;
      this.violated.add(name);
      this.violatedLints |= LINT_BIT[name];
      this.found.push({ property: name, from, action: a, why: w.why, check: failingCheck(w, sc.state) });
    }
  }

  private checkInvariants(s: MachineState, id: number, action: number): void {
    for (const inv of this.invariants) {
      const property = `invariant ${inv.text}`;
      if (this.violated.has(property)) continue;
      const r = evaluateCheck(s, inv.check);
      if (r.ok) continue;
      this.violated.add(property);
      this.found.push({
        property,
        from: id,
        action,
        why: `the invariant ${inv.text} (line ${inv.line}) does not hold: got ${r.actual}`,
        check: inv.check,
      });
    }
  }

  /** The actions from the start state to stored state `id`. */
  private path(id: number): number[] {
    const out: number[] = [];
    for (let i = id; i > 0; i = this.parent[i]) out.push(this.via[i]);
    return out.reverse();
  }

  /** The violations found so far, each with its shortest counterexample, in the order found. */
  violations(): Violation[] {
    return this.found.map((f) => {
      const idx = this.path(f.from);
      if (f.action >= 0) idx.push(f.action);
      const actions = idx.map((i) => this.alphabet[i]);
      return {
        property: f.property,
        step: this.scenario.steps.length + actions.length,
        depth: actions.length,
        why: f.why,
        actions,
        scenario: counterexample(this.scenario, actions, f),
      };
    });
  }
}

/** A count in the state before the violating step: the failing check says it must not grow. */
function notGrown(
  name: CounterName,
  filter: Extract<Check, { kind: 'count' }>['filter'],
  before: MachineState,
): Check {
  return { kind: 'count', name, filter, op: '<=', value: countersGet(before.counters, name, filter) };
}

/**
 * An expectation that holds before the violating step and fails after it, so that `apicscope
 * run` on the counterexample exits 1 where the lint warned (counter values are recomputed there
 * from the counterexample's own run: the explorer's counters are not the file's).
 */
function failingCheck(w: LintWarning, after: MachineState): Found['check'] {
  const pin = w.pin ?? 0;
  switch (w.lint) {
    case 'stuck-remote-irr':
      return { kind: 'ioapic', pin, field: 'remote-irr', value: 0 };
    case 'masked-remote-irr':
      return { kind: 'ioapic', pin, field: 'mask', value: 0 };
    case 'lost-interrupt':
      return after.ioapic.rte[pin].trigger === 1
        ? { kind: 'ioapic', pin, field: 'remote-irr', value: 1 }
        : { kind: 'ioapic', pin, field: 'line', value: 0 };
    case 'irq-storm':
      return (b) => notGrown('storms', { pin }, b);
    case 'needless-eoi-exit':
      return (b) => notGrown('needless-eoi-exits', { cpu: w.cpu, vector: w.vector }, b);
    case 'empty-isr-eoi':
      return (b) => notGrown('empty-eois', { cpu: w.cpu }, b);
    case 'host-crash':
      return (b) => notGrown('host-crashes', {}, b);
    case 'low-vector': {
      const v = after.cpus[w.cpu ?? 0];
      const vector = w.vector ?? 0;
      const holds = (b: Uint32Array) => (b[vector >>> 5] & (1 << (vector & 31))) !== 0;
      if (holds(v.irr)) return { kind: 'cpu-set', cpu: v.index, reg: 'irr', op: 'lacks', vectors: [vector] };
      if (holds(v.isr)) return { kind: 'cpu-set', cpu: v.index, reg: 'isr', op: 'lacks', vectors: [vector] };
      return (b) => notGrown('injections', { cpu: w.cpu, vector }, b);
    }
  }
}

/** The counterexample as a runnable scenario (its last expectation fails). */
function counterexample(s: Scenario, actions: Action[], f: Found): string {
  const found: Step[] = actions.map((action, i) => ({
    action,
    line: 0,
    startLine: 0,
    notes:
      i === 0
        ? [
            `found by apicscope explore: ${actions.length} step(s) from the file's last step to a violation of ${f.property}`,
          ]
        : [],
    refs: [],
  }));
  const steps = [...s.steps, ...found];
  if (found.length) found[found.length - 1].notes = [...found[found.length - 1].notes, f.why];
  let check: Check;
  if (typeof f.check === 'function') {
    // The state before the last step, as the counterexample's own run reaches it.
    const m = Machine.boot(s.config, false);
    for (let i = 0; i < steps.length - 1; i++) m.apply(steps[i].action);
    check = f.check(m.state);
  } else check = f.check;
  const text = printCheck(check);
  const expect: Expectation = { line: 0, afterStep: steps.length, check, refs: [], text };
  const out: Scenario = {
    config: s.config,
    configPos: {},
    configNotes: s.configNotes,
    steps,
    expects: [expect],
    trailingNotes: found.length ? [] : [f.why],
  };
  return printScenario(out);
}
