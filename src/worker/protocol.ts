/**
 * The typed messages between the UI thread and the emulator worker (one union each way) and the
 * shapes of what they carry. The UI thread loads this module and worker/host.ts only: nothing
 * here imports the emulator at run time (the imports are types, erased when compiled).
 */
import type { Config } from '../core/config.ts';
import type { CounterName } from '../core/counters.ts';
import type { TraceEvent } from '../core/events.ts';
import type { cpuSummary, machineSummary, spivFields } from '../core/inspect.ts';
import type { HostLeg, LifeEntry, MachineState } from '../core/state.ts';
import type { RunSoFar } from '../replay/recorded.ts';
import type { ExpectResult } from '../replay/run.ts';
import type { Ask } from '../scenario/ask.ts';
import type { ScenarioError } from '../scenario/ast.ts';
import type { StepEvents } from '../share/trace-export.ts';
import type { View } from '../share/url.ts';

export type { StepEvents };

/** vCPUs shown in full when the VM is this small or smaller. */
export const ALL_DETAILED = 16;
/** Most vCPUs whose details one frame carries. */
export const MAX_DETAILED = 64;

/** `detailed`: the vCPUs the UI shows in full (cards); the others travel as compact rows. */
export type Request =
  /**
   * Replace the session with this text (only if it parses) and show `step` (default: the end).
   * `settings` (the command line's --set syntax) are applied to its configuration first: the
   * compare view's second column.
   */
  | {
      type: 'load';
      id: number;
      text: string;
      step?: number;
      /** With `step`: show the state right after this event of the step (a sub-step). */
      event?: number;
      detailed: number[];
      settings?: string[];
      /**
       * The result of the text's last step, a `run K`, as the run's checkpoints gave it before
       * the worker failed (issue 14.6): the step is recorded from it when it fits, else run.
       */
      checkpoint?: RunCheckpoint;
    }
  /**
   * Rewrite the configuration lines of the session's text to `config`, replay from the start and
   * show `step` (default: the end): a change of configuration keeps the learner's place.
   */
  | { type: 'configure'; id: number; config: Config; step?: number; detailed: number[] }
  /**
   * Open a share link (issue 14): the worker decodes it (the decoder and its dictionary stay off
   * the UI thread) and loads its scenario as `load` does; a link that does not decode or load
   * changes nothing. `detailed` is joined with the link's pinned vCPUs.
   */
  | { type: 'open-link'; id: number; fragment: string; detailed: number[]; settings?: string[] }
  /** Whether this link would open (the Share dialog issues only links that do). */
  | { type: 'check-link'; id: number; fragment: string }
  /** Show the state after `step` actions (and, with `event`, right after that event of the step). */
  | { type: 'seek'; id: number; step: number; event?: number; detailed: number[] }
  /** Append scenario lines after step `at` (later steps are discarded) and show the end. */
  | { type: 'append'; id: number; lines: string[]; at: number; detailed: number[] }
  /**
   * Start `run n` (default: the language's `run`) after step `at`, reporting progress; ends by
   * itself or on `stop`. `n` may be the Run box's text: it is parsed as a `run` line would be.
   */
  | { type: 'run'; id: number; n?: number | string; at: number; detailed: number[] }
  | { type: 'stop'; id: number }
  /**
   * The whole session's trace, as trace-cmd text (with or without reasons) or Chrome trace JSON;
   * with `compare`, the other column's events go into the same file (compare view).
   */
  | { type: 'export'; id: number; what: ExportKind; compare?: { label: string; steps: StepEvents[] } }
  /** The whole session's events, per step (compare: the first difference, and exports of both sides). */
  | { type: 'trace-steps'; id: number }
  /**
   * Read a `trace-cmd report` / `perf script` text (src/import): the scenario it gives and how its
   * replay agrees with the trace. Nothing is loaded: the store loads the text through its one gate.
   */
  | { type: 'import-trace'; id: number; text: string; name: string }
  /**
   * Explore every action sequence from the session's last state (issue 10, docs/explore.md),
   * reporting progress; ends by itself or on `explore-stop`. The bounds default to the file's.
   * It changes nothing in the session; its progress and report carry its id.
   */
  | { type: 'explore'; id: number; depth?: number; maxStates?: number }
  | { type: 'explore-stop'; id: number };

/**
 * Test hooks, kept out of `Request`: the UI never sends them; the end-to-end tests do, through
 * the store's `testHooks`, to make the worker fail as a crash would or stop answering as a hang.
 */
export type TestHookRequest =
  | { type: 'test-crash'; id: number }
  | { type: 'test-hang'; id: number; ms: number }
  /** The worker tries `eval` and `fetch` and says what happened (both must fail: issue 14.12). */
  | { type: 'test-escape'; id: number };

export type Response =
  | { type: 'loaded'; id: number; info: SessionInfo }
  | { type: 'error'; id: number; errors: ScenarioError[] }
  /** A compare setting that does not apply (`settings` of a load): nothing was loaded. */
  | { type: 'settings-error'; id: number; error: string }
  | { type: 'frame'; id: number; frame: Frame; live?: boolean }
  /** `open-link`: the link did not decode (the decoder's message); nothing was loaded. */
  | { type: 'link-refused'; id: number; error: string }
  /** `open-link`: the link's scenario loaded; how the link asks to look at it (then `loaded`, `frame`). */
  | { type: 'link-opened'; id: number; link: LinkLook }
  /** `check-link`: null when the link opens, else why not. */
  | { type: 'link-checked'; id: number; error: string | null }
  | { type: 'progress'; id: number; steps: number; limit: number }
  /**
   * A long run's checkpoint, now and then while it runs (issue 14.6): its guest steps so far, the
   * state after them, its dropped events and the events recorded since the previous checkpoint
   * (one JSON text, see RunCheckpoint).
   */
  | ({ type: 'run-checkpoint'; id: number } & RunCheckpoint)
  | { type: 'run-ended'; id: number; info: SessionInfo }
  | { type: 'exported'; id: number; what: ExportKind; text: string }
  | { type: 'trace-steps'; id: number; steps: StepEvents[] }
  | {
      type: 'explore-progress';
      id: number;
      states: number;
      distinct: number;
      depth: number;
      maxDepth: number;
    }
  | { type: 'explore-done'; id: number; report: ExploreReport }
  | { type: 'trace-imported'; id: number; result: TraceImportResult }
  /** The answer to `test-escape`: what each attempt gave ('blocked: …' or 'allowed: …'). */
  | { type: 'escaped'; id: number; eval: string; fetch: string };

/** A link's view fields besides the scenario and the step (share/url.ts ShareState). */
export interface LinkLook {
  view?: View;
  compare?: string[];
  pinned?: number[];
  allPins?: boolean;
}

/** What an exploration found: each violated property's shortest counterexample, as a share link. */
export interface ExploreReport {
  violations: {
    property: string;
    step: number;
    why: string;
    /** The counterexample's share-link fragment (without `#`), null when too large for one. */
    link: string | null;
  }[];
  stats: { states: number; distinct: number; depth: number; maxDepth: number; cut: false | string };
  /** Why nothing was explored (the session's text does not parse, the alphabet is too large). */
  error?: string;
}

/** A trace read by `import-trace`: what `apicscope import TRACE --check` prints, per step. */
export interface TraceImportInfo {
  name: string;
  lines: number;
  used: number;
  skipped: number;
  skippedWhy: Record<string, number>;
  agreements: number;
  /** Per scenario step: the trace line it came from, and what was inferred to make it. */
  steps: { step: number; traceLine: number; action: string; inferred: string | null }[];
  /** Where the model and the trace part ways; `step`: the step whose input precedes the line. */
  disagreements: { line: number; trace: string; model: string; why: string; step: number }[];
}

export type TraceImportResult =
  | { ok: true; text: string; info: TraceImportInfo }
  | { ok: false; error: string };

export type ExportKind = 'trace-text' | 'trace-why' | 'chrome-trace';

/**
 * A run's checkpoints put together: what a restart records it from (RunSoFar), its events as
 * the JSON texts the checkpoints carried, one per checkpoint. Text, because the page only keeps
 * them for a restart that may never come: the first checkpoint of a storm carries 3000 events,
 * 40 ms of the page's time to receive as objects and about 1 ms as text. The worker that
 * restarts reads them (checkpointRun).
 */
export interface RunCheckpoint {
  steps: number;
  state: MachineState;
  eventsJson: string[];
  dropped: number;
}

/** The checkpoint a worker posts: the events since the last one as one JSON text. */
export function toCheckpoint(r: RunSoFar): RunCheckpoint {
  return { steps: r.steps, state: r.state, eventsJson: [JSON.stringify(r.events)], dropped: r.dropped };
}

/**
 * The run so far that a checkpoint carries, or null when its event texts are not events of the
 * protocol (the restart then runs the step again).
 */
export function checkpointRun(c: RunCheckpoint): RunSoFar | null {
  const events: TraceEvent[] = [];
  for (const text of c.eventsJson) {
    let chunk: unknown;
    try {
      chunk = JSON.parse(text);
    } catch {
      return null;
    }
    if (!arrayOf(isEvent)(chunk)) return null;
    for (const e of chunk as TraceEvent[]) events.push(e);
  }
  return { steps: c.steps, state: c.state, events, dropped: c.dropped };
}

type WithoutId<R> = R extends { id: number } ? Omit<R, 'id'> : never;
export type RequestBody = WithoutId<Request>;
export type TestHookBody = WithoutId<TestHookRequest>;

export interface StepInfo {
  text: string;
  line: number;
  notes: string[];
  /** Teaching mode: the scenario's own question for this step (`ask`). */
  ask?: Ask;
}

/**
 * A session's steps as the UI thread receives them: packed, because a message of 200 000 step
 * objects takes the UI thread a quarter of a second to receive (and as long to check), while a
 * few strings and typed arrays take a millisecond. `stepAt` gives one step back.
 */
export interface StepList {
  length: number;
  /** Every step's action as printed (one line each), joined by newlines. */
  texts: string;
  /** Where step i's text starts in `texts`; the entry at `length` is the end of the last, plus one. */
  starts: Int32Array;
  /** Step i's line in the scenario text. */
  lines: Int32Array;
  /** The notes of the steps that have any, and their questions (`ask`), by step index. */
  notes: Map<number, string[]>;
  asks: Map<number, Ask>;
}

export function packSteps(steps: readonly StepInfo[]): StepList {
  const n = steps.length;
  const starts = new Int32Array(n + 1);
  const lines = new Int32Array(n);
  const notes = new Map<number, string[]>();
  const asks = new Map<number, Ask>();
  let at = 0;
  for (let i = 0; i < n; i++) {
    const st = steps[i];
    starts[i] = at;
    at += st.text.length + 1;
    lines[i] = st.line;
    if (st.notes.length) notes.set(i, st.notes);
    if (st.ask) asks.set(i, st.ask);
  }
  starts[n] = at;
  return { length: n, texts: steps.map((st) => st.text).join('\n'), starts, lines, notes, asks };
}

/** Step i's action as printed (i from 0: the action of step i + 1). */
export function stepText(steps: StepList, i: number): string {
  return steps.texts.slice(steps.starts[i], steps.starts[i + 1] - 1);
}

/**
 * Every expectation's result, packed as StepList is (70 000 result objects took the UI thread
 * 50 ms to receive and check): lines and steps as typed arrays, what each expected and got as
 * slices of one string.
 */
export interface ExpectList {
  length: number;
  lines: Int32Array;
  /** The step after which it is checked. */
  afterStep: Int32Array;
  /** 1 where it held. */
  ok: Uint8Array;
  /** Expected and actual of each, one after the other: result i's are at 2i and 2i + 1. */
  texts: string;
  /** Where each of those 2 × length strings starts in `texts`, and the end of the last. */
  starts: Int32Array;
}

export function packExpects(results: readonly ExpectResult[]): ExpectList {
  const n = results.length;
  const lines = new Int32Array(n);
  const afterStep = new Int32Array(n);
  const ok = new Uint8Array(n);
  const starts = new Int32Array(2 * n + 1);
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const e = results[i];
    lines[i] = e.line;
    afterStep[i] = e.afterStep;
    ok[i] = e.ok ? 1 : 0;
    starts[2 * i] = at;
    at += e.expected.length;
    starts[2 * i + 1] = at;
    at += e.actual.length;
    parts.push(e.expected, e.actual);
  }
  starts[2 * n] = at;
  return { length: n, lines, afterStep, ok, texts: parts.join(''), starts };
}

/** Result i as one object. */
export function expectAt(list: ExpectList, i: number): ExpectResult {
  const { texts, starts } = list;
  return {
    line: list.lines[i],
    afterStep: list.afterStep[i],
    ok: list.ok[i] === 1,
    expected: texts.slice(starts[2 * i], starts[2 * i + 1]),
    actual: texts.slice(starts[2 * i + 1], starts[2 * i + 2]),
  };
}

export function unpackExpects(list: ExpectList): ExpectResult[] {
  return Array.from({ length: list.length }, (_, i) => expectAt(list, i));
}

/** Every step as an object (tests, and callers that need them all). */
export function unpackSteps(steps: StepList): StepInfo[] {
  return Array.from({ length: steps.length }, (_, i) => stepAt(steps, i));
}

/** Step i (from 0) as one object. */
export function stepAt(steps: StepList, i: number): StepInfo {
  const ask = steps.asks.get(i);
  return {
    text: stepText(steps, i),
    line: steps.lines[i],
    notes: steps.notes.get(i) ?? [],
    ...(ask ? { ask } : {}),
  };
}

export interface SessionInfo {
  text: string;
  /** The share link's `s=` payload for this text (share/url.ts). */
  share: string;
  config: Config;
  title: string | null;
  configNotes: string[];
  vcpus: number;
  /** IOAPIC pins that some step programs, drives or services (the table shows them from the start). */
  pins: number[];
  steps: StepList;
  /** Every expectation's result, in order. */
  expects: ExpectList;
  /** The lints' warnings (src/lint), by step, the first MAX_WARNINGS of them. */
  warnings: StepLint[];
  /** How many warnings there are in all (more than `warnings` holds when over MAX_WARNINGS). */
  warningCount: number;
}

/** Warnings a SessionInfo carries at most (a random 200 000-step scenario has tens of thousands). */
export const MAX_WARNINGS = 2000;

/** One lint warning after a step (docs/language.md "Lints"). */
export interface StepLint {
  step: number;
  lint: string;
  rule: string;
  why: string;
}

export type { ExpectResult, HostLeg, LifeEntry };

export interface Frame {
  step: number;
  /** The sub-step: the view shows the state right after this event of the step; null = the whole step. */
  event: number | null;
  view: StateView;
  events: TraceEvent[];
  droppedEvents: number;
  /** vCPUs this step's events name, and what changed on the detailed ones. */
  touched: number[];
  changes: Record<number, CpuChange>;
  changedPins: number[];
}

export type CpuDetail = ReturnType<typeof cpuSummary> & {
  savic: boolean;
  /** SPIV decoded by the core (enable, focus, suppress EOI broadcast, spurious vector). */
  spivBits: ReturnType<typeof spivFields>;
  /** Handler frames, innermost last, with the guest profile's script when fixed. */
  frames: { vector: number; savedIf: boolean; script: string[] | null; pc: number }[];
  inGuest: boolean;
};

export type IoapicView = ReturnType<typeof machineSummary>['ioapic'];
export type KvmView = ReturnType<typeof machineSummary>['kvm'];

/** Fields of a compact row, one Int16 each. */
export const ROW = {
  irrTop: 0,
  isrTop: 1,
  irrCount: 2,
  isrCount: 3,
  handledCount: 4,
  ppr: 5,
  if: 6,
  stale: 7,
} as const;
export const ROW_FIELDS = 8;

/** The VM's life up to this step (the lifecycle strip, R8.8–R8.12). */
export interface LifeView {
  entries: readonly LifeEntry[];
  /** In force now: the host, KVM's mode, QEMU's state, LVR[24] and SPIV[12] of vCPU 0. */
  leg: number;
  host: HostLeg;
  mode: string;
  state: string;
  lvr24: boolean;
  spiv12: boolean;
}

export interface StateView {
  /** Virtual time in nanoseconds, and as the trace prints it (seconds, microseconds). */
  time: number;
  clock: string;
  vcpus: number;
  /** ROW_FIELDS Int16 values per vCPU. */
  rows: Int16Array;
  /** Full details of the vCPUs asked for, by index. */
  cpus: Record<number, CpuDetail>;
  ioapic: IoapicView;
  ioapicVersion: number;
  kvm: KvmView;
  /** Every counter's total, in the language's order (contract §7). */
  counters: Record<CounterName, number>;
  life: LifeView;
}

/** The vector registers of a vCPU that the views draw as grids. */
export const CPU_SETS = ['irr', 'isr', 'tmr', 'handled', 'shadowIsr'] as const;
export type CpuSetName = (typeof CPU_SETS)[number];

/** Per vCPU: the vectors whose bit differs in each set register, and the other fields that differ. */
export interface CpuChange {
  sets: Partial<Record<CpuSetName, number[]>>;
  fields: string[];
}

/*
 * Run-time validation of every message between the threads (issue 14.7): the types above are
 * erased when compiled, and a message is data from another realm. Each check is hand-written
 * per message type and shallow where the receiver re-validates (scenario text goes through the
 * parser; a configuration is printed as text and parsed again). It returns null for a message
 * of the protocol, or why it is not one.
 */

type Check = (v: unknown) => boolean;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt: Check = (v) => Number.isSafeInteger(v);
const isStep: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isString: Check = (v) => typeof v === 'string';
const isBool: Check = (v) => typeof v === 'boolean';
const arrayOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(item);
const optional =
  (c: Check): Check =>
  (v) =>
    v === undefined || c(v);
const EXPORT_KINDS: readonly string[] = ['trace-text', 'trace-why', 'chrome-trace'];
const isExportKind: Check = (v) => typeof v === 'string' && EXPORT_KINDS.includes(v);
const isError: Check = (v) => isObject(v) && isInt(v.line) && isInt(v.col) && isString(v.message);
const isEvent: Check = (v) =>
  isObject(v) &&
  isString(v.type) &&
  typeof v.time === 'number' &&
  isInt(v.cpu) &&
  (v.cause === null || isInt(v.cause)) &&
  isString(v.text) &&
  isString(v.why);
const isStepEvents: Check = (v) =>
  isObject(v) && isStep(v.step) && isString(v.action) && arrayOf(isEvent)(v.events) && isStep(v.dropped);
const isConfig: Check = (v) => isObject(v) && isInt(v.vcpus) && isString(v.apic) && isObject(v.kvm);
/** Packed steps (StepList): offsets that rise within the text, one line per step, notes of real steps. */
const isStepList: Check = (v) => {
  if (!isObject(v) || !isStep(v.length) || !isString(v.texts)) return false;
  const { starts, lines, notes, asks } = v as unknown as StepList;
  const n = v.length as number;
  if (!(starts instanceof Int32Array) || starts.length !== n + 1 || starts[0] !== 0) return false;
  if (!(lines instanceof Int32Array) || lines.length !== n) return false;
  if (starts[n] !== (n ? (v.texts as string).length + 1 : 0)) return false;
  for (let i = 0; i < n; i++) if (starts[i + 1] <= starts[i]) return false;
  if (!(notes instanceof Map) || !(asks instanceof Map)) return false;
  for (const [k, list] of notes) if (!isStep(k) || k >= n || !arrayOf(isString)(list)) return false;
  for (const [k, a] of asks) if (!isStep(k) || k >= n || !isObject(a)) return false;
  return true;
};
/** Packed results (ExpectList): one entry per result in each array, offsets that never fall. */
const isExpectList: Check = (v) => {
  if (!isObject(v) || !isStep(v.length) || !isString(v.texts)) return false;
  const { lines, afterStep, ok, starts } = v as unknown as ExpectList;
  const n = v.length as number;
  if (!(lines instanceof Int32Array) || !(afterStep instanceof Int32Array) || !(ok instanceof Uint8Array))
    return false;
  if (lines.length !== n || afterStep.length !== n || ok.length !== n) return false;
  if (!(starts instanceof Int32Array) || starts.length !== 2 * n + 1 || starts[0] !== 0) return false;
  if (starts[2 * n] !== (v.texts as string).length) return false;
  for (let i = 0; i < 2 * n; i++) if (starts[i + 1] < starts[i]) return false;
  for (let i = 0; i < n; i++) if (afterStep[i] < 0 || ok[i] > 1) return false;
  return true;
};
const isInfo: Check = (v) =>
  isObject(v) &&
  isString(v.text) &&
  isString(v.share) &&
  isConfig(v.config) &&
  (v.title === null || isString(v.title)) &&
  arrayOf(isString)(v.configNotes) &&
  isInt(v.vcpus) &&
  arrayOf(isInt)(v.pins) &&
  isStepList(v.steps) &&
  isExpectList(v.expects) &&
  arrayOf((w) => isObject(w) && isStep(w.step) && isString(w.lint) && isString(w.rule) && isString(w.why))(
    v.warnings,
  ) &&
  isStep(v.warningCount);
const isTraceImport: Check = (v) =>
  isObject(v) &&
  (v.ok === false
    ? isString(v.error)
    : v.ok === true &&
      isString(v.text) &&
      isObject(v.info) &&
      isString(v.info.name) &&
      isStep(v.info.agreements) &&
      arrayOf((s) => isObject(s) && isStep(s.step) && isStep(s.traceLine) && isString(s.action))(
        v.info.steps,
      ) &&
      arrayOf((d) => isObject(d) && isStep(d.line) && isStep(d.step) && isString(d.why))(
        v.info.disagreements,
      ));
/** An exploration bound: a whole number from 1 (the explorer clamps it to its own limits). */
const isBound: Check = (v) => isStep(v) && (v as number) >= 1;
const isExploreReport: Check = (v) =>
  isObject(v) &&
  arrayOf(
    (x) =>
      isObject(x) &&
      isString(x.property) &&
      isStep(x.step) &&
      isString(x.why) &&
      (x.link === null || isString(x.link)),
  )(v.violations) &&
  isObject(v.stats) &&
  isStep(v.stats.states) &&
  isStep(v.stats.distinct) &&
  isStep(v.stats.depth) &&
  isStep(v.stats.maxDepth) &&
  (v.stats.cut === false || isString(v.stats.cut)) &&
  optional(isString)(v.error);
const isView: Check = (v) =>
  isObject(v) &&
  typeof v.time === 'number' &&
  isString(v.clock) &&
  isInt(v.vcpus) &&
  v.rows instanceof Int16Array &&
  v.rows.length === (v.vcpus as number) * ROW_FIELDS &&
  isObject(v.cpus) &&
  isObject(v.ioapic) &&
  isObject(v.kvm) &&
  isObject(v.counters);
const isFrame: Check = (v) =>
  isObject(v) &&
  isStep(v.step) &&
  (v.event === null || isStep(v.event)) &&
  isView(v.view) &&
  arrayOf(isEvent)(v.events) &&
  isStep(v.droppedEvents) &&
  arrayOf(isInt)(v.touched) &&
  isObject(v.changes) &&
  arrayOf(isInt)(v.changedPins);

/** A machine state, shallowly: the worker that records a step from it checks it against its own (replay/recorded.ts). */
const isState: Check = (v) =>
  isObject(v) &&
  isConfig(v.config) &&
  typeof v.time === 'number' &&
  Array.isArray(v.cpus) &&
  isObject(v.ioapic) &&
  isObject(v.vm) &&
  isObject(v.counters) &&
  v.snapshots instanceof Map;
const CHECKPOINT_FIELDS = ['steps', 'state', 'eventsJson', 'dropped'];
/** Its event texts are read by the worker that restarts from it (checkpointRun), not here. */
const isCheckpoint: Check = (v) =>
  isObject(v) &&
  Object.keys(v).every((k) => CHECKPOINT_FIELDS.includes(k)) &&
  isStep(v.steps) &&
  isState(v.state) &&
  arrayOf(isString)(v.eventsJson) &&
  isStep(v.dropped);

/** Per message type: its fields (besides `type` and `id`) and their checks; no other fields. */
const REQUESTS: Record<string, Record<string, Check>> = {
  load: {
    text: isString,
    step: optional(isStep),
    event: optional(isStep),
    detailed: arrayOf(isInt),
    settings: optional(arrayOf(isString)),
    checkpoint: optional(isCheckpoint),
  },
  configure: { config: isConfig, step: optional(isStep), detailed: arrayOf(isInt) },
  seek: { step: isStep, event: optional(isStep), detailed: arrayOf(isInt) },
  'open-link': { fragment: isString, detailed: arrayOf(isInt), settings: optional(arrayOf(isString)) },
  'check-link': { fragment: isString },
  append: { lines: arrayOf(isString), at: isStep, detailed: arrayOf(isInt) },
  // `n` is checked by the language's parser (as a `run` line), so any value can get its message.
  run: {
    n: optional((v) => typeof v === 'number' || typeof v === 'string'),
    at: isStep,
    detailed: arrayOf(isInt),
  },
  stop: {},
  export: {
    what: isExportKind,
    compare: optional((v) => isObject(v) && isString(v.label) && arrayOf(isStepEvents)(v.steps)),
  },
  'trace-steps': {},
  'import-trace': { text: isString, name: isString },
  explore: { depth: optional(isBound), maxStates: optional(isBound) },
  'explore-stop': {},
  'test-crash': {},
  'test-hang': { ms: (v) => isStep(v) && (v as number) <= 60_000 },
  'test-escape': {},
};

const RESPONSES: Record<string, Record<string, Check>> = {
  loaded: { info: isInfo },
  error: { errors: (v) => arrayOf(isError)(v) && (v as unknown[]).length > 0 },
  'settings-error': { error: isString },
  frame: { frame: isFrame, live: optional(isBool) },
  'link-refused': { error: isString },
  'link-opened': {
    link: (v) =>
      isObject(v) &&
      Object.keys(v).every((k) => ['view', 'compare', 'pinned', 'allPins'].includes(k)) &&
      optional(isString)(v.view) &&
      optional(arrayOf(isString))(v.compare) &&
      optional(arrayOf(isInt))(v.pinned) &&
      optional(isBool)(v.allPins),
  },
  'link-checked': { error: (v) => v === null || isString(v) },
  progress: { steps: isStep, limit: isStep },
  'run-checkpoint': { steps: isStep, state: isState, eventsJson: arrayOf(isString), dropped: isStep },
  'run-ended': { info: isInfo },
  exported: { what: isExportKind, text: isString },
  'trace-steps': { steps: arrayOf(isStepEvents) },
  'trace-imported': { result: isTraceImport },
  escaped: { eval: isString, fetch: isString },
  'explore-progress': { states: isStep, distinct: isStep, depth: isStep, maxDepth: isStep },
  'explore-done': { report: isExploreReport },
};

function check(table: Record<string, Record<string, Check>>, v: unknown): string | null {
  if (!isObject(v)) return 'not an object';
  const type = v.type;
  if (typeof type !== 'string' || !Object.hasOwn(table, type)) return `unknown type ${JSON.stringify(type)}`;
  if (!isStep(v.id)) return `${type}: id is not a message number`;
  const fields = table[type];
  for (const k of Object.keys(v))
    if (k !== 'type' && k !== 'id' && !Object.hasOwn(fields, k)) return `${type}: unknown field ${k}`;
  for (const [k, ok] of Object.entries(fields)) if (!ok(v[k])) return `${type}: bad ${k}`;
  return null;
}

/** Why `v` is not a request (or test hook) of the protocol, or null when it is one. */
export function requestProblem(v: unknown): string | null {
  return check(REQUESTS, v);
}

/** Why `v` is not a response of the protocol, or null when it is one. */
export function responseProblem(v: unknown): string | null {
  return check(RESPONSES, v);
}
