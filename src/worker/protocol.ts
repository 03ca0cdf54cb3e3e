/** The typed messages between the UI thread and the emulator worker: one union each way. */
import type { ScenarioError } from '../scenario/ast.ts';
import type { Frame, SessionInfo } from './session.ts';

/** `detailed`: the vCPUs the UI shows in full (cards); the others travel as compact rows. */
export type Request =
  /** Replace the session with this text (only if it parses) and show `step` (default: the end). */
  | { type: 'load'; id: number; text: string; step?: number; event?: number; detailed: number[] }
  /** Show the state after `step` actions (and, with `event`, right after that event of the step). */
  | { type: 'seek'; id: number; step: number; event?: number; detailed: number[] }
  /** Append scenario lines after step `at` (later steps are discarded) and show the end. */
  | { type: 'append'; id: number; lines: string[]; at: number; detailed: number[] }
  /** Start `run n` after step `at`, reporting progress; ends by itself or on `stop`. */
  | { type: 'run'; id: number; n: number; at: number; detailed: number[] }
  | { type: 'stop'; id: number }
  /** The whole session's trace, as trace-cmd text (with or without reasons) or Chrome trace JSON. */
  | { type: 'export'; id: number; what: ExportKind }
  /** Test hooks: make the worker fail as a crash would, or stop answering as a hang would. */
  | { type: 'crash'; id: number }
  | { type: 'hang'; id: number; ms: number };

export type Response =
  | { type: 'loaded'; id: number; info: SessionInfo }
  | { type: 'error'; id: number; errors: ScenarioError[] }
  | { type: 'frame'; id: number; frame: Frame; live?: boolean }
  | { type: 'progress'; id: number; steps: number; limit: number }
  | { type: 'run-ended'; id: number; info: SessionInfo }
  | { type: 'exported'; id: number; what: ExportKind; text: string };

export type ExportKind = 'trace-text' | 'trace-why' | 'chrome-trace';

export type RequestBody = Request extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;
