/**
 * The typed messages between the UI thread and the emulator worker (one union each way) and the
 * shapes of what they carry. The UI thread loads this module and worker/host.ts only: nothing
 * here imports the emulator at run time (the imports are types, erased when compiled).
 */
import type { Config } from '../core/config.ts';
import type { CounterName } from '../core/counters.ts';
import type { TraceEvent } from '../core/events.ts';
import type { cpuSummary, machineSummary, spivFields } from '../core/inspect.ts';
import type { ExpectResult } from '../replay/run.ts';
import type { ScenarioError } from '../scenario/ast.ts';
import type { StepEvents } from '../share/trace-export.ts';

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
    }
  /** Rewrite the configuration lines of the session's text to `config` and replay from the start. */
  | { type: 'configure'; id: number; config: Config; detailed: number[] }
  /** Show the state after `step` actions (and, with `event`, right after that event of the step). */
  | { type: 'seek'; id: number; step: number; event?: number; detailed: number[] }
  /** Append scenario lines after step `at` (later steps are discarded) and show the end. */
  | { type: 'append'; id: number; lines: string[]; at: number; detailed: number[] }
  /** Start `run n` (default: the language's `run`) after step `at`, reporting progress; ends by itself or on `stop`. */
  | { type: 'run'; id: number; n?: number; at: number; detailed: number[] }
  | { type: 'stop'; id: number }
  /**
   * The whole session's trace, as trace-cmd text (with or without reasons) or Chrome trace JSON;
   * with `compare`, the other column's events go into the same file (compare view).
   */
  | { type: 'export'; id: number; what: ExportKind; compare?: { label: string; steps: StepEvents[] } }
  /** The whole session's events, per step (compare: the first difference, and exports of both sides). */
  | { type: 'trace-steps'; id: number }
  /**
   * Explore every action sequence from the session's last state (issue 10, docs/explore.md),
   * reporting progress; ends by itself or on `explore-stop`. The bounds default to the file's.
   */
  | { type: 'explore'; id: number; depth?: number; maxStates?: number }
  | { type: 'explore-stop'; id: number };

/**
 * Test hooks, kept out of `Request`: the UI never sends them; the end-to-end tests do, through
 * the store's `testHooks`, to make the worker fail as a crash would or stop answering as a hang.
 */
export type TestHookRequest =
  | { type: 'test-crash'; id: number }
  | { type: 'test-hang'; id: number; ms: number };

export type Response =
  | { type: 'loaded'; id: number; info: SessionInfo }
  | { type: 'error'; id: number; errors: ScenarioError[] }
  /** A compare setting that does not apply (`settings` of a load): nothing was loaded. */
  | { type: 'settings-error'; id: number; error: string }
  | { type: 'frame'; id: number; frame: Frame; live?: boolean }
  | { type: 'progress'; id: number; steps: number; limit: number }
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
  | { type: 'explore-done'; id: number; report: ExploreReport };

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

export type ExportKind = 'trace-text' | 'trace-why' | 'chrome-trace';

type WithoutId<R> = R extends { id: number } ? Omit<R, 'id'> : never;
export type RequestBody = WithoutId<Request>;
export type TestHookBody = WithoutId<TestHookRequest>;

export interface StepInfo {
  text: string;
  line: number;
  notes: string[];
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
  steps: StepInfo[];
  /** Every expectation's result, in order. */
  expects: ExpectResult[];
}

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
}

/** The vector registers of a vCPU that the views draw as grids. */
export const CPU_SETS = ['irr', 'isr', 'tmr', 'handled', 'shadowIsr'] as const;
export type CpuSetName = (typeof CPU_SETS)[number];

/** Per vCPU: the vectors whose bit differs in each set register, and the other fields that differ. */
export interface CpuChange {
  sets: Partial<Record<CpuSetName, number[]>>;
  fields: string[];
}
