/** The typed messages between the UI thread and the emulator worker. */
import type { ScenarioError } from '../scenario/ast.ts';
import type { Frame, SessionInfo } from './session.ts';

export type Request =
  /** Replace the session with this scenario text (only if it parses) and show `step` (default: the end). */
  | { type: 'load'; id: number; text: string; step?: number }
  /** Show the state after `step` actions. */
  | { type: 'seek'; id: number; step: number };

export type Response =
  | { type: 'loaded'; id: number; info: SessionInfo }
  | { type: 'error'; id: number; errors: ScenarioError[] }
  | { type: 'frame'; id: number; frame: Frame };
