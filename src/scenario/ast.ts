/** A parsed scenario (scenario-language.md): configuration, steps, expectations, notes. */
import type { Action } from '../core/actions.ts';
import type { Config } from '../core/config.ts';
import type { CounterFilter, CounterName } from '../core/counters.ts';
import type { CpuSetReg, CpuValueReg, IoapicField } from '../core/inspect.ts';
import type { Ask } from './ask.ts';

export interface Pos {
  line: number;
  col: number;
}

/** A value in the scenario that is valid only for some configurations (vCPU index, IPI dest). */
export interface Ref extends Pos {
  kind: 'cpu' | 'ipi-dest';
  value: number;
}

export interface Step {
  action: Action;
  line: number;
  /** The first line that belongs to the step: its first note, or the action itself. */
  startLine: number;
  /** `note` lines just above the action. */
  notes: string[];
  refs: Ref[];
  /** Teaching mode: the `ask` line above the action (ignored by the emulation). */
  ask?: Ask;
}

export type Check =
  | { kind: 'cpu-set'; cpu: number; reg: CpuSetReg; op: '=' | 'has' | 'lacks'; vectors: number[] }
  | { kind: 'cpu-value'; cpu: number; reg: CpuValueReg; value: number }
  | { kind: 'ioapic'; pin: number; field: IoapicField; value: number }
  | { kind: 'ioapic-version'; value: number }
  | { kind: 'kvm-seoib'; value: 'quirked' | 'enabled' | 'disabled' }
  | { kind: 'kvm-apicv'; value: 'active' | 'inhibited' | 'off' }
  /** `expect vm KEY = VALUE` (R8.8–R8.12): leg, migration, seoib-state, flag-write, policy. */
  | { kind: 'vm'; key: VmKey; value: string }
  | {
      kind: 'count';
      name: CounterName;
      filter: Partial<Record<CounterFilter, number>>;
      op: '=' | '>=' | '<=';
      value: number;
    };

export type VmKey = 'leg' | 'migration' | 'seoib-state' | 'flag-write' | 'policy';

export interface Expectation {
  line: number;
  /** Checked against the state after this many actions (0 = the booted start state). */
  afterStep: number;
  check: Check;
  refs: Ref[];
  /** The expectation as written (after `expect`, without its comment). */
  text: string;
}

export interface Scenario {
  config: Config;
  /** Where each configuration statement stood (`vcpus`, `kvm seoib`, `guest 3`, …). */
  configPos: Record<string, Pos>;
  /** Notes that come before any other statement. */
  configNotes: string[];
  steps: Step[];
  expects: Expectation[];
  /** Notes after the last action. */
  trailingNotes: string[];
  /** The line of the first of them, when there are any: a step appended after them starts there. */
  trailingNotesLine?: number;
  /** The `explore` and `invariant` statements, when the file has any (`run` ignores them). */
  explore?: ExploreSpec;
}

/**
 * What `apicscope explore` reads from the file (docs/explore.md): its bounds, how the alphabet
 * of actions is narrowed or extended, and the properties checked after every explored step.
 */
export interface ExploreSpec {
  /** `explore depth=N max-states=M` (null = the command line's or the default bound). */
  depth: number | null;
  maxStates: number | null;
  /** `explore actions KIND…`: the derived alphabet keeps only these kinds (null = every kind). */
  kinds: string[] | null;
  /** `explore action ACTION`: actions added to the alphabet, one line's alternatives expanded. */
  actions: ExploreActionLine[];
  /** `explore lints NAME…`: the lints checked as properties (null = every lint, [] = none). */
  lints: string[] | null;
  /** `invariant CHECK`: an expectation that must hold after every explored step. */
  invariants: Invariant[];
  /** Where each once-only statement stood: `depth`, `max-states`, `actions`, `lints`. */
  pos: Record<string, Pos>;
}

export interface ExploreActionLine {
  line: number;
  /** The action as written after `explore action` (spaces collapsed, comment dropped). */
  text: string;
  /** Its alternatives (`dest=0|1`) expanded, in order. */
  actions: Action[];
  refs: Ref[];
}

export interface Invariant {
  line: number;
  check: Check;
  /** The check as written after `invariant`. */
  text: string;
  refs: Ref[];
}

export interface ScenarioError extends Pos {
  message: string;
}

export function formatError(e: ScenarioError): string {
  return `${e.line}:${e.col}: ${e.message}`;
}
